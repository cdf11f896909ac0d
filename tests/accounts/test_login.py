from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
from tests.accounts.factories import PASSWORD


def log_in(client: Client, email: str, password: str) -> "TestResponse":
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.django_db
def test_a_verified_person_logs_in(client: Client, alice: User) -> None:
    response = log_in(client, alice.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client: Client, alice: User) -> None:
    response = log_in(client, alice.email, "not the password")
    assert response.status_code == 200
    assert b"That email and password do not match. Check them and try again." in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failed_logins_from_one_address_get_429(client: Client, alice: User) -> None:
    statuses = [log_in(client, f"guess{n}@example.com", "wrong").status_code for n in range(25)]
    assert statuses[:20] == [200] * 20
    assert set(statuses[20:]) == {429}
    assert b"Too many attempts" in log_in(client, alice.email, PASSWORD).content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_logins_for_one_email_lock_it_for_a_while(client: Client, alice: User) -> None:
    for _ in range(5):
        log_in(client, alice.email, "wrong")
    response = log_in(client, alice.email, PASSWORD)
    assert (
        b"Too many tries for this email. Wait a few minutes, or reset your password."
        in response.content
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_rate_limit_is_kept_in_the_shared_cache(
    client: Client, alice: User, redis_url: str
) -> None:
    """With REDIS_URL set, counters live in Redis, so every web process sees the same limit."""
    from django.core.cache import cache

    log_in(client, alice.email, "wrong")
    client_ = cache._cache.get_client()  # type: ignore[attr-defined]
    assert any(b"rl:" in key for key in client_.scan_iter("accord:*"))
