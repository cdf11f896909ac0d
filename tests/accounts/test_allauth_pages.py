"""Every allauth page a person can meet here is ours: it sits in Accord's layout and speaks in
Accord's words ("Log in", "Create an account", "Keep me logged in"), never allauth's own
("Sign In", "Remember Me"). The list of pages comes from allauth's URLconf, so a page that a new
allauth version adds fails here until it is given our words or named as one nobody sees."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import allauth
import allauth.urls
import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import get_template
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

# What allauth's own templates and forms say, and we never do.
STOCK_PHRASES = [
    "Sign In",
    "Sign in",
    "sign in",
    "Sign Up",
    "Sign up",
    "sign up",
    "Signup",
    "Sign Out",
    "sign out",
    "Remember Me",
    "Hello from",
    "Thank you for using",
    "site_name",
    "Forgot your password",
    "Password Reset",
    "Change Password",
    "Set Password",
    "Current Password",
    "New Password",
    "(again)",
    "Email Addresses",
    "Confirm Email Address",
    "Verify Your Email",
    "Account Inactive",
    "Bad Token",
    "Make Primary",
    "Re-send",
    "Two-Factor Authentication",
    "Authenticator App",
    "Recovery Codes",
    "Security Key",
    "Are you sure",
    "Please ",
    "Request Code",
    "Sign-In Code",
    "Recipient",
]

# allauth's addresses that are not pages with our settings: login by code is off (it sends you
# back to log in), the download is a text file of codes, and a passkey login is only POSTed.
NOT_PAGES = {"account_confirm_login_code", "mfa_download_recovery_codes", "mfa_login_webauthn"}


def allauth_url_names(patterns: list[URLPattern | URLResolver] | None = None) -> set[str]:
    names = set()
    for pattern in allauth.urls.urlpatterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            names |= allauth_url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def person(*, totp: bool = False, passkey: bool = False, password: bool = True) -> User:
    user = UserFactory.create(email="dana@example.com", display_name="Dana")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if not password:
        user.set_unusable_password()
        user.save()
    if totp:
        TOTP.activate(user, generate_totp_secret())
        RecoveryCodes.activate(user)
    if passkey:
        credential = {"clientExtensionResults": {"credProps": {"rk": True}}}
        Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": "Dana's phone", "credential": credential},
        )
    return user


def logged_in(client: Client, user: User, *, confirmed: bool = False) -> None:
    """Logged in; `confirmed`: and just asked for the password again, as a change to how
    someone logs in requires."""
    client.force_login(user)
    if confirmed:
        response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert response.status_code == 302


def passkey_pk(user: User) -> int:
    return int(Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN).pk)


Opener = Callable[[Client], "TestResponse"]


def anonymous(name: str) -> Opener:
    return lambda client: client.get(reverse(name))


def as_dana(name: str, *, confirmed: bool = False, **kinds: bool) -> Opener:
    def open_page(client: Client) -> "TestResponse":
        logged_in(client, person(**kinds), confirmed=confirmed)
        return client.get(reverse(name))

    return open_page


def reset_password_from_key(client: Client) -> "TestResponse":
    user = person()
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "x", "key": "y"})
    url = url.replace("x-y", key)
    return client.get(url, follow=True)


def confirm_email(client: Client) -> "TestResponse":
    user = person()
    address = EmailAddress.objects.create(user=user, email="dana@work.example", verified=False)
    key = EmailConfirmationHMAC(address).key
    return client.get(reverse("account_confirm_email", args=[key]))


def confirm_reauthentication_code(client: Client) -> "TestResponse":
    user = person()
    logged_in(client, user)
    url = reverse("account_request_reauthentication_code")
    return client.post(url, {"recipient": user.email}, follow=True)


def mfa_authenticate(client: Client) -> "TestResponse":
    user = person(totp=True)
    data = {"login": user.email, "password": PASSWORD}
    return client.post(reverse("account_login"), data, follow=True)


def with_passkey(name: str) -> Opener:
    def open_page(client: Client) -> "TestResponse":
        user = person(passkey=True)
        logged_in(client, user, confirmed=True)
        return client.get(reverse(name, kwargs={"pk": passkey_pk(user)}))

    return open_page


def reauthenticate_with_passkey(client: Client) -> "TestResponse":
    """The stored passkey is a stand-in with no public key, from which allauth could not build
    the browser's challenge; the page around the challenge is what is looked at here."""
    logged_in(client, person(passkey=True))
    with mock.patch("allauth.mfa.webauthn.views.auth.begin_authentication", return_value={}):
        return client.get(reverse("mfa_reauthenticate_webauthn"))


PAGES: dict[str, Opener] = {
    "account_login": anonymous("account_login"),
    "account_signup": anonymous("account_signup"),
    "account_inactive": anonymous("account_inactive"),
    "account_reset_password": anonymous("account_reset_password"),
    "account_reset_password_done": anonymous("account_reset_password_done"),
    "account_reset_password_from_key": reset_password_from_key,
    "account_reset_password_from_key_done": anonymous("account_reset_password_from_key_done"),
    "account_email_verification_sent": anonymous("account_email_verification_sent"),
    "account_confirm_email": confirm_email,
    "account_logout": as_dana("account_logout"),
    "account_email": as_dana("account_email"),
    "account_change_password": as_dana("account_change_password"),
    "account_set_password": as_dana("account_set_password", password=False),
    "account_reauthenticate": as_dana("account_reauthenticate"),
    "account_request_reauthentication_code": as_dana("account_request_reauthentication_code"),
    "account_confirm_reauthentication_code": confirm_reauthentication_code,
    "mfa_index": as_dana("mfa_index", totp=True, passkey=True),
    "mfa_authenticate": mfa_authenticate,
    "mfa_reauthenticate": as_dana("mfa_reauthenticate", totp=True),
    "mfa_activate_totp": as_dana("mfa_activate_totp", confirmed=True),
    "mfa_deactivate_totp": as_dana("mfa_deactivate_totp", confirmed=True, totp=True),
    "mfa_view_recovery_codes": as_dana("mfa_view_recovery_codes", confirmed=True, totp=True),
    "mfa_generate_recovery_codes": as_dana(
        "mfa_generate_recovery_codes", confirmed=True, totp=True
    ),
    "mfa_list_webauthn": as_dana("mfa_list_webauthn", passkey=True),
    "mfa_add_webauthn": as_dana("mfa_add_webauthn", confirmed=True),
    "mfa_reauthenticate_webauthn": reauthenticate_with_passkey,
    "mfa_edit_webauthn": with_passkey("mfa_edit_webauthn"),
    "mfa_remove_webauthn": with_passkey("mfa_remove_webauthn"),
}

MAIN = re.compile(r"<main\b.*?</main>", re.DOTALL)
CONTROL = re.compile(r"<(input|select|textarea)\b([^>]*)>")


def main_of(response: "TestResponse") -> str:
    found = MAIN.search(response.content.decode())
    assert found, "not in our layout: no <main>"
    return found.group(0)


def words(markup: str) -> str:
    """What a person reads or hears: the text, and the words inside controls and images."""
    said = re.findall(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"', markup)
    return " ".join([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)), *said])


def unlabelled_controls(markup: str) -> list[str]:
    labelled = set(re.findall(r'<label\b[^>]*\bfor="([^"]+)"', markup))
    missing = []
    for tag, attributes in CONTROL.findall(markup):
        if re.search(r'type="(hidden|submit)"', attributes) or "aria-label=" in attributes:
            continue
        control_id = re.search(r'\bid="([^"]+)"', attributes)
        if not control_id or control_id.group(1) not in labelled:
            missing.append(f"<{tag}{attributes}>")
    return missing


def test_every_allauth_page_is_listed() -> None:
    assert allauth_url_names() == set(PAGES) | NOT_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_is_ours(client: Client, name: str) -> None:
    response = PAGES[name](client)
    assert response.status_code == 200
    assert response.resolver_match.url_name == name  # landed where meant, not sent elsewhere
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert 'class="site-footer"' in page
    assert page.count("<h1") == 1
    main = main_of(response)
    said = words(main)
    leftovers = [phrase for phrase in STOCK_PHRASES if phrase in said]
    assert not leftovers, f"allauth's words on {name}: {leftovers}"
    assert not unlabelled_controls(main)


@pytest.mark.django_db
def test_the_login_page_says_log_in_and_keep_me_logged_in(client: Client) -> None:
    said = words(main_of(client.get(reverse("account_login"))))
    assert "Log in" in said
    assert "Keep me logged in" in said
    assert "Create an account" in said
    assert "Forgotten your password?" in said


@pytest.mark.django_db
def test_the_sign_up_page_says_create_an_account(client: Client) -> None:
    said = words(main_of(client.get(reverse("account_signup"))))
    assert "Create an account" in said
    assert "Choose a password" in said
    assert "The same password again" in said


@pytest.mark.django_db
def test_an_expired_reset_link_says_so_kindly(client: Client) -> None:
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"})
    said = words(main_of(client.get(url)))
    assert "This link has expired" in said
    assert "Send me a new link" in said


@pytest.mark.django_db
def test_messages_after_logging_in_and_out_are_ours(client: Client) -> None:
    user = person()
    logged = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert "Welcome back, Dana." in words(main_of(logged))
    out = client.post(reverse("account_logout"), follow=True)
    said = words(main_of(out))
    assert "You are logged out." in said
    assert "signed out" not in said


# allauth's templates we leave as they are: the base_* ones only extend our layouts, the
# download is the bare list of codes, and the rest belong to features that are off here (login
# and verification by code, phone numbers, changing the address in place, passkey sign-up,
# closed sign-up, trusting a browser).
LEFT_AS_ALLAUTH_HAS_THEM = {
    "account/base_entrance.html",
    "account/base_manage.html",
    "account/base_manage_email.html",
    "account/base_manage_password.html",
    "account/base_manage_phone.html",
    "account/confirm_email_verification_code.html",
    "account/confirm_login_code.html",
    "account/confirm_password_reset_code.html",
    "account/confirm_phone_verification_code.html",
    "account/email_change.html",
    "account/messages/phone_verification_sent.txt",
    "account/messages/phone_verified.txt",
    "account/phone_change.html",
    "account/request_login_code.html",
    "account/signup_by_passkey.html",
    "account/signup_closed.html",
    "account/snippets/warn_no_email.html",
    "mfa/base_entrance.html",
    "mfa/base_manage.html",
    "mfa/recovery_codes/download.txt",
    "mfa/trust.html",
    "mfa/webauthn/signup_form.html",
}


def test_every_allauth_template_with_words_is_ours() -> None:
    """A template a new allauth version adds fails here until it is ours or listed above."""
    stock = Path(allauth.__file__).parent / "templates"
    names = {
        str(path.relative_to(stock))
        for folder in ("account", "mfa")
        for path in (stock / folder).rglob("*")
        if path.is_file() and "/email/" not in str(path)
    }
    ours = {name for name in names if (settings.BASE_DIR / "templates" / name).exists()}
    assert names - ours == LEFT_AS_ALLAUTH_HAS_THEM
    for name in sorted(ours):
        origin = Path(get_template(name).origin.name)  # type: ignore[attr-defined]
        assert origin == settings.BASE_DIR / "templates" / name, name
