"""A reminder whose send fails, for whatever reason, waits and is tried again with backoff, is
logged with its id, and after MAX_FAILURES is given up where people running Accord see it: it
never goes round unseen, claimed again every few minutes."""

import datetime
import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from pytest_django.fixtures import Settings

from accounts.models import User
from agreements.models import Need, Version
from notifications import services
from notifications.models import Notification, Reason, Reminder
from notifications.tasks import send_reminder
from tests.agreements.factories import put_down
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def need(version: Version, alice: User) -> Need:
    return put_down(version, alice, now=MONDAY)


@pytest.fixture
def reminder(need: Need, bob: User) -> Reminder:
    return Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)


@pytest.fixture
def broken_mailer(reminder: Reminder, settings: Settings, tmp_path: Path) -> None:
    """Mail set up wrong (once the reminder waits): a file backend pointed at a file where a
    folder should be. Not a mail server error: the backend raises while it is being made."""
    not_a_folder = tmp_path / "mail"
    not_a_folder.touch()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(not_a_folder)},
        }
    }


@pytest.mark.usefixtures("broken_mailer")
def test_a_send_that_fails_for_any_reason_waits_and_is_logged(
    reminder: Reminder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="notifications"):
        outcome = send_reminder(reminder.pk, (MONDAY + DAY).isoformat())

    assert outcome.startswith("send failed")
    reminder.refresh_from_db()
    assert (reminder.sent_at, reminder.failures, reminder.claimed_at) == (None, 1, None)
    assert reminder.send_after == MONDAY + DAY + MINUTE
    assert not Notification.objects.exists()  # rolled back with the failed send
    [record] = caplog.records
    assert record.getMessage() == f"Reminder {reminder.pk} could not be sent"
    assert record.exc_info is not None


def test_it_is_sent_once_the_trouble_is_fixed(
    reminder: Reminder, settings: Settings, broken_mailer: None
) -> None:
    send_reminder(reminder.pk, (MONDAY + DAY).isoformat())

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    reminder.refresh_from_db()
    assert send_reminder(reminder.pk, reminder.send_after.isoformat()) == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("broken_mailer")
def test_after_the_last_attempt_it_is_given_up_and_said_so(
    reminder: Reminder, bob: User, caplog: pytest.LogCaptureFixture
) -> None:
    when = MONDAY + DAY
    outcomes = []
    with caplog.at_level(logging.ERROR, logger="notifications"):
        for _ in range(services.MAX_FAILURES):
            outcomes.append(send_reminder(reminder.pk, when.isoformat()))
            reminder.refresh_from_db()
            when = reminder.send_after

    assert all(outcome.startswith("send failed") for outcome in outcomes[:-1])
    assert outcomes[-1] == f"gave up after {services.MAX_FAILURES} failed sends"
    assert reminder.dropped == Reminder.Dropped.FAILED
    assert reminder.failures == services.MAX_FAILURES
    assert caplog.records[-1].getMessage() == (
        f"Reminder {reminder.pk} given up after {services.MAX_FAILURES} failed sends"
    )
    # Never claimed again; the next reminder about the same need comes at its usual time.
    [follow_up] = Reminder.objects.pending().filter(user=bob)
    assert follow_up.pk != reminder.pk
    assert follow_up.due_at == when + 2 * DAY
    assert services.reminders_dispatch(now=when + DAY, enqueue=lambda ids, now: None) == 0


@pytest.mark.django_db(transaction=True)  # the command sends after its claim commits
@pytest.mark.usefixtures("broken_mailer")
def test_the_command_reports_a_failed_send_and_carries_on(reminder: Reminder) -> None:
    out, err = StringIO(), StringIO()

    call_command("send_reminders", now=(MONDAY + DAY).isoformat(), stdout=out, stderr=err)

    assert "Claimed 1 due reminder(s); 0 email(s) sent." in out.getvalue()
    assert "1 could not be sent" in err.getvalue()
    reminder.refresh_from_db()
    assert (reminder.failures, reminder.claimed_at) == (1, None)
