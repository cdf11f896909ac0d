"""A reminder for someone whose account was deactivated is let go quietly: nothing is sent, it
is not counted as a failed send, and nothing more is planned for them."""

import datetime
import logging

import pytest
from django.core import mail

from accounts.models import User
from agreements.models import Version
from notifications import services
from notifications.models import Notification, Reason, Reminder
from tests.agreements.factories import put_down
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)


def test_a_reminder_to_a_deactivated_account_is_let_go_quietly(
    version: Version, alice: User, bob: User, caplog: pytest.LogCaptureFixture
) -> None:
    put_down(version, alice, now=MONDAY)
    reminder = Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    others = set(Reminder.objects.exclude(pk=reminder.pk).values_list("pk", flat=True))

    with caplog.at_level(logging.ERROR, logger="notifications"):
        services.reminder_send(reminder_id=reminder.pk, now=MONDAY + DAY)

    reminder.refresh_from_db()
    assert reminder.failures == 0
    assert reminder.sent_at is None
    assert reminder.dropped == Reminder.Dropped.OBSOLETE
    assert not caplog.records
    assert not mail.outbox
    assert not Notification.objects.filter(user=bob).exists()
    assert not Reminder.objects.exclude(pk__in=others | {reminder.pk}).exists()
