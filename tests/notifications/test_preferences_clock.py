"""Quiet hours, pauses and the digest time are read on the person's own clock."""

import datetime
import zoneinfo

import pytest

from accounts.models import User
from notifications.models import Preferences

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime.datetime:
    """A moment on Berlin's clock, in UTC as the app keeps it."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=BERLIN).astimezone(datetime.UTC)


@pytest.fixture
def prefs(alice: User) -> Preferences:
    alice.time_zone = "Europe/Berlin"
    alice.save()
    return Preferences.for_user(alice.pk)  # quiet 21:00-08:00, digest at 08:00


def test_outside_quiet_hours_now_is_fine(prefs: Preferences) -> None:
    assert prefs.next_allowed(at(2, 14)) == at(2, 14)


def test_late_evening_waits_for_the_morning(prefs: Preferences) -> None:
    assert prefs.next_allowed(at(2, 22, 30)) == at(3, 8)


def test_small_hours_wait_for_the_same_morning(prefs: Preferences) -> None:
    assert prefs.next_allowed(at(3, 2)) == at(3, 8)


def test_quiet_hours_within_one_day(prefs: Preferences) -> None:
    prefs.quiet_from, prefs.quiet_until = datetime.time(13), datetime.time(15)

    assert prefs.next_allowed(at(2, 13, 30)) == at(2, 15)
    assert prefs.next_allowed(at(2, 15)) == at(2, 15)


def test_no_quiet_hours(prefs: Preferences) -> None:
    prefs.quiet_from = prefs.quiet_until = None

    assert prefs.next_allowed(at(3, 2)) == at(3, 2)


def test_the_morning_after_the_clocks_go_forward(prefs: Preferences) -> None:
    # Berlin moves from UTC+1 to UTC+2 in the night of 29 March 2026.
    assert prefs.next_allowed(at(28, 23)) == at(29, 8)
    assert at(29, 8) == datetime.datetime(2026, 3, 29, 6, 0, tzinfo=datetime.UTC)


def test_a_pause_holds_everything_until_it_ends(prefs: Preferences) -> None:
    prefs.paused_until = at(5, 10)

    assert prefs.next_allowed(at(2, 14)) == at(5, 10)


def test_a_pause_that_ends_at_night_waits_for_the_morning(prefs: Preferences) -> None:
    prefs.paused_until = at(5, 23)

    assert prefs.next_allowed(at(2, 14)) == at(6, 8)


def test_the_digest_goes_at_its_time_today_or_tomorrow(prefs: Preferences) -> None:
    prefs.digest_time = datetime.time(18, 30)

    assert prefs.next_digest(at(2, 9)) == at(2, 18, 30)
    assert prefs.next_digest(at(2, 19)) == at(3, 18, 30)


def test_a_digest_time_inside_quiet_hours_waits_for_their_end(prefs: Preferences) -> None:
    prefs.digest_time = datetime.time(6, 0)

    assert prefs.next_digest(at(2, 9)) == at(3, 8)
