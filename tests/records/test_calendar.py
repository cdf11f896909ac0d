"""The calendar settings page (/accounts/calendar/) and resetting its link."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from records.models import CalendarFeed
from tests.agreements.helpers import assert_redirects_to_login, html, messages_of, text
from tests.records.conftest import sealed

pytestmark = pytest.mark.django_db

PAGE = reverse("records:calendar")
RESET = reverse("records:calendar-reset")


def feed_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('records:calendar-feed', args=[token])}"


@pytest.mark.parametrize("path", [PAGE, RESET])
def test_it_requires_login(client: Client, path: str) -> None:
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path), path)
    assert not CalendarFeed.objects.exists()


def test_it_shows_the_persons_own_link(client: Client, alice: User, bob: User) -> None:
    sealed(alice, bob, title="Money", review_cadence="monthly")
    client.force_login(alice)
    response = client.get(PAGE)
    assert response.status_code == 200
    token = CalendarFeed.objects.get(user=alice).token
    assert f'<code id="calendar-url">{feed_url(token)}</code>' in html(response)
    webcal = feed_url(token).replace("http://", "webcal://").replace("https://", "webcal://")
    assert f'href="{webcal}"' in html(response)
    assert "Review: Money" in text(response)
    assert 'aria-current="page">Calendar<' in html(response)
    client.get(PAGE)
    assert CalendarFeed.objects.get(user=alice).token == token  # the same link every visit


def test_each_person_has_their_own(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)
    client.get(PAGE)
    client.force_login(bob)
    page = html(client.get(PAGE))
    assert CalendarFeed.objects.get(user=alice).token not in page
    assert CalendarFeed.objects.get(user=bob).token in page


def test_resetting_makes_a_new_link_and_stops_the_old(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.get(PAGE)
    old = CalendarFeed.objects.get(user=alice).token
    response = client.post(RESET)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert messages_of(response) == [
        "Your calendar has a new link. The old one no longer works: subscribe again."
    ]
    new = CalendarFeed.objects.get(user=alice).token
    assert new != old
    assert client.get(reverse("records:calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("records:calendar-feed", args=[new])).status_code == 200
    assert "Last reset on" in text(client.get(PAGE))


def test_reset_takes_only_a_post(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(RESET).status_code == 405
