"""The dispatcher claims what is due, once, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from agreements.models import Version
from notifications import services
from notifications.models import Reminder
from tests.agreements.factories import put_down
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db(transaction=True)  # enqueueing waits for the commit


class Enqueued(list[int]):
    def __call__(self, ids: list[int], now: datetime.datetime) -> None:
        self.extend(ids)


def test_it_claims_only_what_is_due(version: Version, alice: User) -> None:
    put_down(version, alice, "One", now=MONDAY)
    put_down(version, alice, "Two", now=MONDAY + DAY)
    enqueued = Enqueued()

    assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueued) == 1
    assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueued) == 0

    assert len(enqueued) == 1
    assert Reminder.objects.get(pk=enqueued[0]).claimed_at == MONDAY + DAY


def test_a_claim_whose_task_was_lost_is_claimed_again_later(version: Version, alice: User) -> None:
    put_down(version, alice, now=MONDAY)
    enqueued = Enqueued()
    services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueued)

    soon = MONDAY + DAY + services.CLAIM_TIMEOUT / 2
    later = MONDAY + DAY + services.CLAIM_TIMEOUT + datetime.timedelta(seconds=1)
    assert services.reminders_dispatch(now=soon, enqueue=enqueued) == 0
    assert services.reminders_dispatch(now=later, enqueue=enqueued) == 1
    assert enqueued[0] == enqueued[1]


@pytest.mark.parametrize("needs", [2, 20])
def test_a_pass_costs_the_same_queries_however_many_rows_are_due(
    version: Version, alice: User, needs: int
) -> None:
    for n in range(needs):
        put_down(version, alice, f"Need {n}", now=MONDAY)

    with CaptureQueriesContext(connection) as queries:
        claimed = services.reminders_dispatch(now=MONDAY + DAY, enqueue=Enqueued())

    assert claimed == needs
    # BEGIN, the claim (SELECT … FOR UPDATE SKIP LOCKED), the UPDATE of claimed_at, COMMIT.
    assert len(queries.captured_queries) == 4, [q["sql"] for q in queries.captured_queries]


def test_a_sweep_drains_a_backlog_in_passes(
    version: Version, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "DISPATCH_BATCH", 2)
    for n in range(5):
        put_down(version, alice, f"Need {n}", now=MONDAY)
    enqueued = Enqueued()

    assert services.reminders_sweep(now=MONDAY + DAY, enqueue=enqueued) == 5
    assert sorted(enqueued) == sorted(Reminder.objects.values_list("pk", flat=True))
