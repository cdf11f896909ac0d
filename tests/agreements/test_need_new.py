"""Adding a need (/a/<id>/needs/new/): write it, then keep it as a draft or put it down."""

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement, Need
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    html,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol)


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("need-new", agreement)


def test_it_requires_login(client: Client, path: str) -> None:
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path, {"statement": "x", "put_down": "1"}), path)


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_only_parties_may_add_a_need(
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
    assert client.post(path, {"statement": "Hello", "put_down": "1"}).status_code == 404
    assert snapshot() == before


def test_the_form_offers_the_others_and_suggestions(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    response = client.get(path)
    assert_full_page(response)
    words = text(response)
    assert "Add a need" in words
    assert "Bob" in words and "Carol" in words
    assert 'name="put_down"' in html(response)
    assert "Save as draft" in words
    assert "Start from a suggestion" in words


def test_a_suggestion_fills_the_form(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    page = html(client.get(path + "?suggestion=tell-me-the-truth"))
    assert "Tell me the truth, even when it is hard to hear.</textarea>" in page


def test_putting_it_down_addresses_everyone_else(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User, carol: User
) -> None:
    client.force_login(alice)
    response = client.post(
        path,
        {"statement": "Tell me when you will be late", "looks_like": "A text", "put_down": "1"},
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    assert need.status == Need.Status.PUT_DOWN
    assert (need.statement, need.looks_like, need.author) == (
        "Tell me when you will be late",
        "A text",
        alice,
    )
    assert set(need.addressees.all()) == {bob, carol}


def test_putting_it_down_for_some_of_the_others(
    client: Client, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    client.post(path, {"statement": "Walk the dog", "addressees": [bob.pk], "put_down": "1"})
    assert list(Need.objects.get().addressees.all()) == [bob]


def test_saving_a_draft_puts_nothing_down(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    response = client.post(path, {"statement": "A quiet hour", "draft": "1"})
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.status == Need.Status.DRAFT
    assert not need.addressees.exists()
    client.force_login(bob)
    assert "A quiet hour" not in html(client.get(detail_url(agreement)))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_a_bad_statement_is_refused_with_a_message(
    client: Client, path: str, alice: User, statement: str, message: str
) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"statement": statement, "put_down": "1"})
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_statement_of_500_characters_is_fine(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    assert client.post(path, {"statement": "x" * 500, "put_down": "1"}).status_code == 302
    assert len(Need.objects.get().statement) == 500


def test_someone_outside_the_agreement_cannot_be_addressed(
    client: Client, path: str, alice: User
) -> None:
    dave = person("Dave")
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"statement": "Hello", "addressees": [dave.pk], "put_down": "1"})
    assert response.status_code == 200
    assert f"Select a valid choice. {dave.pk} is not one of the available choices." in text(
        response
    )
    assert snapshot() == before


def test_what_you_typed_is_escaped_when_the_form_comes_back(
    client: Client, path: str, alice: User
) -> None:
    client.force_login(alice)
    response = client.post(path, {"statement": "<script>alert(1)</script>" + "x" * 480})
    assert "<script>alert(1)</script>" not in html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(response)


def test_alone_you_can_only_keep_a_draft(client: Client, alice: User) -> None:
    agreement = start(alice)
    client.force_login(alice)
    path = url("need-new", agreement)
    page = client.get(path)
    assert 'name="put_down"' not in html(page)
    assert "Nobody else has joined yet, so this is kept as a draft" in text(page)
    # A hand-made "put it down" keeps the draft, says why it was not put down, and leaves
    # the form (so submitting again cannot make a second draft).
    response = client.post(path, {"statement": "A quiet hour", "put_down": "1"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(url("detail", agreement))
    assert "Nobody else has joined yet. Invite someone; your draft waits until then." in text(
        response
    )
    assert Need.objects.get().status == Need.Status.DRAFT


def test_a_sealed_version_takes_no_new_need(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User, carol: User
) -> None:
    need = put_down(agreement, alice)
    answer(need, bob)
    answer(need, carol)
    seal(agreement, alice, bob, carol)
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"statement": "One more thing", "put_down": "1"})
    assert response.status_code == 200
    assert "Version 1 is closed; it can no longer change." in text(response)
    assert snapshot() == before


def test_htmx_gets_the_same_redirect(
    client: Client, agreement: Agreement, path: str, alice: User
) -> None:
    """The form is an ordinary page (no region is swapped), so htmx just follows along."""
    client.force_login(alice)
    response = client.post(path, {"statement": "A quiet hour", "put_down": "1"}, headers=HX)
    assert response.status_code == 302
    assert response["Location"].startswith(detail_url(agreement))
