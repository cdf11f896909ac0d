"""The one-click unsubscribe link in every reminder (RFC 8058): signed, works without logging
in, and a bad or tampered link changes nothing and says so."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.emails import unsubscribe_token
from notifications.models import Delivery, Preferences

pytestmark = pytest.mark.django_db


def link(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


def test_opening_the_link_only_asks(client: Client, bob: User) -> None:
    response = client.get(link(unsubscribe_token(bob, ["need_waiting"])))

    assert response.status_code == 200
    assert "A need is waiting for your answer" in response.text
    assert "Stop them" in response.text
    assert not Preferences.objects.exists()  # link scanners unsubscribe nobody


def test_one_click_post_from_the_mail_client_turns_the_reason_off(bob: User) -> None:
    client = Client(enforce_csrf_checks=True)  # a mail client has no session and no token

    response = client.post(
        link(unsubscribe_token(bob, ["need_waiting"])), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    prefs = Preferences.objects.get(user=bob)
    assert prefs.need_waiting == Delivery.OFF
    assert prefs.signature == Delivery.NOW  # only what the link stands for


def test_a_digest_link_turns_off_every_reason_it_carried(client: Client, bob: User) -> None:
    client.post(link(unsubscribe_token(bob, ["need_waiting", "signature"])))

    prefs = Preferences.objects.get(user=bob)
    assert (prefs.need_waiting, prefs.signature) == (Delivery.OFF, Delivery.OFF)


@pytest.mark.parametrize(
    "token",
    ["nonsense", "", "a:b:c"],
)
def test_a_bad_link_changes_nothing_and_says_so(client: Client, bob: User, token: str) -> None:
    path = f"/unsubscribe/{token}/" if token else "/unsubscribe/x/"

    response = client.post(path)

    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert "Nothing was changed" in response.text
    assert not Preferences.objects.exists()


def test_a_tampered_link_changes_nothing(client: Client, alice: User, bob: User) -> None:
    token = unsubscribe_token(bob, ["need_waiting"])
    # Point it at Alice without the signature to match.
    payload, rest = token.split(":", 1)
    other = unsubscribe_token(alice, ["need_waiting"]).split(":", 1)[0]
    tampered = f"{other}:{rest}"
    assert tampered != token

    for method in (client.get, client.post):
        response = method(link(tampered))
        assert response.status_code == 400
    assert not Preferences.objects.exists()


def test_a_link_for_an_unknown_preference_is_refused(client: Client, bob: User) -> None:
    from django.core import signing

    from notifications.emails import UNSUBSCRIBE_SALT

    forged = signing.dumps({"u": bob.pk, "f": ["is_staff"]}, salt=UNSUBSCRIBE_SALT)

    response = client.post(link(forged))

    assert response.status_code == 400
    bob.refresh_from_db()
    assert not bob.is_staff
