"""A reminder goes out whatever an older row holds: a line break stored in a name or a title
(from before names and titles were checked) becomes a space in the subject, never an error
that rolls the send back to be claimed again forever."""

import datetime

from django.core import mail

from accounts.models import User
from agreements.models import Agreement, Version
from notifications.models import Reason, Reminder
from notifications.tasks import send_reminder
from tests.agreements.factories import put_down
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)


def test_a_name_and_title_with_line_breaks_still_make_a_one_line_subject(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    put_down(version, alice, "Tell me when you will be late.", now=MONDAY)
    reminder = Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)
    User.objects.filter(pk=alice.pk).update(display_name="Alice\r\nBcc: x@example.com")
    Agreement.objects.filter(pk=agreement.pk).update(title="Our\nhome\u202e")

    assert send_reminder(reminder.pk, (MONDAY + DAY).isoformat()) == "sent"

    [message] = mail.outbox
    subject = message.message()["Subject"]
    assert subject == (
        "[Accord] Alice Bcc: x@example.com is waiting for your answer to a need in “Our home”."
    )
    assert message.message()["Bcc"] is None
    reminder.refresh_from_db()
    assert reminder.sent_at == MONDAY + DAY
