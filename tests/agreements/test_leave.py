"""Leaving an agreement (/a/<id>/leave/). Facilitators may leave too: it is their own place."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements.models import Agreement, Event, Need, Participant
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    draft,
    messages_of,
    person,
    put_down,
    reload,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("leave", agreement)


def has_left(agreement: Agreement, user: User) -> bool:
    return Participant.objects.get(agreement=agreement, user=user).left_at is not None


def test_it_requires_login(client: Client, path: str) -> None:
    before = snapshot()
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path), path)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["stranger", "other agreement"])
def test_outsiders_get_404(client: Client, path: str, who: str) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    client.force_login(dave)
    before = snapshot()
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert snapshot() == before


def test_the_page_asks_first(client: Client, agreement: Agreement, path: str, bob: User) -> None:
    client.force_login(bob)
    response = client.get(path)
    assert_full_page(response)
    assert "Leave “Our home”?" in text(response)
    assert "Leave the agreement" in text(response)
    assert not has_left(agreement, bob)


def test_leaving(client: Client, agreement: Agreement, path: str, bob: User) -> None:
    client.force_login(bob)
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert messages_of(response) == ["You have left “Our home”."]
    assert has_left(agreement, bob)
    assert Event.objects.filter(kind=Event.Kind.LEFT, actor=bob).exists()
    assert client.get(detail_url(agreement)).status_code == 404
    again = client.post(path)  # a second click: the same answer, and nothing more happens
    assert (again.status_code, again["Location"]) == (302, reverse("home"))
    assert Event.objects.filter(kind=Event.Kind.LEFT, actor=bob).count() == 1


def test_htmx_is_sent_home(client: Client, agreement: Agreement, path: str, bob: User) -> None:
    client.force_login(bob)
    response = client.post(path, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("home")
    assert has_left(agreement, bob)


def test_what_you_left_open_goes_with_you(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User
) -> None:
    mine = put_down(agreement, bob, "Walk the dog")
    notes = draft(agreement, bob, "My secret draft")
    client.force_login(bob)
    client.post(path)
    assert reload(mine).status == Need.Status.WITHDRAWN
    assert not Need.objects.filter(pk=notes.pk).exists()
    client.force_login(alice)
    words = text(client.get(detail_url(agreement)))
    assert "Bob left" in words
    assert "Withdrawn or dropped" in words


def test_a_facilitator_may_leave(
    client: Client, agreement: Agreement, path: str, carol: User
) -> None:
    add_facilitator(agreement, carol)
    client.force_login(carol)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert has_left(agreement, carol)


def test_the_title_is_escaped(client: Client, alice: User) -> None:
    agreement = start(alice, title="<script>alert(1)</script>")
    client.force_login(alice)
    page = client.get(url("leave", agreement)).content.decode()
    assert "<script>alert(1)</script>" not in page
    response = client.post(url("leave", agreement), follow=True)
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()
