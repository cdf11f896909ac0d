"""Two people in one agreement who share a name are told apart wherever they are named
together, never refused: each is shown with their place among those sharing it, in the order
they joined ("Sam (1)", "Sam (2)")."""

import datetime

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User, shown_names
from agreements import services
from agreements.models import Agreement
from notifications.models import Reason, Reminder
from notifications.services import reminder_deliver
from tests.agreements.helpers import HX, comment, person, put_down, start, text, url
from tests.notifications.conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def sams(alice: User) -> tuple[User, User]:
    first, second = person("Sam"), person("Sam2")
    User.objects.filter(pk=second.pk).update(display_name="sam")  # any case: they look alike
    second.refresh_from_db()
    return first, second


@pytest.fixture
def agreement(alice: User, sams: tuple[User, User]) -> Agreement:
    return start(alice, *sams)


def test_names_that_look_alike_get_a_mark_and_others_stay_as_they_are(
    alice: User, sams: tuple[User, User]
) -> None:
    first, second = sams
    assert shown_names([alice, first, second]) == {
        alice.pk: "Alice",
        first.pk: "Sam (1)",
        second.pk: "sam (2)",
    }
    assert shown_names([alice, second]) == {alice.pk: "Alice", second.pk: "sam"}


def test_the_page_and_its_history_tell_them_apart(
    client: Client, alice: User, sams: tuple[User, User], agreement: Agreement
) -> None:
    first, second = sams
    need = put_down(agreement, second, "Say goodnight")
    comment(need, first, "Of course")
    client.force_login(alice)

    page = text(client.get(url("detail", agreement)))
    assert "Put down by sam (2) for" in page
    assert "Sam (1) commented" in page
    history = text(client.get(url("history", agreement), headers=HX))
    assert "sam (2) put down a need" in history
    assert "Sam (1) commented" in history


def test_once_one_of_them_leaves_the_other_is_named_plainly(
    client: Client, alice: User, sams: tuple[User, User], agreement: Agreement
) -> None:
    first, second = sams
    services.agreement_leave(agreement=agreement, user=first)
    client.force_login(alice)
    page = text(client.get(url("detail", agreement)))
    assert "(2)" not in page
    assert "sam" in page


def test_a_reminder_names_them_as_the_page_does(
    alice: User, sams: tuple[User, User], agreement: Agreement
) -> None:
    _first, second = sams
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=second, statement="Say hi", now=MONDAY)
    services.need_put_down(need=need, actor=second, addressee_ids=[alice.pk], now=MONDAY)
    reminder = Reminder.objects.get(user=alice, reason=Reason.NEED_WAITING)
    assert reminder_deliver(reminder_id=reminder.pk, now=MONDAY + datetime.timedelta(days=1)) == (
        "sent"
    )
    assert mail.outbox[-1].subject.startswith("[Accord] sam (2) is waiting for your answer")
