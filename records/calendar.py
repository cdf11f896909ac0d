"""A person's calendar feed: the dates Accord knows about in their agreements, as iCalendar.

Each kind of date comes from one source: a function from (person, now) to entries. Adding a
kind of date is adding a function to `SOURCES`.
"""

import datetime
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import User
from agreements.models import Participant, Version
from checkins.models import CheckIn, Schedule
from notifications.planning import next_review

# Dates further back than this are left out: a calendar needs what is coming, and a little of
# what just passed.
LOOK_BACK = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Entry:
    """One all-day event in the feed."""

    uid: str  # stable across fetches, so calendars update the event instead of adding one
    day: datetime.date
    summary: str
    path: str
    description: str = ""


Source = Callable[[User, datetime.datetime], Iterable[Entry]]


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _day(moment: datetime.datetime, user: User) -> datetime.date:
    """The day on the person's own clock."""
    return moment.astimezone(_zone(user)).date()


def _parties(user: User) -> Iterable[Participant]:
    return Participant.objects.parties().filter(user=user).select_related("agreement")


def _latest_versions(user: User) -> list[Version]:
    """The latest version of each agreement the person is a party to."""
    agreements = [p.agreement_id for p in _parties(user)]
    latest: dict[int, Version] = {}
    for version in (
        Version.objects.filter(agreement_id__in=agreements)
        .select_related("agreement")
        .order_by("agreement_id", "number")
    ):
        latest[version.agreement_id] = version
    return list(latest.values())


def respond_by_dates(user: User, now: datetime.datetime) -> Iterable[Entry]:
    """The date a party asked for answers by, on each version in negotiation."""
    for version in _latest_versions(user):
        if version.is_open and version.respond_by and version.respond_by > now - LOOK_BACK:
            yield Entry(
                uid=f"respond-by-{version.pk}",
                day=_day(version.respond_by, user),
                summary=_("Answers asked for: %(title)s") % {"title": version.agreement.title},
                path=reverse("agreements:detail", args=[version.agreement.public_id]),
                description=_("A party asked for answers to the open needs by the end of today."),
            )


def review_dates(user: User, now: datetime.datetime) -> Iterable[Entry]:
    """The next review date of each sealed agreement, from its review cadence."""
    for version in _latest_versions(user):
        if version.state != Version.State.SEALED or version.sealed_at is None:
            continue
        review = next_review(version.sealed_at, version.agreement.review_cadence, now)
        if review is not None:
            yield Entry(
                uid=f"review-{version.pk}-{review:%Y%m%d}",
                day=_day(review, user),
                summary=_("Review: %(title)s") % {"title": version.agreement.title},
                path=reverse("agreements:detail", args=[version.agreement.public_id]),
                description=_("Time to look at the agreement together: does it still fit?"),
            )


def check_ins(user: User, now: datetime.datetime) -> Iterable[Entry]:
    """Check-ins that are open, and the next one each rhythm will open."""
    agreements = {p.agreement_id: p.agreement for p in _parties(user)}
    seen: set[str] = set()
    opened = CheckIn.objects.filter(
        agreement_id__in=agreements, closes_at__gt=now - LOOK_BACK
    ).select_related("agreement")
    for check_in in opened:
        uid = f"check-in-{check_in.agreement_id}-{check_in.opens_at:%Y%m%d%H%M}"
        seen.add(uid)
        closes = _day(check_in.closes_at, user)
        yield Entry(
            uid=uid,
            day=_day(check_in.opens_at, user),
            summary=_("Check in: %(title)s") % {"title": check_in.agreement.title},
            path=reverse("checkins:list", args=[check_in.agreement.public_id]),
            description=_("Open until %(date)s.") % {"date": date_format(closes, "j F Y")},
        )
    sealed = {v.agreement_id for v in _latest_versions(user) if v.state == Version.State.SEALED}
    for schedule in Schedule.objects.filter(agreement_id__in=sealed):
        opens_at = schedule.opening(int((now - schedule.started_at) / schedule.period) + 1)
        uid = f"check-in-{schedule.agreement_id}-{opens_at:%Y%m%d%H%M}"
        if uid in seen:
            continue
        agreement = agreements[schedule.agreement_id]
        yield Entry(
            uid=uid,
            day=_day(opens_at, user),
            summary=_("Check in: %(title)s") % {"title": agreement.title},
            path=reverse("checkins:list", args=[agreement.public_id]),
            description=_("The next check-in opens."),
        )


SOURCES: list[Source] = [respond_by_dates, review_dates, check_ins]


def entries(user: User, now: datetime.datetime) -> list[Entry]:
    return sorted(
        (entry for source in SOURCES for entry in source(user, now)),
        key=lambda entry: (entry.day, entry.uid),
    )


def feed(user: User, now: datetime.datetime) -> bytes:
    """The whole feed as an iCalendar file."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    calendar = Calendar()
    calendar.add("prodid", "-//Accord//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Accord")
    for entry in entries(user, now):
        event = Event()
        event.add("uid", f"{entry.uid}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + datetime.timedelta(days=1))
        event.add("summary", entry.summary)
        event.add("url", f"{settings.SITE_URL}{entry.path}")
        if entry.description:
            event.add("description", entry.description)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
