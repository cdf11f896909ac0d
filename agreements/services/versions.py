"""Signing a version, asking for answers by a date, and opening the next version."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from agreements import rules
from agreements.models import (
    Agreement,
    Event,
    Need,
    NeedState,
    Participant,
    Response,
    Signature,
    Version,
)
from agreements.services.core import (
    NegotiationError,
    _check_text,
    _lock_open_version,
    _now,
    _party,
    record_event,
)


def open_needs(version: Version) -> int:
    return version.needs.filter(status=Need.Status.PUT_DOWN, state=NeedState.OPEN).count()


@transaction.atomic
def version_sign(*, version: Version, party: User, now: datetime.datetime | None = None) -> Version:
    """Sign a version in which nothing is open; once every party signed, it is sealed."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, party)
    live = version.needs.filter(status=Need.Status.PUT_DOWN).values_list("state", "answers_hidden")
    if not live:
        raise NegotiationError(_("There is nothing to sign yet: put down a need first."))
    if not rules.ready_to_sign(live):
        # With answers kept hidden, a need counts as open until everyone answered it.
        raise NegotiationError(_("Every need must be answered before the version can be signed."))
    _signature, signed_now = Signature.objects.get_or_create(
        version=version, party=party, defaults={"signed_at": now}
    )
    if not signed_now:
        return version  # signing again changes nothing, and records nothing
    record_event(
        Event.Kind.SIGNED, agreement=version.agreement, actor=party, now=now, version=version
    )
    parties = set(
        Participant.objects.parties()
        .filter(agreement_id=version.agreement_id)
        .values_list("user_id", flat=True)
    )
    signed = set(version.signatures.values_list("party_id", flat=True))
    if len(parties) > 1 and parties <= signed:
        version.state = Version.State.SEALED
        version.sealed_at = now
        version.save(update_fields=["state", "sealed_at"])
        record_event(
            Event.Kind.SEALED, agreement=version.agreement, actor=None, now=now, version=version
        )
    return version


RESPOND_BY_LIMIT = datetime.timedelta(days=366)


@transaction.atomic
def version_set_respond_by(
    *,
    version: Version,
    party: User,
    respond_by: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> Version:
    """Ask for answers by a date (or stop asking). Reminders go out before it; after it the page
    shows who has not answered. Nothing happens by itself when it passes."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, party)
    if respond_by is not None and not now < respond_by <= now + RESPOND_BY_LIMIT:
        raise NegotiationError(_("Choose a date after today and within a year."))
    version.respond_by = respond_by
    version.save(update_fields=["respond_by"])
    record_event(
        Event.Kind.RESPOND_BY,
        agreement=version.agreement,
        actor=party,
        now=now,
        version=version,
        respond_by=respond_by.isoformat() if respond_by else None,
    )
    return version


def _carry_agreed(
    agreement: Agreement, current: Version, version: Version, now: datetime.datetime
) -> None:
    """Carry the needs agreed in `current` into the new `version`, agreed, each with an
    acceptance from its addressees who are still parties. A need whose author, or every
    addressee, has left stays behind."""
    parties = set(
        Participant.objects.parties().filter(agreement=agreement).values_list("user_id", flat=True)
    )
    agreed = current.needs.filter(status=Need.Status.PUT_DOWN, state=NeedState.AGREED)
    for old in agreed.prefetch_related("addressees"):
        addressees = [u.pk for u in old.addressees.all() if u.pk in parties]
        if old.author_id not in parties or not addressees:
            continue
        carried = Need.objects.create(
            version=version,
            author_id=old.author_id,
            statement=old.statement,
            looks_like=old.looks_like,
            category=old.category,
            status=Need.Status.PUT_DOWN,
            state=NeedState.AGREED,
            carried_from=old,
            created_at=now,
            put_down_at=now,
            changed_at=now,
        )
        carried.addressees.set(addressees)
        Response.objects.bulk_create(
            Response(
                need=carried,
                party_id=pk,
                answer=Response.Answer.ACCEPT,
                revision=carried.revision,
                carried=True,
                created_at=now,
            )
            for pk in addressees
        )


@transaction.atomic
def version_renegotiate(
    *, agreement: Agreement, party: User, reason: str, now: datetime.datetime | None = None
) -> Version:
    """Open version N+1. Agreed needs carry forward as agreed; the sealed one stays as it was."""
    now = _now(now)
    _party(agreement, party)
    reason = _check_text(reason, label=_("Why you are renegotiating"), limit=500)
    current = (
        Version.objects.select_for_update().filter(agreement=agreement).order_by("-number").first()
    )
    if current is None or current.state != Version.State.SEALED:
        raise NegotiationError(
            _("The current version is still being negotiated; change it there instead.")
        )
    current.state = Version.State.SUPERSEDED
    current.save(update_fields=["state"])
    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = Version.objects.create(
        agreement=agreement, number=number, reason=reason, opened_by=party, opened_at=now
    )
    _carry_agreed(agreement, current, version, now)
    # Drafts are private notes, not part of the record: they move on with the negotiation.
    Need.objects.filter(version=current, status=Need.Status.DRAFT).update(version=version)
    record_event(
        Event.Kind.RENEGOTIATED,
        agreement=agreement,
        actor=party,
        now=now,
        version=version,
        reason=reason,
    )
    return version
