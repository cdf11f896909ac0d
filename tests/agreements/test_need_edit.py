"""Changing a need's words (/a/<id>/needs/<pk>/edit/): a draft freely, a need put down by
rewording it, which sets the answers given to the old words back to open."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, NeedState
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    draft,
    html,
    need_url,
    person,
    put_down,
    reload,
    seal,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db

NEW_WORDS = {"statement": "Tell me when you will be more than ten minutes late", "looks_like": ""}


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def need(agreement: Agreement, alice: User) -> Need:
    return put_down(agreement, alice, "Tell me when you will be late")


def test_it_requires_login(client: Client, need: Need) -> None:
    path = need_url("edit", need)
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path, NEW_WORDS), path)
    assert reload(need).statement == "Tell me when you will be late"


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_only_parties_may_reword(
    client: Client, agreement: Agreement, need: Need, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.get(need_url("edit", need)).status_code == 404
    assert client.post(need_url("edit", need), NEW_WORDS).status_code == 404
    assert snapshot() == before


def test_the_form_shows_the_words_now(client: Client, need: Need, alice: User) -> None:
    client.force_login(alice)
    response = client.get(need_url("edit", need))
    assert_full_page(response)
    assert "Reword a need" in text(response)
    assert "Changing the words sets the answers already given back to open" in text(response)
    assert ">\nTell me when you will be late</textarea>" in html(response)


def test_rewording_sets_the_answers_back_to_open(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User
) -> None:
    answer(need, bob, "accept")
    client.force_login(alice)
    response = client.post(need_url("edit", need), NEW_WORDS)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    need = reload(need)
    assert need.statement == NEW_WORDS["statement"]
    assert need.revision == 2
    assert need.state == NeedState.OPEN
    client.force_login(bob)
    words = text(client.get(detail_url(agreement)))
    assert "This need was reworded after you answered it." in words
    assert "Alice reworded a need" in words


def test_saving_the_same_words_changes_no_answer(
    client: Client, need: Need, alice: User, bob: User
) -> None:
    answer(need, bob, "accept")
    client.force_login(alice)
    client.post(need_url("edit", need), {"statement": need.statement, "category": "honesty"})
    need = reload(need)
    assert (need.revision, need.state, need.category) == (1, NeedState.AGREED, "honesty")


def test_editing_your_own_draft(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    mine = draft(agreement, alice, "A quiet hour")
    client.force_login(alice)
    assert "Edit your draft" in text(client.get(need_url("edit", mine)))
    response = client.post(need_url("edit", mine), {"statement": "A quiet hour each evening"})
    assert response.status_code == 302
    mine = reload(mine)
    assert (mine.statement, mine.status) == ("A quiet hour each evening", Need.Status.DRAFT)


def test_someone_elses_draft_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    theirs = draft(agreement, alice, "A quiet hour")
    client.force_login(bob)
    before = snapshot()
    assert client.get(need_url("edit", theirs)).status_code == 404
    assert client.post(need_url("edit", theirs), NEW_WORDS).status_code == 404
    assert snapshot() == before


def test_only_its_author_may_reword_a_need(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("edit", need), NEW_WORDS)
    assert response.status_code == 200
    assert "Only the person who put this need down can reword it." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("", "This field is required."),
        ("x" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_a_bad_statement_is_refused(
    client: Client, need: Need, alice: User, statement: str, message: str
) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("edit", need), {"statement": statement})
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_withdrawn_need_cannot_be_changed(client: Client, need: Need, alice: User) -> None:
    services.need_withdraw(need=need, actor=alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("edit", need), NEW_WORDS)
    assert "This need cannot be changed." in text(response)
    assert snapshot() == before


def test_a_sealed_version_cannot_be_changed(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User
) -> None:
    answer(need, bob)
    seal(agreement, alice, bob)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("edit", need), NEW_WORDS)
    assert "Version 1 is closed; it can no longer change." in text(response)
    assert snapshot() == before


def test_an_unknown_need_is_404(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    for pk in (987654, 99999999999999999999):
        path = reverse("agreements:need-edit", args=[agreement.public_id, pk])
        assert client.get(path).status_code == 404
        assert client.post(path, NEW_WORDS).status_code == 404


def test_a_need_of_another_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    other = start(alice, carol, title="Work")
    theirs = put_down(other, alice, "Answer my emails")
    client.force_login(alice)
    before = snapshot()
    path = reverse("agreements:need-edit", args=[agreement.public_id, theirs.pk])
    assert client.get(path).status_code == 404
    assert client.post(path, NEW_WORDS).status_code == 404
    assert snapshot() == before


def test_new_words_are_escaped_on_the_page(
    client: Client, agreement: Agreement, need: Need, alice: User
) -> None:
    client.force_login(alice)
    client.post(need_url("edit", need), {"statement": "<img src=x onerror=alert(1)>"})
    page = html(client.get(detail_url(agreement)))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
