"""A check-in reminder through a real Celery worker on a real Redis: claimed before Bob checked
in, it never reaches him. Transactional: the worker sees committed rows only."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import User
from checkins import services as checkins
from checkins.models import CheckIn
from config.celery import app
from notifications import services
from notifications.models import Reason, Reminder
from notifications.tasks import enqueue_sends
from tests.checkins.conftest import OPEN
from tests.notifications.test_worker import (  # noqa: F401  (fixtures)
    eventually,
    finished,
    queue,
    smtp,
)
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

MINUTE = datetime.timedelta(minutes=1)


def test_a_check_in_reminder_claimed_before_he_checked_in_never_reaches_him(
    check_in: CheckIn,
    alice: User,
    bob: User,
    queue: str,  # noqa: F811
    smtp: SmtpServer,  # noqa: F811
    finished: list[str],  # noqa: F811
) -> None:
    claimed: list[int] = []
    services.reminders_dispatch(now=OPEN + MINUTE, enqueue=lambda ids, now: claimed.extend(ids))
    his = list(
        Reminder.objects.filter(pk__in=claimed, user=bob, reason=Reason.CHECK_IN).values_list(
            "pk", flat=True
        )
    )
    assert his, "his reminder was due and claimed"
    # One more, written some other way after he checked in: the send must ask again.
    owed = checkins.commitments_to(check_in.version, bob)
    ratings = {(need.pk, keeper.pk): ("kept", "") for need, keeper in owed}
    checkins.check_in_submit(check_in=check_in, party=bob, ratings=ratings, now=OPEN + 2 * MINUTE)
    late = Reminder.objects.create(
        user=bob,
        reason=Reason.CHECK_IN,
        agreement=check_in.agreement,
        subject=check_in.pk,
        due_at=check_in.opens_at + MINUTE,
        send_after=check_in.opens_at + MINUTE,
    )

    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        enqueue_sends([*his, late.pk], OPEN + 3 * MINUTE, queue=queue)
        eventually(lambda: len(finished) == len(his) + 1, "the sends ran")

    assert sorted(finished) == sorted(["handled already"] * len(his) + ["obsolete"])
    assert not [m for m in smtp.delivered if bob.email in m.recipients]
    assert not Reminder.objects.filter(user=bob, sent_at__isnull=False).exists()
