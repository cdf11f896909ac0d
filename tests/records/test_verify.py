"""The public verification page (/verify/): anyone with a printout checks its code; the page
says only whether it matches."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from agreements.models import Agreement
from records.verification import grouped, version_code
from records.views import VERIFY_LIMIT
from tests.agreements.helpers import answer, put_down, seal, start, text

pytestmark = pytest.mark.django_db

PATH = reverse("records:verify")


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = start(alice, bob, title="Our secret home")
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    seal(agreement, alice, bob)
    return agreement


def check(client: Client, agreement: Agreement, code: str, number: int = 1) -> str:
    data = {"agreement": agreement.public_id, "version": number, "code": code}
    response = client.post(PATH, data)
    assert response.status_code == 200
    return text(response)


def test_anyone_can_open_it(client: Client) -> None:
    response = client.get(PATH)
    assert response.status_code == 200
    assert "Check a verification code" in text(response)


def test_the_printed_code_matches(client: Client, agreement: Agreement) -> None:
    code = grouped(version_code(agreement.versions.get(number=1)))
    page = check(client, agreement, code)
    assert "The code matches." in page
    assert "does not match" not in page


def test_it_forgives_case_and_spacing(client: Client, agreement: Agreement) -> None:
    code = version_code(agreement.versions.get(number=1))
    assert "The code matches." in check(client, agreement, f" {code.lower()[:16]}-{code[16:]} ")


@pytest.mark.parametrize(
    ("public_id", "number", "change"),
    [
        (None, 1, "one character"),
        (None, 2, ""),
        ("unknown-id", 1, ""),
        (None, 1, "too short"),
    ],
    ids=["a changed code", "another version", "an unknown agreement", "half a code"],
)
def test_anything_else_does_not_match(
    client: Client, agreement: Agreement, public_id: str | None, number: int, change: str
) -> None:
    code = version_code(agreement.versions.get(number=1))
    if change == "one character":
        code = ("0" if code[0] != "0" else "1") + code[1:]
    elif change == "too short":
        code = code[:16]
    data = {"agreement": public_id or agreement.public_id, "version": number, "code": code}
    page = text(client.post(PATH, data))
    assert "The code does not match." in page
    assert "The code matches." not in page


def test_it_never_shows_what_an_agreement_says(client: Client, agreement: Agreement) -> None:
    code = version_code(agreement.versions.get(number=1))
    for attempt in (code, "0" * 32):
        page = check(client, agreement, attempt)
        assert "Our secret home" not in page
        assert "Tell me when you will be late" not in page
        assert "Alice" not in page


def test_a_version_in_negotiation_never_matches(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    assert "does not match" in check(client, agreement, "0" * 32)


def test_the_form_says_what_is_missing(client: Client) -> None:
    page = text(client.post(PATH, {"agreement": "", "version": "x", "code": ""}))
    assert "This field is required." in page
    assert "The code matches." not in page
    assert "does not match" not in page


def test_too_many_checks_from_one_address_get_429(
    client: Client, agreement: Agreement, settings: Settings
) -> None:
    # A cache of this test's own: every test's cache clean-up empties the shared Redis, and a
    # test running beside this one would reset its count half-way.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    data = {"agreement": agreement.public_id, "version": 1, "code": "0" * 32}
    statuses = [client.post(PATH, data).status_code for _ in range(VERIFY_LIMIT + 3)]
    assert statuses[:VERIFY_LIMIT] == [200] * VERIFY_LIMIT
    assert set(statuses[VERIFY_LIMIT:]) == {429}
