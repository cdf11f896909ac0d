"""The notifications list, its unread count in the navigation, and the reminder settings."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements.models import Agreement
from notifications.models import Delivery, Notification, Preferences, Reason

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
COUNT = reverse("notifications:count")
PREFERENCES = reverse("notifications:preferences")


def notify(user: User, agreement: Agreement, text: str) -> Notification:
    return Notification.objects.create(
        user=user, reason=Reason.NEED_WAITING, agreement=agreement, text=text, url="/x/"
    )


@pytest.mark.parametrize("url", [LIST, COUNT, PREFERENCES])
def test_it_requires_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_list_shows_only_your_own_and_marks_them_read(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    notify(bob, agreement, "Alice is waiting for your answer")
    notify(alice, agreement, "Something for Alice only")
    client.force_login(bob)

    assert client.get(COUNT).text.strip().endswith("1</span>")
    response = client.get(LIST)

    assert "Alice is waiting for your answer" in response.text
    assert "Something for Alice only" not in response.text
    assert "notification--unread" in response.text  # shown as new this once
    assert not Notification.objects.filter(user=bob, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert "nav-count" not in client.get(COUNT).text


def test_the_list_costs_the_same_queries_however_long_it_is(
    client: Client,
    agreement: Agreement,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(bob)
    notify(bob, agreement, "One")
    client.get(LIST)  # warm the session
    with django_assert_num_queries(4):
        client.get(LIST)
    for n in range(20):
        notify(bob, agreement, f"More {n}")
    with django_assert_num_queries(4):
        client.get(LIST)


def test_an_empty_list_says_what_will_come(client: Client, bob: User) -> None:
    client.force_login(bob)

    assert "Nothing yet" in client.get(LIST).text


def test_settings_show_the_defaults(client: Client, bob: User) -> None:
    client.force_login(bob)

    response = client.get(PREFERENCES)

    assert response.status_code == 200
    assert 'name="need_waiting"' in response.text
    assert 'value="21:00"' in response.text


def form(**changes: str) -> dict[str, str]:
    data = {
        "need_waiting": "now",
        "signature": "now",
        "respond_by": "now",
        "invitations": "now",
        "review": "now",
        "check_in": "now",
        "digest_time": "08:00",
        "quiet_from": "21:00",
        "quiet_until": "08:00",
        "pause": "",
    }
    return data | changes


def test_saving_settings(client: Client, bob: User) -> None:
    client.force_login(bob)

    response = client.post(
        PREFERENCES,
        form(need_waiting="digest", review="off", quiet_from="22:30", quote_needs="on", pause="7d"),
    )

    assert response.status_code == 302
    prefs = Preferences.objects.get(user=bob)
    assert prefs.need_waiting == Delivery.DIGEST
    assert prefs.review == Delivery.OFF
    assert prefs.quiet_from == datetime.time(22, 30)
    assert prefs.quote_needs
    assert prefs.paused_until is not None
    assert prefs.paused_until - timezone.now() > datetime.timedelta(days=6)


def test_resuming_ends_a_pause(client: Client, bob: User) -> None:
    Preferences.objects.create(user=bob, paused_until=timezone.now() + datetime.timedelta(days=3))
    client.force_login(bob)
    assert "paused until" in client.get(PREFERENCES).text

    client.post(PREFERENCES, form(pause="resume"))

    assert Preferences.objects.get(user=bob).paused_until is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quiet_until": ""}, "both a start and an end"),
        ({"need_waiting": "loudly"}, "Select a valid choice"),
        ({"digest_time": "25:99"}, "Enter a valid time"),
        ({"pause": "forever"}, "Select a valid choice"),
    ],
)
def test_bad_settings_say_why_and_change_nothing(
    client: Client, bob: User, changes: dict[str, str], message: str
) -> None:
    client.force_login(bob)
    client.get(PREFERENCES)  # the defaults exist from here on

    response = client.post(PREFERENCES, form(**({"review": "off"} | changes)))

    assert response.status_code == 200
    assert message in response.text
    prefs = Preferences.objects.get(user=bob)
    assert (prefs.need_waiting, prefs.review) == (Delivery.NOW, Delivery.NOW)
