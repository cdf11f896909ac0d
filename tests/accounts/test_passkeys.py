"""Passkeys: offered once beside the welcome after joining, kept under Two-factor, and a way to
sign in; every script on their pages allowed by the Content-Security-Policy."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import pytest
from allauth.mfa import app_settings
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from tests.accounts.factories import PASSWORD
from tests.agreements.helpers import INVITATION_PAGE, detail_url, html, open_invitation, start, text
from tests.test_config import PRODUCTION_ENV, manage

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

Captured = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
OFFER = "Add a passkey, so you can log in without a password"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def assert_scripts_allowed(response: "TestResponse") -> list[str]:
    """Every script the page runs is allowed by its policy: from our own origin, or carrying the
    response's nonce. Data blocks (JSON) are not run, and need neither. Returns the sources."""
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    sources = []
    for attributes in SCRIPT.findall(html(response)):
        if re.search(r'type="application/json"', attributes):
            continue
        src = re.search(r'src="([^"]+)"', attributes)
        if src:
            assert src.group(1).startswith(settings.STATIC_URL), src.group(1)
            sources.append(src.group(1))
        else:
            assert nonce and f'nonce="{nonce.group(1)}"' in attributes, attributes
    assert "'unsafe-inline'" not in policy
    return sources


def confirm_password(client: Client) -> None:
    """Before a change to how someone signs in, their password once more (allauth asks)."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_passkeys_are_on_and_can_sign_in() -> None:
    assert "webauthn" in app_settings.SUPPORTED_TYPES
    assert app_settings.PASSKEY_LOGIN_ENABLED


def test_production_asks_passkeys_for_a_secure_origin() -> None:
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from allauth.mfa import app_settings as s;"
        "print(s.PASSKEY_LOGIN_ENABLED, s.WEBAUTHN_ALLOW_INSECURE_ORIGIN)",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


@pytest.mark.django_db
def test_the_add_passkey_page_works_under_the_policy(client: Client, alice: User) -> None:
    client.force_login(alice)
    confirm_password(client)

    page = client.get(reverse("mfa_add_webauthn"))

    assert page.status_code == 200
    words = text(page)
    assert "Add a passkey" in words
    assert "Log in with this passkey alone, without a password" in words
    assert 'id="mfa_webauthn_add"' in html(page)
    passwordless = re.search(r'<input[^>]*name="passwordless"[^>]*>', html(page))
    assert passwordless and " checked" in passwordless.group(0)  # ticked unless they untick it
    sources = assert_scripts_allowed(page)
    assert {s.rsplit("/", 1)[-1] for s in sources} >= {
        "webauthn-json.js",
        "webauthn.js",
        "onload.js",
        "passkey.js",
    }
    assert 'id="js_data"' in html(page)  # the options for the browser, as data


@pytest.mark.django_db
def test_adding_a_passkey_asks_for_the_password_once_more(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get(reverse("mfa_add_webauthn"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"])
    assert "Just checking it is you" in text(page)
    assert_scripts_allowed(page)


@pytest.mark.django_db
def test_the_welcome_after_joining_offers_a_passkey_once(
    client: Client, alice: User, django_capture_on_commit_callbacks: Captured
) -> None:
    agreement = start(alice)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            agreement=agreement, inviter=alice, email="erin@example.org"
        )
    open_invitation(client, services.invitation_token(invitation))
    form = {"display_name": "Erin", "password": "a quiet walk by the river", "time_zone": "UTC"}

    page = client.post(INVITATION_PAGE, form, follow=True)

    assert page.redirect_chain[-1][0] == detail_url(agreement)
    assert "Welcome to “Our home”." in text(page)
    offer = re.search(r'<a href="([^"]+)">' + re.escape(OFFER) + "</a>", html(page))
    assert offer and offer.group(1) == reverse("mfa_add_webauthn")
    assert OFFER not in text(client.get(detail_url(agreement)))  # once


@pytest.mark.django_db
def test_joining_with_an_account_already_is_not_offered_a_passkey(
    client: Client, alice: User, bob: User, django_capture_on_commit_callbacks: Captured
) -> None:
    agreement = start(alice)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(agreement=agreement, inviter=alice, email=bob.email)
    client.force_login(bob)
    page = client.post(reverse("agreements:invitation-join", args=[invitation.pk]), follow=True)
    assert "Welcome to “Our home”." in text(page)
    assert OFFER not in text(page)


@pytest.mark.django_db
def test_the_two_factor_settings_offer_a_passkey(client: Client, alice: User) -> None:
    client.force_login(alice)
    page = client.get(reverse("mfa_index"))
    assert page.status_code == 200
    assert f'href="{reverse("mfa_add_webauthn")}"' in html(page)
    assert "Passkeys" in text(page)


@pytest.mark.django_db
def test_the_login_page_offers_signing_in_with_a_passkey(client: Client) -> None:
    page = client.get(reverse("account_login"))

    assert page.status_code == 200
    assert "Log in with a passkey" in text(page)
    assert f'action="{reverse("mfa_login_webauthn")}"' in html(page)
    sources = assert_scripts_allowed(page)
    assert any(s.endswith("/webauthn.js") for s in sources)
    assert "Passkeys need JavaScript" not in html(page)  # the password form is right there


@pytest.mark.django_db
def test_a_passkey_sign_in_without_a_passkey_changes_nothing(client: Client) -> None:
    """Without JavaScript the button posts an empty form: back to the login page, with a word."""
    response = client.post(reverse("mfa_login_webauthn"), {"credential": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "_auth_user_id" not in client.session
