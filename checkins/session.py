"""What to bring to a session with a facilitator: what changed since a date, the needs someone
marked "let's talk about this", and the check-ins revealed since. Read-only, and only what the
viewer may see (never drafts, hidden answers or private notes)."""

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, Event, Need
from agreements.negotiation import history_since
from checkins.models import TalkAbout
from checkins.services import CheckInView, check_in_views


@dataclass
class TalkItem:
    need: Need
    marks: list[TalkAbout]

    @property
    def marked_by(self) -> list[User]:
        return [mark.party for mark in self.marks]


@dataclass
class Session:
    since: datetime.datetime
    events: list[Event]
    talk: list[TalkItem]
    check_ins: list[CheckInView]

    @property
    def days(self) -> list[tuple[datetime.date, list[Event]]]:
        """The changes by day, on the reader's own clock."""

        def day(event: Event) -> datetime.date:
            return timezone.localdate(event.created_at)

        return [(date, list(events)) for date, events in groupby(self.events, key=day)]


def summarise(
    *, agreement: Agreement, viewer: User, since: datetime.datetime, now: datetime.datetime
) -> Session:
    events, hidden_counters = history_since(agreement, viewer, since)
    talk: dict[int, TalkItem] = {}
    marks = (
        TalkAbout.objects.filter(need__version__agreement=agreement)
        .exclude(need__status=Need.Status.DRAFT)
        .exclude(need_id__in=hidden_counters)
        .select_related("need__version", "need__author", "party")
        .order_by("need__version__number", "need__put_down_at", "need_id", "marked_at")
    )
    for mark in marks:
        talk.setdefault(mark.need_id, TalkItem(need=mark.need, marks=[])).marks.append(mark)
    # A facilitator's view of check-ins: never a form, only what has been revealed.
    revealed = [
        view
        for view in check_in_views(agreement, viewer, now, is_party=False)
        if view.revealed and view.check_in.closes_at >= since
    ]
    return Session(since=since, events=events, talk=list(talk.values()), check_ins=revealed)
