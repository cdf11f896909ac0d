"""`manage.py send_reminders`: one sweep, for people who run it from cron."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from agreements.models import Version
from notifications.models import Reminder
from tests.agreements.factories import put_down
from tests.notifications.conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)  # sends happen after the claim commits


def test_it_sends_what_is_due_and_only_once(version: Version, alice: User, bob: User) -> None:
    put_down(version, alice, now=MONDAY)
    mail.outbox.clear()
    out = StringIO()

    call_command(
        "send_reminders", now=(MONDAY + datetime.timedelta(hours=1)).isoformat(), stdout=out
    )
    assert "Claimed 0 due reminder(s); 0 email(s) sent." in out.getvalue()

    tuesday = (MONDAY + datetime.timedelta(days=1)).isoformat()
    call_command("send_reminders", now=tuesday, stdout=out)
    call_command("send_reminders", now=tuesday, stdout=out)

    assert "Claimed 1 due reminder(s); 1 email(s) sent." in out.getvalue()
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 1
