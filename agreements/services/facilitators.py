"""Facilitators: every current party agrees to one before they read; any party ends their place."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.models import Agreement, Event, FacilitatorConsent, Participant
from agreements.rules import still_to_consent
from agreements.services.core import (
    NegotiationError,
    _now,
    _party,
    lock_latest_version,
    record_event,
)


def _consenting(agreement: Agreement) -> set[int]:
    """Whose agreement a facilitator needs: every current party's."""
    return set(
        Participant.objects.parties().filter(agreement=agreement).values_list("user_id", flat=True)
    )


def _settle_facilitators(agreement: Agreement, now: datetime.datetime) -> None:
    """A facilitator reads exactly while every current party has agreed to them: admitted when
    the last one agrees (or the one still to agree leaves), paused when someone joins who has
    not agreed yet, and admitted again once they do."""
    parties = _consenting(agreement)
    present = Participant.objects.select_for_update().filter(
        agreement=agreement, role=Participant.Role.FACILITATOR, left_at__isnull=True
    )
    for facilitator in present.select_related("user"):
        consented = set(facilitator.consents.values_list("party_id", flat=True))
        agreed = not still_to_consent(parties, consented)
        reading = facilitator.access_from is not None
        if reading == agreed or (not reading and not parties):
            continue  # as it should be; and with no party left, nobody can agree
        facilitator.access_from = now if agreed else None
        facilitator.save(update_fields=["access_from"])
        record_event(
            Event.Kind.FACILITATOR_ADMITTED if agreed else Event.Kind.FACILITATOR_PAUSED,
            agreement=agreement,
            actor=None,
            now=now,
            facilitator=facilitator.user_id,
            name=facilitator.user.name,
        )


def facilitators_of(agreement: Agreement) -> list[User]:
    """The facilitators now in an agreement, reading or waiting: someone invited to it is told."""
    places = Participant.objects.active().filter(
        agreement=agreement, role=Participant.Role.FACILITATOR
    )
    return [place.user for place in places.select_related("user").order_by("joined_at", "pk")]


def _lock_facilitator(facilitator: Participant, party: User) -> Participant:
    lock_latest_version(facilitator.agreement_id)
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("agreement", "user")
        .get(pk=facilitator.pk)
    )
    _party(locked.agreement, party)
    if locked.role != Participant.Role.FACILITATOR or locked.left_at is not None:
        raise NegotiationError(_("This facilitator is no longer part of the agreement."))
    return locked


@transaction.atomic
def facilitator_consent(
    *, facilitator: Participant, party: User, now: datetime.datetime | None = None
) -> Participant:
    """A party agrees to a facilitator; once every party has, the facilitator may read."""
    now = _now(now)
    facilitator = _lock_facilitator(facilitator, party)
    _consent, created = FacilitatorConsent.objects.get_or_create(
        facilitator=facilitator, party=party, defaults={"given_at": now}
    )
    if created:
        record_event(
            Event.Kind.FACILITATOR_CONSENTED,
            agreement=facilitator.agreement,
            actor=party,
            now=now,
            facilitator=facilitator.user_id,
            name=facilitator.user.name,
        )
        _settle_facilitators(facilitator.agreement, now)
        facilitator.refresh_from_db(fields=["access_from"])
    return facilitator


@transaction.atomic
def facilitator_end(
    *, facilitator: Participant, party: User, now: datetime.datetime | None = None
) -> Participant:
    """Any party ends a facilitator's place at once: "not now" to one still waiting, or the end
    of access for one already reading. Their comments stay in the record."""
    now = _now(now)
    facilitator = _lock_facilitator(facilitator, party)
    waiting = facilitator.access_from is None
    facilitator.left_at = now
    facilitator.save(update_fields=["left_at"])
    record_event(
        Event.Kind.FACILITATOR_DECLINED if waiting else Event.Kind.FACILITATOR_ENDED,
        agreement=facilitator.agreement,
        actor=party,
        now=now,
        facilitator=facilitator.user_id,
        name=facilitator.user.name,
    )
    return facilitator
