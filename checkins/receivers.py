"""What check-ins add to the core's pages (`agreements.signals.page_context`)."""

import datetime
from typing import Any

from django.db.models import Model

from agreements.models import Agreement
from checkins import trust
from checkins.models import CheckIn, Submission


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


def agreement_of_submission(submission: Model) -> tuple[int | None, None]:
    """A submission shows on every page of its check-in's agreement."""
    assert isinstance(submission, Submission)
    found = CheckIn.objects.filter(pk=submission.check_in_id).values_list("agreement_id", flat=True)
    return found.first(), None
