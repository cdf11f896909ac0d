"""allauth's emails in Accord's words: the subject names Accord, the body opens with what
happened, never "Hello from <the site's address>!", and ends with Accord, not the domain."""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD

STOCK_PHRASES = [
    "Hello from",
    "Thank you for using",
    "You're receiving this",
    "You are receiving this",
    "testserver",
    "site_name",
    "sign up",
    "signup for",
    "Sign-In",
    "Please Confirm",
    "Password Reset",
    "Unknown Account",
    "Already Exists",
]


def assert_ours(message: mail.EmailMessage, *, subject: str, says: str) -> None:
    assert message.subject == f"[Accord] {subject}"
    assert message.from_email.startswith("Accord <")
    body = str(message.body)
    assert says in body
    assert body.rstrip().endswith("Accord")
    # The greeting: the first line says what happened, not where it came from.
    first_line = body.lstrip().splitlines()[0]
    assert "://" not in first_line
    # The domain only ever inside a link, never as a greeting or a signature.
    words = re.sub(r"https?://\S+", "", body)
    leftovers = [p for p in STOCK_PHRASES if p in words or p in message.subject]
    assert not leftovers, leftovers


def link(message: mail.EmailMessage, path: str) -> str:
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", str(message.body))
    assert found, message.body
    return found.group(1)


@pytest.mark.django_db
def test_the_sign_up_email_welcomes_and_asks_to_confirm(client: Client) -> None:
    data = {"email": "dana@example.com", "password1": PASSWORD, "password2": PASSWORD}
    client.post(reverse("account_signup"), data)
    (message,) = mail.outbox
    assert_ours(
        message,
        subject="Welcome: confirm your email address",
        says="Welcome to Accord. One step is left: confirm that this email address is yours.",
    )
    page = client.get(link(message, "/accounts/confirm-email/"))
    assert "Confirm your email address" in page.content.decode()


@pytest.mark.django_db
def test_signing_up_with_a_known_address_says_so_by_email(client: Client, alice: User) -> None:
    data = {"email": alice.email, "password1": PASSWORD, "password2": PASSWORD}
    client.post(reverse("account_signup"), data)
    (message,) = mail.outbox
    assert_ours(
        message,
        subject="You already have an account",
        says=f"Someone, perhaps you, tried to create an Accord account for {alice.email}.",
    )
    assert link(message, "/accounts/password/reset/")


@pytest.mark.django_db
def test_the_password_reset_email(client: Client, alice: User) -> None:
    client.post(reverse("account_reset_password"), {"email": alice.email})
    (message,) = mail.outbox
    assert_ours(
        message,
        subject="Reset your password",
        says="To choose a new password, open this link:",
    )
    page = client.get(link(message, "/accounts/password/reset/key/"), follow=True)
    assert "Choose a new password" in page.content.decode()


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_says_there_is_no_account(client: Client) -> None:
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    (message,) = mail.outbox
    assert_ours(
        message,
        subject="Someone asked to reset a password",
        says="There is no account with this address.",
    )
    assert link(message, "/accounts/signup/")


@pytest.mark.django_db
def test_adding_an_address_sends_a_confirmation(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(reverse("account_email"), {"action_add": "", "email": "alice@work.example"})
    (message,) = mail.outbox
    assert message.to == ["alice@work.example"]
    assert_ours(
        message,
        subject="Confirm your email address",
        says="Please confirm that this email address is yours",
    )
    assert not EmailAddress.objects.get(email="alice@work.example").verified


@pytest.mark.django_db
def test_notifications_of_changes_are_ours(client: Client, alice: User, settings: object) -> None:
    """Off today (ACCOUNT_EMAIL_NOTIFICATIONS), and in our words for the day they are on."""
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True  # type: ignore[attr-defined]
    client.force_login(alice)
    new = "another long passphrase"
    data = {"oldpassword": PASSWORD, "password1": new, "password2": new}
    client.post(reverse("account_change_password"), data)
    (message,) = mail.outbox
    assert_ours(
        message,
        subject="Your password changed",
        says="The password of your Accord account was changed.",
    )


@pytest.mark.django_db
def test_the_code_to_confirm_it_is_you(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post(reverse("account_request_reauthentication_code"), {"recipient": alice.email})
    (message,) = mail.outbox
    assert_ours(message, subject="Your code", says="Here is your code for Accord.")


def test_every_allauth_email_is_ours() -> None:
    """Each email allauth can send, today or once a setting turns it on, has our template."""
    stock = Path(allauth.__file__).parent / "templates"
    emails = sorted(stock.glob("account/email/*.txt")) + sorted(stock.glob("mfa/email/*.txt"))
    assert emails
    for path in emails:
        name = str(path.relative_to(stock))
        origin = Path(get_template(name).origin.name)  # type: ignore[attr-defined]
        assert origin == settings.BASE_DIR / "templates" / name, name
