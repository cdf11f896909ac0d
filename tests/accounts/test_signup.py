import re
from typing import TYPE_CHECKING

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PASSWORD = "a-long and unusual passphrase"


def signup(client: Client, **overrides: str) -> "TestResponse":
    data = {
        "email": "dana@example.com",
        "display_name": "Dana",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | overrides
    return client.post(reverse("account_signup"), data)


def verification_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_sign_up_verify_log_in_and_out(client: Client) -> None:
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="dana@example.com")
    assert user.display_name == "Dana"
    assert not EmailAddress.objects.get(user=user).verified

    # Verification is mandatory: logging in before it only re-sends the email.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dana@example.com"]
    link = verification_link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    logged_in = client.post(
        reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD}
    )
    assert logged_in.status_code == 302
    home = client.get(reverse("home"))
    assert b"Welcome, <bdi>Dana</bdi>" in home.content
    assert b"Log out" in home.content

    logged_out = client.post(reverse("account_logout"))
    assert logged_out.status_code == 302
    home = client.get(reverse("home"))
    assert b"Welcome, <bdi>Dana</bdi>" not in home.content
    assert b"Log in" in home.content


@pytest.mark.django_db
def test_an_unverified_person_cannot_log_in(client: Client) -> None:
    signup(client)
    response = client.post(
        reverse("account_login"), {"login": "dana@example.com", "password": PASSWORD}, follow=True
    )
    assert b"Welcome, <bdi>Dana</bdi>" not in response.content
    assert b"Check your email" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "password", "password2": "password"}, b"too common"),
        ({"password1": "12345", "password2": "12345"}, b"too short"),
        ({"password2": "something else entirely"}, b"same password"),
        ({"email": ""}, b"This field is required"),
        ({"password1": ""}, b"This field is required"),
        ({"email": "not-an-email"}, b"valid email"),
        ({"display_name": "x" * 300}, b"at most 80 characters"),
    ],
    ids=[
        "common-password",
        "short-password",
        "passwords-differ",
        "no-email",
        "no-password",
        "bad-email",
        "long-name",
    ],
)
def test_bad_sign_up_shows_errors_and_creates_nothing(
    client: Client, alice: User, overrides: dict[str, str], message: bytes
) -> None:
    users_before = User.objects.count()
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message in response.content
    assert b'aria-invalid="true"' in response.content
    assert User.objects.count() == users_before
    assert mail.outbox == []


@pytest.mark.django_db
def test_sign_up_escapes_what_it_echoes(client: Client) -> None:
    response = signup(client, display_name="<script>alert(1)</script>" + "x" * 80)
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


@pytest.mark.django_db
def test_signing_up_with_a_used_email_reveals_nothing_and_creates_nothing(
    client: Client, alice: User
) -> None:
    """Whether someone has an account is private: the page looks as for a new address,
    and only the owner of the address hears that someone tried."""
    response = signup(client, email="alice@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "already" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_time_zone_the_browser_fills_in_is_kept(client: Client) -> None:
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="time_zone"' in page
    assert 'data-browser-time-zone=""' in page  # static/js/time-zone.js chooses the browser's
    assert signup(client, time_zone="America/Sao_Paulo").status_code == 302
    assert User.objects.get(email="dana@example.com").time_zone == "America/Sao_Paulo"


@pytest.mark.django_db
def test_without_a_time_zone_the_default_stays_and_an_unknown_one_is_refused(
    client: Client,
) -> None:
    refused = signup(client, time_zone="Atlantis/Harbour")
    assert refused.status_code == 200
    assert "Select a valid choice." in refused.content.decode()
    assert not User.objects.exists()
    assert signup(client).status_code == 302
    assert User.objects.get(email="dana@example.com").time_zone == "UTC"
