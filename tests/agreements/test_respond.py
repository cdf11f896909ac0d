"""Answering a need (/a/<id>/needs/<pk>/respond/): pick it up, decline it, or counter-propose.
GET is the page to change an answer already given."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, NeedState, Response
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    draft,
    html,
    messages_of,
    need_url,
    person,
    put_down,
    reload,
    renegotiate,
    seal,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db

ACCEPT = {"answer": "accept", "reason": "Happy to"}


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol)


@pytest.fixture
def need(agreement: Agreement, alice: User, bob: User) -> Need:
    """Alice's need, put down for bob only."""
    return put_down(agreement, alice, "Tell me when you will be late", to=[bob])


def test_it_requires_login(client: Client, need: Need) -> None:
    path = need_url("respond", need)
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path, ACCEPT), path)
    assert not Response.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, need: Need, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.get(need_url("respond", need)).status_code == 404
    assert client.post(need_url("respond", need), ACCEPT).status_code == 404
    assert client.post(need_url("respond", need), ACCEPT, headers=HX).status_code == 404
    assert snapshot() == before


def test_picking_it_up(client: Client, agreement: Agreement, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(need_url("respond", need), ACCEPT)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    stored = Response.objects.get()
    assert (stored.party, stored.answer, stored.reason) == (bob, "accept", "Happy to")
    assert reload(need).state == NeedState.AGREED


def test_declining_with_htmx_gets_the_region(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        need_url("respond", need), {"answer": "decline", "reason": "Not always"}, headers=HX
    )
    assert_fragment(response)
    words = text(response)
    assert "Bob : Declined — Not always" in words
    assert "Declined" in words
    assert reload(need).state == NeedState.DECLINED


def test_a_counter_proposal_is_put_down_for_the_author(
    client: Client, need: Need, alice: User, bob: User
) -> None:
    client.force_login(bob)
    response = client.post(
        need_url("respond", need),
        {"answer": "counter", "statement": "Tell me if it is over an hour", "reason": "Traffic"},
    )
    assert response.status_code == 302
    counter = Need.objects.get(answers=need)
    assert (counter.author, counter.status) == (bob, Need.Status.PUT_DOWN)
    assert list(counter.addressees.all()) == [alice]
    assert Response.objects.get().counter == counter
    assert reload(need).state == NeedState.COUNTERED


def test_changing_an_answer(client: Client, agreement: Agreement, need: Need, bob: User) -> None:
    answer(need, bob, "accept", reason="Happy to")
    client.force_login(bob)
    page = client.get(need_url("respond", need))
    assert_full_page(page)
    assert "Your answer now: Picked up — Happy to" in text(page)
    client.post(need_url("respond", need), {"answer": "decline"})
    assert reload(need).state == NeedState.DECLINED
    assert Response.objects.count() == 2
    assert "1 earlier answer" in text(client.get(detail_url(agreement)))


def test_the_page_offers_the_change_once_you_answered(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    assert f'action="{need_url("respond", need)}"' in html(client.get(detail_url(agreement)))
    answer(need, bob)
    page = html(client.get(detail_url(agreement)))
    assert f'href="{need_url("respond", need)}"' in page
    assert "Change your answer" in page


# Who may answer ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_a_party_the_need_is_not_addressed_to_cannot_answer(
    client: Client, need: Need, who: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    assert client.get(need_url("respond", need)).status_code == 404
    message = "This need is not addressed to you, so you cannot answer it."
    response = client.post(need_url("respond", need), ACCEPT)
    assert response.status_code == 302
    assert messages_of(response) == [message]
    fragment = client.post(need_url("respond", need), ACCEPT, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before


def test_someone_elses_draft_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    theirs = draft(agreement, alice, "A quiet hour")
    client.force_login(bob)
    before = snapshot()
    assert client.get(need_url("respond", theirs)).status_code == 404
    assert client.post(need_url("respond", theirs), ACCEPT).status_code == 404
    assert snapshot() == before


def test_an_unknown_need_is_404(client: Client, agreement: Agreement, bob: User) -> None:
    client.force_login(bob)
    for pk in (987654, 99999999999999999999):
        path = reverse("agreements:need-respond", args=[agreement.public_id, pk])
        assert client.get(path).status_code == 404
        assert client.post(path, ACCEPT).status_code == 404


def test_a_need_of_another_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    other = start(alice, bob, title="Work")
    theirs = put_down(other, alice, "Answer my emails")
    client.force_login(bob)
    path = reverse("agreements:need-respond", args=[agreement.public_id, theirs.pk])
    before = snapshot()
    assert client.get(path).status_code == 404
    assert client.post(path, ACCEPT).status_code == 404
    assert snapshot() == before


# Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "no answer"}, "This field is required."),
        ({"answer": "maybe"}, "Select a valid choice. maybe is not one of the available choices."),
        (
            {"answer": "decline", "reason": "x" * 501},
            "Ensure this value has at most 500 characters (it has 501).",
        ),
        ({"answer": "counter", "statement": "  "}, "Say what you propose instead."),
        (
            {"answer": "counter", "statement": "x" * 501},
            "Ensure this value has at most 500 characters (it has 501).",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(
    client: Client, need: Need, bob: User, data: dict[str, str], message: str
) -> None:
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("respond", need), data)
    assert response.status_code == 302
    assert message in " ".join(messages_of(response))
    fragment = client.post(need_url("respond", need), data, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before


def test_a_reason_of_500_characters_is_fine(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    client.post(need_url("respond", need), {"answer": "decline", "reason": "x" * 500})
    assert len(Response.objects.get().reason) == 500


def test_a_sealed_version_takes_no_answer(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User, carol: User
) -> None:
    answer(need, bob, "accept")
    seal(agreement, alice, bob, carol)
    client.force_login(bob)
    before = snapshot()
    assert client.get(need_url("respond", need)).status_code == 404
    response = client.post(need_url("respond", need), {"answer": "decline"})
    assert response.status_code == 302
    assert messages_of(response) == ["Version 1 is closed; it can no longer change."]
    assert snapshot() == before


def test_an_earlier_version_takes_no_answer(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User, carol: User
) -> None:
    answer(need, bob, "accept")
    seal(agreement, alice, bob, carol)
    renegotiate(agreement, carol)
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("respond", need), {"answer": "decline"}, headers=HX)
    assert_fragment(response)
    assert "Version 1 is closed; it can no longer change." in text(response)
    assert snapshot() == before


def test_a_withdrawn_need_takes_no_answer(
    client: Client, need: Need, alice: User, bob: User
) -> None:
    services.need_withdraw(need=need, actor=alice)
    client.force_login(bob)
    before = snapshot()
    response = client.post(need_url("respond", need), ACCEPT)
    assert messages_of(response) == ["This need is no longer on the table."]
    assert snapshot() == before


def test_a_reason_is_escaped(client: Client, agreement: Agreement, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        need_url("respond", need),
        {"answer": "decline", "reason": "<script>x()</script>"},
        headers=HX,
    )
    assert "<script>x()</script>" not in html(response)
    assert "&lt;script&gt;x()&lt;/script&gt;" in html(response)


# Answering independently ------------------------------------------------------------------


def test_an_independent_answer_is_hidden_from_the_others_in_the_region(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(agreement, alice, "Tell me when you will be late")
    client.force_login(bob)
    mine = client.post(
        need_url("respond", need), {"answer": "decline", "reason": "Bob's reason"}, headers=HX
    )
    assert "Bob's reason" in text(mine)  # bob sees his own answer
    client.force_login(carol)
    theirs = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert "Bob's reason" not in text(theirs)
    client.post(need_url("respond", need), {"answer": "accept"}, headers=HX)
    assert "Bob's reason" in text(
        client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    )
