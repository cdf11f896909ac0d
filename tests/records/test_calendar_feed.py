"""The calendar feed (/calendar/<token>.ics): no login, the secret link is the key; it parses
as iCalendar and holds the person's respond-by dates, review dates and check-ins."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agreements import services
from checkins.models import CheckIn
from checkins.services import schedule_set
from notifications.planning import add_months
from records import services as record_services
from tests.agreements.helpers import person, put_down, start
from tests.records.conftest import days, sealed

pytestmark = pytest.mark.django_db


def feed_path(user: User) -> str:
    token = record_services.calendar_feed_for(user=user).token
    return reverse("records:calendar-feed", args=[token])


def parsed(client: Client, path: str) -> list[icalendar.Event]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    return calendar.events


def events(client: Client, path: str) -> dict[str, icalendar.Event]:
    """The feed's events by summary (for feeds with one event of each)."""
    return {str(event.summary): event for event in parsed(client, path)}


def test_an_unknown_token_gets_404(client: Client) -> None:
    assert client.get(reverse("records:calendar-feed", args=["not-a-token"])).status_code == 404


def test_an_empty_feed_still_parses(client: Client, alice: User) -> None:
    assert events(client, feed_path(alice)) == {}


def test_it_holds_respond_by_review_and_check_in_dates(
    client: Client, alice: User, bob: User
) -> None:
    now = timezone.now()
    talks = start(alice, bob, title="Chores")
    put_down(talks, alice, "Take the bins out")
    asked_by = now + days(5)
    services.version_set_respond_by(version=talks.versions.get(), party=bob, respond_by=asked_by)
    reviewed, version = sealed(alice, bob, title="Money", review_cadence="monthly")
    checked, _version = sealed(alice, bob, title="Evenings")
    schedule_set(agreement=checked, party=bob, rhythm="weekly", now=now - days(8))
    CheckIn.objects.create(
        agreement=checked,
        version=_version,
        number=1,
        opens_at=now - days(1),
        closes_at=now + days(6),
    )

    found = parsed(client, feed_path(alice))

    assert sorted(str(event.summary) for event in found) == [
        "Answers asked for: Chores",
        "Check in: Evenings",  # open now
        "Check in: Evenings",  # the next one
        "Review: Money",
    ]
    by_day = {(str(event.summary), event.start): event for event in found}
    respond_by = by_day["Answers asked for: Chores", asked_by.date()]
    assert str(respond_by.url).endswith(reverse("agreements:detail", args=[talks.public_id]))
    assert version.sealed_at is not None
    assert ("Review: Money", add_months(version.sealed_at, 1).date()) in by_day
    assert ("Check in: Evenings", (now - days(1)).date()) in by_day
    assert ("Check in: Evenings", (now + days(6)).date()) in by_day
    assert all(event.end == event.start + days(1) for event in found)
    assert all(b"Take the bins out" not in event.to_ical() for event in found)


def test_dates_fall_on_the_persons_own_day(client: Client, alice: User, bob: User) -> None:
    """Early morning in Auckland is still the day before in UTC."""
    User.objects.filter(pk=alice.pk).update(time_zone="Pacific/Auckland")
    talks = start(alice, bob, title="Chores")
    put_down(talks, alice, "Take the bins out")
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    asked_by = datetime.datetime.combine(
        timezone.now().astimezone(auckland).date() + days(3), datetime.time(6, 0), auckland
    )
    services.version_set_respond_by(version=talks.versions.get(), party=bob, respond_by=asked_by)
    [event] = parsed(client, feed_path(alice))
    assert event.start == asked_by.date()
    assert event.start != asked_by.astimezone(datetime.UTC).date()


def test_the_next_check_in_shows_before_it_opens(client: Client, alice: User, bob: User) -> None:
    agreement, _version = sealed(alice, bob, title="Evenings")
    schedule_set(agreement=agreement, party=alice, rhythm="fortnightly")
    [event] = events(client, feed_path(bob)).values()
    assert event.summary == "Check in: Evenings"
    assert event.start == (timezone.now() + days(14)).date()


def test_only_the_persons_own_agreements_count(client: Client, alice: User, bob: User) -> None:
    left, _version = sealed(alice, bob, title="Left behind", review_cadence="monthly")
    services.agreement_leave(agreement=left, user=alice)
    dave = person("Dave")
    sealed(bob, dave, title="Not Alice's", review_cadence="monthly")
    assert events(client, feed_path(alice)) == {}
    assert set(events(client, feed_path(bob))) == {"Review: Left behind", "Review: Not Alice's"}


def test_uids_stay_the_same_between_fetches(client: Client, alice: User, bob: User) -> None:
    sealed(alice, bob, title="Money", review_cadence="yearly")
    path = feed_path(alice)
    first = events(client, path)["Review: Money"].uid
    assert events(client, path)["Review: Money"].uid == first


def test_a_reset_token_stops_the_old_link(client: Client, alice: User) -> None:
    old = feed_path(alice)
    record_services.calendar_feed_reset(user=alice)
    assert client.get(old).status_code == 404
    assert client.get(feed_path(alice)).status_code == 200


def test_a_deleted_account_has_no_feed(client: Client, alice: User) -> None:
    path = feed_path(alice)
    record_services.account_delete(user=alice)
    assert client.get(path).status_code == 404
