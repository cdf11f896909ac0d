"""Sending one reminder (the send task's body, called directly): once, only while it holds,
as the person chose, never quoting a need unless they asked for that."""

import datetime
import email.policy
import re

import pytest
from django.core import mail, signing
from django.core.mail import EmailMultiAlternatives
from pytest_django.fixtures import Settings

from accounts.models import User
from agreements import services as agreement_services
from agreements.models import Need, Version
from notifications import services
from notifications.models import Delivery, Notification, Preferences, Reason, Reminder
from notifications.tasks import send_reminder
from tests.agreements.factories import answer, put_down
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)
STATEMENT = "Tell me when you will be late."
# Nothing listens on the discard port: the connection is refused at once.
REFUSING = {
    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
}


@pytest.fixture
def need(version: Version, alice: User) -> Need:
    return put_down(version, alice, STATEMENT, now=MONDAY)


@pytest.fixture
def reminder(need: Need, bob: User) -> Reminder:
    return Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)


def deliver(reminder: Reminder, now: datetime.datetime) -> str:
    return services.reminder_deliver(reminder_id=reminder.pk, now=now)


def test_it_sends_a_due_reminder_once(reminder: Reminder, bob: User) -> None:
    assert deliver(reminder, MONDAY + DAY) == "sent"
    assert deliver(reminder, MONDAY + DAY) == "handled already"

    assert [m.to for m in mail.outbox] == [[bob.email]]
    reminder.refresh_from_db()
    assert reminder.sent_at == MONDAY + DAY


def test_the_email_says_who_waits_and_where_without_quoting_the_need(
    reminder: Reminder, need: Need
) -> None:
    deliver(reminder, MONDAY + DAY)

    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert "Alice is waiting for your answer" in message.subject
    assert "Our home" in message.body
    assert f"/needs/{need.pk}/respond/" in message.body
    assert STATEMENT not in message.body
    assert STATEMENT not in str(html)


def test_the_email_quotes_the_need_for_someone_who_asked(reminder: Reminder, bob: User) -> None:
    Preferences.objects.create(user=bob, quote_needs=True)

    deliver(reminder, MONDAY + DAY)

    assert STATEMENT in mail.outbox[0].body


def test_every_email_has_text_html_and_one_click_unsubscribe(reminder: Reminder) -> None:
    deliver(reminder, MONDAY + DAY)

    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    assert message.alternatives[0][1] == "text/html"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body
    for policy in (email.policy.default, email.policy.SMTP):  # console and file, and SMTP
        raw = message.message(policy=policy).as_string()
        assert f"List-Unsubscribe: {unsubscribe}" in raw  # one plain link, not encoded words


def test_it_schedules_the_next_reminder_further_out(reminder: Reminder, bob: User) -> None:
    deliver(reminder, MONDAY + DAY)

    follow_up = Reminder.objects.pending().get(user=bob)
    assert follow_up.due_at == MONDAY + 3 * DAY
    assert follow_up.attempt == 1


def test_an_answered_need_is_never_reminded_again(
    reminder: Reminder, need: Need, bob: User
) -> None:
    deliver(reminder, MONDAY + DAY)
    answer(need, bob, "accept", now=MONDAY + 2 * DAY)

    assert not Reminder.objects.pending().filter(reason=Reason.NEED_WAITING).exists()


def test_a_reminder_that_no_longer_holds_is_dropped(reminder: Reminder, need: Need) -> None:
    # The author withdraws it between the dispatcher's claim and the send: the need and who
    # waits on whom change, the reminder row is still there.
    Need.objects.filter(pk=need.pk).update(status=Need.Status.WITHDRAWN)
    agreement_services.settle(need.version.agreement, now=MONDAY + DAY, announce=False)

    assert deliver(reminder, MONDAY + DAY) == "obsolete"
    assert mail.outbox == []


def test_a_reason_turned_off_sends_nothing(reminder: Reminder, bob: User) -> None:
    Preferences.objects.create(user=bob, need_waiting=Delivery.OFF)

    assert deliver(reminder, MONDAY + DAY) == "off"
    assert mail.outbox == []
    assert not Reminder.objects.pending().filter(user=bob).exists()


def test_quiet_hours_defer_to_the_morning_on_their_clock(reminder: Reminder, bob: User) -> None:
    bob.time_zone = "America/New_York"
    bob.save()
    late = datetime.datetime(2026, 3, 3, 3, 0, tzinfo=datetime.UTC)  # 22:00 in New York

    assert deliver(reminder, late) == "deferred"

    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.send_after == datetime.datetime(2026, 3, 3, 13, 0, tzinfo=datetime.UTC)
    assert reminder.claimed_at is None
    assert deliver(reminder, reminder.send_after) == "sent"


def test_a_paused_person_hears_nothing_until_the_pause_ends(reminder: Reminder, bob: User) -> None:
    Preferences.objects.create(user=bob, paused_until=MONDAY + 5 * DAY)

    assert deliver(reminder, MONDAY + DAY) == "deferred"
    reminder.refresh_from_db()
    assert reminder.send_after == MONDAY + 5 * DAY


def test_digest_mode_sends_one_email_with_everything_due(
    version: Version, alice: User, bob: User
) -> None:
    Preferences.objects.create(user=bob, need_waiting=Delivery.DIGEST, signature=Delivery.DIGEST)
    for n in range(3):
        put_down(version, alice, f"Need number {n}", now=MONDAY)
    reminders = list(Reminder.objects.filter(user=bob))
    assert len(reminders) == 3

    for reminder in reminders:  # due Tuesday noon: held for Wednesday's 08:00 digest
        assert deliver(reminder, MONDAY + DAY) == "deferred"
    digest_at = datetime.datetime(2026, 3, 4, 8, 0, tzinfo=datetime.UTC)
    assert {r.send_after for r in Reminder.objects.filter(user=bob)} == {digest_at}
    outcomes = [deliver(reminder, digest_at) for reminder in reminders]

    assert outcomes == ["sent a digest of 3", "handled already", "handled already"]
    assert len(mail.outbox) == 1
    assert "3 things wait for you" in mail.outbox[0].subject
    assert mail.outbox[0].body.count("/respond/") == 3


def test_a_reminder_lands_in_the_notifications_list(reminder: Reminder, bob: User) -> None:
    deliver(reminder, MONDAY + DAY)

    notification = Notification.objects.get(user=bob)
    assert notification.read_at is None
    assert "Alice is waiting for your answer" in notification.text
    assert STATEMENT not in notification.text


def test_an_invitee_without_an_account_gets_one_plain_reminder(
    version: Version, alice: User
) -> None:
    invitation = agreement_services.invitation_create(
        agreement=version.agreement, inviter=alice, email="dana@example.com", now=MONDAY
    )
    mail.outbox.clear()
    reminder = Reminder.objects.get(reason=Reason.INVITATION)

    assert deliver(reminder, MONDAY + 3 * DAY) == "sent"

    message = mail.outbox[0]
    assert message.to == ["dana@example.com"]
    link = re.search(r"https?://\S+/invitations/(\S+)/", str(message.body))
    assert link, message.body
    pk, nonce = signing.loads(link.group(1), salt=agreement_services.INVITATION_SALT)
    assert (pk, nonce) == (invitation.pk, invitation.nonce)  # the link of the invitation itself
    assert "List-Unsubscribe" not in message.extra_headers
    assert not Reminder.objects.pending().filter(reason=Reason.INVITATION).exists()


def test_a_mail_server_failure_is_retried_later_with_backoff(
    reminder: Reminder, settings: Settings
) -> None:
    settings.MAILERS = {"default": REFUSING}

    outcome = send_reminder(reminder.pk, (MONDAY + DAY).isoformat())
    reminder.refresh_from_db()
    assert outcome.startswith("send failed")
    assert (reminder.sent_at, reminder.failures, reminder.claimed_at) == (None, 1, None)
    assert reminder.send_after == MONDAY + DAY + datetime.timedelta(minutes=1)
    assert not Notification.objects.exists()  # rolled back with the failed send

    send_reminder(reminder.pk, (MONDAY + DAY + datetime.timedelta(minutes=1)).isoformat())
    reminder.refresh_from_db()
    assert reminder.failures == 2
    assert reminder.send_after == MONDAY + DAY + datetime.timedelta(minutes=3)

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert send_reminder(reminder.pk, reminder.send_after.isoformat()) == "sent"
    assert len(mail.outbox) == 1


def test_backoff_grows_to_an_hour() -> None:
    delays = [services.retry_delay(n).total_seconds() / 60 for n in range(1, 10)]

    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
