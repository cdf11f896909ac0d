"""What someone said of a commitment at a check-in stays as they said it: their ratings are
appended, never changed or removed, on PostgreSQL and SQLite alike."""

import pytest

from accounts.models import User
from agreements.models import Need
from checkins import services
from checkins.models import CheckIn, Rating
from tests.agreements.test_append_only import refused
from tests.checkins.conftest import OPEN

pytestmark = pytest.mark.django_db


def test_ratings_can_be_given_but_never_changed_or_removed(
    check_in: CheckIn, alice: User, bob: User, calls: Need
) -> None:
    services.check_in_submit(
        check_in=check_in,
        party=alice,
        ratings={(calls.pk, bob.pk): ("partly", "Twice not.")},
        now=OPEN,
    )
    given = Rating.objects.get(check_in=check_in, rater=alice)

    refused(lambda: Rating.objects.filter(pk=given.pk).update(verdict="kept"))
    refused(lambda: Rating.objects.filter(pk=given.pk).update(note=""))
    refused(lambda: Rating.objects.filter(pk=given.pk).delete())

    given.refresh_from_db()
    assert (given.verdict, given.note) == ("partly", "Twice not.")
