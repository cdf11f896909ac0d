"""Starting an agreement and leaving one."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.models import (
    Agreement,
    Event,
    Kind,
    Need,
    NeedState,
    Participant,
    ReviewCadence,
    Version,
)
from agreements.services.core import (
    NegotiationError,
    _check_text,
    _now,
    _take_off_table,
    _touch,
    _unsign,
    lock_latest_version,
    record_event,
)
from agreements.services.facilitators import _settle_facilitators


@transaction.atomic
def agreement_create(
    *,
    creator: User,
    title: str,
    kind: str = Kind.PARTNERS,
    review_cadence: str = ReviewCadence.NONE,
    answer_independently: bool = False,
    now: datetime.datetime | None = None,
) -> Agreement:
    now = _now(now)
    title = _check_text(
        title,
        label=_("The title"),
        limit=Agreement._meta.get_field("title").max_length or 120,
        one_line=True,
    )
    agreement = Agreement.objects.create(
        title=title,
        kind=kind,
        review_cadence=review_cadence,
        answer_independently=answer_independently,
        created_by=creator,
        created_at=now,
    )
    Participant.objects.create(
        agreement=agreement, user=creator, role=Participant.Role.PARTY, joined_at=now
    )
    version = Version.objects.create(
        agreement=agreement, number=1, opened_by=creator, opened_at=now
    )
    record_event(Event.Kind.CREATED, agreement=agreement, actor=creator, now=now, version=version)
    return agreement


@transaction.atomic
def agreement_leave(
    *, agreement: Agreement, user: User, now: datetime.datetime | None = None
) -> None:
    """Leave an agreement. What you did stays in its history; the open version lets you go:
    your drafts are deleted, your open needs withdrawn, and you no longer owe anyone an answer.
    Leaving again (a second click while the first was on its way) changes nothing."""
    now = _now(now)
    lock_latest_version(agreement.pk)
    participant = (
        Participant.objects.select_for_update()
        .filter(agreement=agreement, user=user, left_at__isnull=True)
        .first()
    )
    if participant is None:
        if Participant.objects.filter(agreement=agreement, user=user).exists():
            return  # already left
        raise NegotiationError(_("You are not part of this agreement."))
    version = (
        Version.objects.select_for_update()
        .filter(agreement=agreement, state=Version.State.NEGOTIATING)
        .first()
    )
    participant.left_at = now
    participant.save(update_fields=["left_at"])
    if version is not None and participant.role == Participant.Role.PARTY:
        Need.objects.filter(version=version, author=user, status=Need.Status.DRAFT).delete()
        for need in Need.objects.select_for_update().filter(
            version=version, author=user, status=Need.Status.PUT_DOWN, state=NeedState.OPEN
        ):
            _take_off_table(need, Need.Status.WITHDRAWN, now)
        for need in version.needs.select_for_update().filter(
            status=Need.Status.PUT_DOWN, addressees=user
        ):
            need.addressees.remove(user)
            if need.addressees.exists():
                _touch(need, now)
            else:
                _take_off_table(need, Need.Status.WITHDRAWN, now)
        _unsign(version)
    record_event(Event.Kind.LEFT, agreement=agreement, actor=user, now=now, version=version)
    if participant.role == Participant.Role.PARTY:
        _settle_facilitators(agreement, now)  # the one still to agree may have been them
