"""After a gap (sweeps not running, a pause lifted, long quiet hours) a person gets one reminder,
not one for every slot that passed meanwhile: the next one is counted from when this one went."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import User
from agreements.models import Version
from notifications import services
from notifications.models import Preferences, Reason, Reminder
from tests.agreements.factories import AgreementFactory, answer, open_version, put_down, seal
from tests.notifications.conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)  # sends happen after the claim commits

DAY = datetime.timedelta(days=1)


def sweep(now: datetime.datetime) -> str:
    out = StringIO()
    call_command("send_reminders", now=now.isoformat(), stdout=out)
    return out.getvalue()


def about_waiting() -> list[list[str]]:
    return [m.to for m in mail.outbox if "is waiting for your answer" in m.subject]


def test_five_sweeps_ten_days_after_a_need_was_put_down_send_one_email(
    version: Version, alice: User, bob: User
) -> None:
    put_down(version, alice, now=MONDAY)
    mail.outbox.clear()
    later = MONDAY + 10 * DAY

    for _ in range(5):
        sweep(later)

    assert about_waiting() == [[bob.email]]
    follow_up = Reminder.objects.pending().get(user=bob, reason=Reason.NEED_WAITING)
    assert follow_up.due_at == later + 2 * DAY  # counted from the send, not from the first slot


def test_two_sweeps_at_the_same_moment_after_a_pause_send_one_email(
    version: Version, alice: User, bob: User
) -> None:
    Preferences.objects.create(user=bob, paused_until=MONDAY + 10 * DAY)
    put_down(version, alice, now=MONDAY)
    mail.outbox.clear()
    sweep(MONDAY + DAY)  # held until the pause ends
    assert mail.outbox == []

    sweep(MONDAY + 10 * DAY)
    sweep(MONDAY + 10 * DAY)

    assert about_waiting() == [[bob.email]]


def test_follow_ups_after_a_gap_keep_their_rhythm(version: Version, alice: User, bob: User) -> None:
    put_down(version, alice, now=MONDAY)
    mail.outbox.clear()
    sent_at = MONDAY + 10 * DAY
    sweep(sent_at)

    sweep(sent_at + 2 * DAY - datetime.timedelta(minutes=1))
    assert len(about_waiting()) == 1
    sweep(sent_at + 2 * DAY)
    assert len(about_waiting()) == 2


def test_a_review_reminder_found_long_past_gives_way_to_the_next_review(
    alice: User, bob: User
) -> None:
    agreement = AgreementFactory.create(
        creator=alice, parties=[bob], title="Monthly", review_cadence="monthly"
    )
    version = open_version(agreement)
    answer(put_down(version, alice, now=MONDAY), bob, "accept", now=MONDAY)
    seal(version, [alice, bob])
    reminder = Reminder.objects.pending().get(user=bob, reason=Reason.REVIEW)
    late = reminder.due_at + 100 * DAY  # three review dates went by unswept

    assert services.reminder_deliver(reminder_id=reminder.pk, now=late) == "obsolete"

    following = Reminder.objects.pending().get(user=bob, reason=Reason.REVIEW)
    assert late < following.due_at < late + 32 * DAY
