"""The JSON export of an agreement (/a/<id>/export.json): exactly what its reader may see."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement
from records.verification import version_code
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    assert_redirects_to_login,
    comment,
    draft,
    person,
    put_down,
    seal,
    start,
)

pytestmark = pytest.mark.django_db


def path(agreement: Agreement) -> str:
    return reverse("records:agreement-export", args=[agreement.public_id])


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    """Answered independently: Bob has answered Alice's need, Carol not yet, so Bob's answer
    (and his counter-proposal to another need) stay hidden from everyone but Bob."""
    agreement = start(alice, bob, carol, answer_independently=True)
    late = put_down(agreement, alice, "Tell me when you will be late")
    answer(late, bob, "decline", reason="BOB-HIDDEN-REASON")
    quiet = put_down(agreement, alice, "A quiet hour after work")
    answer(quiet, bob, "counter", counter_statement="BOB-HIDDEN-COUNTER")
    comment(late, carol, "Carol asks something")
    draft(agreement, bob, "BOB-PRIVATE-DRAFT")
    draft(agreement, alice, "ALICE-PRIVATE-DRAFT")
    return agreement


def export(client: Client, user: User, agreement: Agreement) -> tuple[dict[str, Any], str]:
    client.force_login(user)
    response = client.get(path(agreement))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="accord-{agreement.public_id}.json"'
    )
    body = response.content.decode()
    return json.loads(body), body


def test_it_requires_login(client: Client, agreement: Agreement) -> None:
    assert_redirects_to_login(client.get(path(agreement)), path(agreement))


@pytest.mark.parametrize("who", ["stranger", "former party"])
def test_outsiders_get_404(client: Client, agreement: Agreement, bob: User, who: str) -> None:
    if who == "former party":
        services.agreement_leave(agreement=agreement, user=bob)
        user = bob
    else:
        user = person("Dave")
        start(user, title="Dave's house")
    client.force_login(user)
    assert client.get(path(agreement)).status_code == 404


def test_a_party_gets_what_the_page_shows_them(
    client: Client, agreement: Agreement, alice: User
) -> None:
    data, body = export(client, alice, agreement)
    assert data["agreement"]["id"] == agreement.public_id
    assert sorted(data["parties"]) == ["Alice", "Bob", "Carol"]
    [version] = data["versions"]
    statements = [need["statement"] for need in version["needs"]]
    assert "Tell me when you will be late" in statements
    assert "ALICE-PRIVATE-DRAFT" in statements  # her own draft
    late = next(n for n in version["needs"] if n["statement"].startswith("Tell me"))
    assert late["state"] == "open"
    assert late["answers_hidden"] is True
    assert {a["party"]: a["answer"] for a in late["answers"]} == {"Bob": None, "Carol": None}
    assert late["comments"][0]["body"] == "Carol asks something"
    assert [e["what"] for e in data["history"]][:1] == ["created"]


def test_it_holds_nothing_its_reader_could_not_see(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    for reader in (alice, carol):
        data, body = export(client, reader, agreement)
        for secret in ("BOB-PRIVATE-DRAFT", "BOB-HIDDEN-REASON", "BOB-HIDDEN-COUNTER"):
            assert secret not in body, (reader, secret)
        answers = [e for e in data["history"] if e["who"] == "Bob"]
        assert {e["what"] for e in answers} == {"joined", "answered"}
        assert all(e["need_statement"] != "BOB-HIDDEN-COUNTER" for e in data["history"])
    assert "ALICE-PRIVATE-DRAFT" not in export(client, carol, agreement)[1]


def test_the_one_who_answered_sees_their_own_answer(
    client: Client, agreement: Agreement, bob: User
) -> None:
    data, body = export(client, bob, agreement)
    assert "BOB-HIDDEN-REASON" in body
    assert "BOB-HIDDEN-COUNTER" in body
    assert "BOB-PRIVATE-DRAFT" in body
    assert "ALICE-PRIVATE-DRAFT" not in body


def test_answers_show_once_everyone_has_answered(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    late = agreement.versions.get().needs.get(statement="Tell me when you will be late")
    answer(late, carol)
    data, body = export(client, alice, agreement)
    assert "BOB-HIDDEN-REASON" in body
    assert any(e["who"] == "Bob" and e["what"] == "declined" for e in data["history"])


def test_a_facilitator_may_export_too(client: Client, agreement: Agreement) -> None:
    counsellor = person("Dana")
    add_facilitator(agreement, counsellor)
    data, body = export(client, counsellor, agreement)
    assert data["facilitators"] == ["Dana"]
    assert "PRIVATE-DRAFT" not in body
    assert "BOB-HIDDEN-REASON" not in body


def test_a_sealed_version_carries_its_verification_code(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    answer(put_down(agreement, alice, "Tell me when you will be late"), bob)
    version = seal(agreement, alice, bob)
    data, _body = export(client, bob, agreement)
    assert data["versions"][0]["verification_code"] == version_code(version)
    assert data["versions"][0]["signed_by"] == ["Alice", "Bob"]
