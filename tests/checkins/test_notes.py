"""A check-in note is a longer text: it keeps its line breaks and tabs and quietly loses other
control characters and bidirectional overrides."""

from accounts.models import User
from agreements.models import Need
from checkins import services
from checkins.models import CheckIn, Rating
from tests.checkins.conftest import OPEN


def test_a_note_keeps_its_lines_and_loses_hidden_controls(
    check_in: CheckIn, alice: User, bob: User, calls: Need
) -> None:
    note = "Mostly.\r\nNot on\tFriday\x00\x1b\u202e."
    ratings = {(calls.pk, bob.pk): ("partly", note)}

    services.check_in_submit(check_in=check_in, party=alice, ratings=ratings, now=OPEN)

    assert Rating.objects.get().note == "Mostly.\nNot on\tFriday."
