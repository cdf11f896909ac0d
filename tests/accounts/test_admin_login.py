"""The admin signs people in through the one sign-in page, with its limits and two-factor step."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def operator() -> User:
    """A superuser who has turned on two-factor sign-in."""
    user = User.objects.create_superuser(email="operator@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_login_page_sends_people_to_the_sign_in_page(client: Client) -> None:
    response = client.get(ADMIN_LOGIN + "?" + urlencode({"next": ADMIN}))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?" + urlencode({"next": ADMIN})


def test_a_password_alone_does_not_open_the_admin_to_someone_with_two_factor(
    client: Client, operator: User
) -> None:
    response = client.post(
        ADMIN_LOGIN + "?next=/admin/", {"username": operator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(client)
    assert client.get(ADMIN)["Location"].startswith(ADMIN_LOGIN)

    # The sign-in page asks for the code next.
    response = client.post(
        reverse("account_login"), {"login": operator.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)


def test_wrong_passwords_at_the_admin_login_are_never_checked_there(
    client: Client, operator: User
) -> None:
    """Every password goes through the sign-in page, whose limits answer 429 (tests/accounts/
    test_login.py): the admin's own form, which has none, takes no password."""
    for n in range(12):
        response = client.post(ADMIN_LOGIN, {"username": operator.email, "password": f"guess{n}"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(client)


def test_staff_who_signed_in_reach_the_admin(client: Client, operator: User) -> None:
    client.force_login(operator)
    assert client.get(ADMIN).status_code == 200
    assert client.get(ADMIN_LOGIN).status_code == 302  # on to the admin


def test_people_who_are_not_staff_are_refused_the_admin_login(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(ADMIN_LOGIN).status_code == 403
