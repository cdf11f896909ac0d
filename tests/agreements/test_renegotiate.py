"""Reopening a sealed agreement (/a/<id>/renegotiate/): version N+1, agreed needs come along."""

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement, Need, NeedState, Version
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    assert_full_page,
    assert_redirects_to_login,
    current,
    detail_url,
    html,
    messages_of,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db

REASON = {"reason": "We moved house"}


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = start(alice, bob)
    answer(put_down(agreement, alice, "Tell me when you will be late"), bob)
    answer(put_down(agreement, bob, "Cook on Sundays"), alice, "decline")
    seal(agreement, alice, bob)
    return agreement


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("renegotiate", agreement)


def test_it_requires_login(client: Client, path: str) -> None:
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path, REASON), path)
    assert Version.objects.count() == 1


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, path: str, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.get(path).status_code == 404
    assert client.post(path, REASON).status_code == 404
    assert snapshot() == before


def test_the_sealed_page_offers_it(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    assert f'href="{url("renegotiate", agreement)}"' in html(client.get(detail_url(agreement)))


def test_the_form(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    response = client.get(path)
    assert_full_page(response)
    assert "Why renegotiate?" in text(response)


def test_renegotiating_opens_the_next_version(
    client: Client, agreement: Agreement, path: str, bob: User
) -> None:
    client.force_login(bob)
    response = client.post(path, REASON)
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)
    assert messages_of(response) == ["A new version is open. Agreed needs came along."]
    version = current(agreement)
    assert (version.number, version.state, version.reason) == (
        2,
        Version.State.NEGOTIATING,
        "We moved house",
    )
    assert agreement.versions.get(number=1).state == Version.State.SUPERSEDED
    carried = Need.objects.get(version=version)
    assert (carried.statement, carried.state) == ("Tell me when you will be late", NeedState.AGREED)
    words = text(client.get(response["Location"]))
    assert "Bob started renegotiating: “We moved house”" in words


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "This field is required."),
        ("x" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_a_reason_is_needed(
    client: Client, path: str, alice: User, reason: str, message: str
) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"reason": reason})
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_version_in_negotiation_is_not_renegotiated(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    client.post(path, REASON)
    before = snapshot()
    response = client.post(path, REASON)
    assert response.status_code == 200
    assert "The current version is still being negotiated; change it there instead." in text(
        response
    )
    assert snapshot() == before


def test_the_reason_is_escaped(
    client: Client, agreement: Agreement, path: str, alice: User
) -> None:
    client.force_login(alice)
    client.post(path, {"reason": "<script>alert(1)</script>"})
    for page in (
        html(client.get(detail_url(agreement))),
        html(client.get(url("versions", agreement))),
    ):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
