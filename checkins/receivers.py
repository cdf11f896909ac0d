"""What check-ins add to the core: to its pages (`agreements.signals.page_context`), to who waits
on whom (`signals.waiting`), and what they do when someone leaves (`signals.recorded`)."""

import datetime
from typing import Any

from django.db.models import Model

from agreements.models import Agreement, Event, Wait
from agreements.rules import Loaded
from checkins import services, trust
from checkins.models import CheckIn, RhythmAgreement, RhythmProposal, Submission


def kept_share(
    sender: Any, *, agreement: Agreement, now: datetime.datetime, **kwargs: Any
) -> dict[str, Any]:
    """The agreement page says how much of what was agreed is kept, once check-ins began; it
    changes when the next check-in opens or closes (one query when there are none)."""
    times = list(CheckIn.objects.filter(agreement=agreement).values_list("opens_at", "closes_at"))
    began = any(opens_at <= now for opens_at, _closes_at in times)
    ahead = [moment for pair in times for moment in pair if moment > now]
    return {
        "kept_share": trust.kept_share(agreement, now) if began else None,
        "changes_at": min(ahead, default=None),
    }


def waits(
    sender: Any, *, agreement: Agreement, now: datetime.datetime, loaded: Loaded, **kwargs: Any
) -> list[Wait]:
    """Who the agreement's check-ins wait on, stored with the core's waits (`services.settle`):
    an open check-in on each party who still has to check in, until it closes; a proposed
    rhythm on each party still to agree (two queries while neither is there)."""
    parties = loaded.parties
    found = [
        Wait(
            agreement=agreement,
            user_id=person,
            reason=Wait.Reason.CHECK_IN,
            subject=check_in.pk,
            since=check_in.opens_at,
            until=check_in.closes_at,
        )
        for check_in in CheckIn.objects.filter(
            agreement=agreement, opens_at__lte=now, closes_at__gt=now
        ).select_related("version")
        for person in services.check_in_waiting_on(check_in, parties, now)
    ]
    pending = RhythmProposal.objects.filter(
        agreement=agreement, state=RhythmProposal.State.PENDING
    ).first()
    if pending is not None:
        agreed = set(
            RhythmAgreement.objects.filter(proposal=pending).values_list("party_id", flat=True)
        )
        found += [
            Wait(
                agreement=agreement,
                user_id=person,
                reason=Wait.Reason.RHYTHM,
                subject=pending.pk,
                since=pending.proposed_at,
            )
            for person in services.rhythm_waiting_on(pending, parties, agreed)
        ]
    return found


def someone_left(sender: Any, *, event: Event, agreement: Agreement, **kwargs: Any) -> None:
    """A party left: a proposed rhythm may now have everyone's agreement, or have lost the one
    who proposed it."""
    if event.kind == Event.Kind.LEFT:
        services.rhythm_after_leaving(agreement, event.created_at)


def agreement_of_submission(submission: Model) -> tuple[int | None, None]:
    """A submission shows on every page of its check-in's agreement."""
    assert isinstance(submission, Submission)
    found = CheckIn.objects.filter(pk=submission.check_in_id).values_list("agreement_id", flat=True)
    return found.first(), None


def agreement_of_rhythm_agreement(row: Model) -> tuple[int | None, None]:
    """An agreement to a proposed rhythm shows on the check-ins page of its agreement."""
    assert isinstance(row, RhythmAgreement)
    found = RhythmProposal.objects.filter(pk=row.proposal_id).values_list("agreement_id", flat=True)
    return found.first(), None
