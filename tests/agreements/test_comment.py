"""Commenting on a need (/a/<id>/needs/<pk>/comment/): any party, or a facilitator every party
agreed to, on a need on the table."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Comment, Need
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_redirects_to_login,
    detail_url,
    draft,
    html,
    messages_of,
    need_url,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db

BODY = {"body": "Even ten minutes?"}


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol)


@pytest.fixture
def need(agreement: Agreement, alice: User, bob: User) -> Need:
    """Alice's need, put down for bob only."""
    return put_down(agreement, alice, "Tell me when you will be late", to=[bob])


def test_it_requires_login(client: Client, need: Need) -> None:
    path = need_url("comment", need)
    assert_redirects_to_login(client.post(path, BODY), path)
    assert not Comment.objects.exists()


def test_a_get_changes_nothing(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    assert client.get(need_url("comment", need)).status_code == 405


@pytest.mark.parametrize("who", ["stranger", "other agreement", "waiting facilitator"])
def test_outsiders_and_waiting_facilitators_get_404(
    client: Client, agreement: Agreement, need: Need, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "waiting facilitator":
        add_facilitator(agreement, dave, consented=False)
    client.force_login(dave)
    before = snapshot()
    assert client.post(need_url("comment", need), BODY).status_code == 404
    assert client.post(need_url("comment", need), BODY, headers=HX).status_code == 404
    assert snapshot() == before


def test_a_facilitator_every_party_agreed_to_may_comment(
    client: Client, agreement: Agreement, need: Need
) -> None:
    dana = person("Dana")
    add_facilitator(agreement, dana)
    client.force_login(dana)
    assert_fragment(client.post(need_url("comment", need), BODY, headers=HX))
    stored = Comment.objects.get()
    assert (stored.need, stored.author) == (need, dana)
    assert "Even ten minutes?" in text(client.get(detail_url(agreement)))


def test_a_plain_post_stores_the_comment(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    response = client.post(need_url("comment", need), BODY)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    stored = Comment.objects.get()
    assert (stored.need, stored.author, stored.body) == (need, bob, "Even ten minutes?")
    assert "Even ten minutes?" in text(client.get(response["Location"]))


def test_htmx_gets_the_region_with_the_comment(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(need_url("comment", need), BODY, headers=HX)
    assert_fragment(response)
    assert "Bob" in text(response)
    assert "Even ten minutes?" in text(response)
    assert "Bob commented" in text(response)


def test_a_party_the_need_is_not_addressed_to_may_still_comment(
    client: Client, need: Need, carol: User
) -> None:
    client.force_login(carol)
    client.post(need_url("comment", need), BODY)
    assert Comment.objects.get().author == carol


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)
def test_a_bad_comment_is_refused(
    client: Client, need: Need, bob: User, body: str, message: str
) -> None:
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("comment", need), {"body": body})
    assert response.status_code == 302
    assert messages_of(response) == [message]
    fragment = client.post(need_url("comment", need), {"body": body}, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before


def test_your_own_draft_takes_no_comment(client: Client, agreement: Agreement, alice: User) -> None:
    mine = draft(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("comment", mine), BODY)
    assert messages_of(response) == ["Comments are for needs that are on the table."]
    assert snapshot() == before


def test_someone_elses_draft_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    theirs = draft(agreement, alice)
    client.force_login(bob)
    before = snapshot()
    assert client.post(need_url("comment", theirs), BODY).status_code == 404
    assert snapshot() == before


def test_a_withdrawn_need_takes_no_comment(
    client: Client, need: Need, alice: User, bob: User
) -> None:
    services.need_withdraw(need=need, actor=alice)
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("comment", need), BODY, headers=HX)
    assert "Comments are for needs that are on the table." in text(response)
    assert snapshot() == before


def test_a_sealed_version_takes_no_comment(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User, carol: User
) -> None:
    answer(need, bob)
    seal(agreement, alice, bob, carol)
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("comment", need), BODY)
    assert messages_of(response) == ["Version 1 is closed; it can no longer change."]
    assert snapshot() == before


def test_an_unknown_need_is_404(client: Client, agreement: Agreement, bob: User) -> None:
    client.force_login(bob)
    for pk in (987654, 99999999999999999999):
        path = reverse("agreements:need-comment", args=[agreement.public_id, pk])
        assert client.post(path, BODY).status_code == 404


def test_a_need_of_another_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    theirs = put_down(start(alice, bob, title="Work"), alice)
    client.force_login(bob)
    before = snapshot()
    path = reverse("agreements:need-comment", args=[agreement.public_id, theirs.pk])
    assert client.post(path, BODY).status_code == 404
    assert snapshot() == before


def test_a_comment_is_escaped_and_keeps_its_lines(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        need_url("comment", need), {"body": "<script>x()</script>\nsecond line"}, headers=HX
    )
    assert "<script>x()</script>" not in html(response)
    assert "&lt;script&gt;x()&lt;/script&gt;<br>second line" in html(response)
