"""Answering one need at a time (`agreements:answer`): the first need waiting on you, its
choices, then the next, with how far along you are, until nothing waits on you."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, NeedState, Response
from agreements.views import answer as answer_views
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    detail_url,
    html,
    messages_of,
    need_url,
    person,
    put_down,
    reload,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db

FIRST, SECOND, THIRD = "Call when you are late", "Wash up on Sundays", "A quiet hour at night"


def flow_url(agreement: Agreement) -> str:
    return reverse("agreements:answer", args=[agreement.public_id])


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def needs(agreement: Agreement, alice: User, bob: User) -> list[Need]:
    return [put_down(agreement, alice, words, to=[bob]) for words in (FIRST, SECOND, THIRD)]


@pytest.fixture
def bobs(client: Client, bob: User) -> Client:
    client.force_login(bob)
    return client


def shown(client: Client, agreement: Agreement) -> str:
    return text(client.get(flow_url(agreement)))


def test_the_flow_shows_the_first_waiting_need_with_its_choices(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    page = bobs.get(flow_url(agreement))
    assert page.status_code == 200
    words = text(page)
    assert FIRST in words and SECOND not in words and THIRD not in words
    assert "1 of 3" in words
    assert "Put down by Alice" in words
    body = html(page)
    assert 'name="answer" value="accept"' in body and 'name="answer" value="decline"' in body
    assert f'href="{need_url("respond", needs[0])}?then=answer"' in body  # Counter-propose
    assert 'for="answer-reason"' in body  # the reason, labelled


def test_answering_moves_to_the_next_and_counts_along(
    bobs: Client, agreement: Agreement, needs: list[Need], bob: User
) -> None:
    response = bobs.post(
        flow_url(agreement), {"need": needs[0].pk, "answer": "accept", "reason": "Gladly"}
    )
    assert response.status_code == 302 and response["Location"] == flow_url(agreement)
    assert reload(needs[0]).state == NeedState.AGREED
    assert Response.objects.get(need=needs[0], party=bob).reason == "Gladly"
    words = shown(bobs, agreement)
    assert SECOND in words and FIRST not in words and "2 of 3" in words
    bobs.post(flow_url(agreement), {"need": needs[1].pk, "answer": "decline"})
    assert reload(needs[1]).state == NeedState.DECLINED
    assert "3 of 3" in shown(bobs, agreement)


def test_when_everything_is_answered_it_says_so_calmly(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    for need in needs:
        bobs.post(flow_url(agreement), {"need": need.pk, "answer": "accept"})
    page = bobs.get(flow_url(agreement))
    words = text(page)
    assert "You have answered everything waiting on you" in words
    assert "You answered 3 needs just now." in words
    assert f'href="{detail_url(agreement)}"' in html(page)
    # The round is over: the next one counts from nothing.
    assert "You answered" not in shown(bobs, agreement)


def test_progress_counts_what_waits_when_you_come_back(
    bobs: Client, agreement: Agreement, needs: list[Need], bob: User
) -> None:
    answer(needs[0], bob)  # answered on the page, not here
    assert "1 of 2" in shown(bobs, agreement)


def test_a_new_need_put_down_meanwhile_joins_the_round(
    bobs: Client, agreement: Agreement, needs: list[Need], alice: User, bob: User
) -> None:
    bobs.post(flow_url(agreement), {"need": needs[0].pk, "answer": "accept"})
    put_down(agreement, alice, "One more thing", to=[bob])
    assert "2 of 4" in shown(bobs, agreement)


def test_nothing_waiting_at_all(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    assert "You have answered everything waiting on you" in shown(client, agreement)


def test_htmx_answers_with_the_region_and_the_next_need(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    response = bobs.post(flow_url(agreement), {"need": needs[0].pk, "answer": "accept"}, headers=HX)
    assert response.status_code == 200
    body = html(response)
    assert "<html" not in body and 'id="answer-flow"' in body
    assert SECOND in body and "2 of 3" in body
    assert 'id="answer-need"' in body and "autofocus" in body  # focus goes to the next need
    assert 'hx-swap-oob="innerHTML:#nav-waiting"' in body  # the navigation count, fresh


def test_the_reason_given_is_not_carried_to_the_next_need(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    sent = {"need": needs[0].pk, "answer": "accept", "reason": "Gladly-4411"}
    assert "Gladly-4411" not in html(bobs.post(flow_url(agreement), sent, headers=HX))
    assert "Gladly-4411" not in html(bobs.get(flow_url(agreement)))


def test_htmx_get_is_the_region(bobs: Client, agreement: Agreement, needs: list[Need]) -> None:
    body = html(bobs.get(flow_url(agreement), headers=HX))
    assert "<html" not in body and FIRST in body


def test_a_double_submit_has_one_effect(
    bobs: Client, agreement: Agreement, needs: list[Need], bob: User
) -> None:
    sent = {"need": needs[0].pk, "answer": "decline", "reason": "Not on Sundays"}
    bobs.post(flow_url(agreement), sent)
    second = bobs.post(flow_url(agreement), sent, follow=True)
    assert Response.objects.filter(need=needs[0], party=bob).count() == 1
    assert "2 of 3" in text(second)  # counted once
    assert not [m for m in messages_of(second) if "error" in m.lower()]


@pytest.mark.parametrize(
    "sent",
    [
        {"answer": "maybe"},
        {"answer": ""},
        {"answer": "counter"},  # written on the need's own page
        {"answer": "accept", "reason": "x" * 501},
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(
    bobs: Client, agreement: Agreement, needs: list[Need], sent: dict[str, str]
) -> None:
    before = snapshot()
    response = bobs.post(flow_url(agreement), {"need": needs[0].pk, **sent}, follow=True)
    assert snapshot() == before
    assert messages_of(response)
    assert "1 of 3" in text(response)
    hx = bobs.post(flow_url(agreement), {"need": needs[0].pk, **sent}, headers=HX)
    assert 'role="alert"' in html(hx) and snapshot() == before


def test_a_need_that_does_not_exist_is_not_found(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    for need_id in ("", "abc", "0", str(needs[-1].pk + 100)):
        assert (
            bobs.post(flow_url(agreement), {"need": need_id, "answer": "accept"}).status_code == 404
        )


def test_a_need_not_addressed_to_you_is_refused_with_a_message(
    client: Client, agreement: Agreement, needs: list[Need], alice: User
) -> None:
    client.force_login(alice)  # she wrote it: not hers to answer
    before = snapshot()
    response = client.post(flow_url(agreement), {"need": needs[0].pk, "answer": "accept"})
    assert response.status_code == 302
    assert snapshot() == before
    assert messages_of(response)


def test_outsiders_are_not_found(client: Client, agreement: Agreement, needs: list[Need]) -> None:
    client.force_login(person("Erin"))
    assert client.get(flow_url(agreement)).status_code == 404
    sent = {"need": needs[0].pk, "answer": "accept"}
    assert client.post(flow_url(agreement), sent).status_code == 404


def test_a_facilitator_has_nothing_to_answer(
    client: Client, agreement: Agreement, needs: list[Need]
) -> None:
    gina = person("Gina")
    add_facilitator(agreement, gina)
    client.force_login(gina)
    words = shown(client, agreement)
    assert "Nothing here waits on you" in words and FIRST not in words
    assert (
        client.post(flow_url(agreement), {"need": needs[0].pk, "answer": "accept"}).status_code
        == 404
    )


def test_a_counter_proposal_comes_back_to_the_flow(
    bobs: Client, agreement: Agreement, needs: list[Need], bob: User
) -> None:
    page = bobs.get(need_url("respond", needs[0]) + "?then=answer")
    assert "Counter-propose" in text(page) and 'name="then" value="answer"' in html(page)
    response = bobs.post(
        need_url("respond", needs[0]),
        {"answer": "counter", "statement": "Text me instead", "then": "answer"},
    )
    assert response["Location"] == flow_url(agreement)
    assert reload(needs[0]).state == NeedState.COUNTERED
    words = shown(bobs, agreement)
    assert SECOND in words and "2 of 3" in words


def test_hidden_answers_show_as_yours_to_answer_and_are_never_counted(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    """Carol's needs, answered independently: Bob answered both (hidden). Alice still sees
    each as hers to answer, and her progress counts only her own."""
    agreement = start(carol, alice, bob, answer_independently=True)
    first = put_down(agreement, carol, FIRST, to=[alice, bob])
    second = put_down(agreement, carol, SECOND, to=[alice, bob])
    answer(first, bob, "decline", reason="Zebrawood-7731")
    answer(second, bob, "counter", counter_statement="Quokka-5512")
    client.force_login(alice)
    words = shown(client, agreement)
    assert FIRST in words and "1 of 2" in words
    for secret in ("Zebrawood-7731", "Quokka-5512", "Declined", "Counter-proposed"):
        assert secret not in words
    client.post(flow_url(agreement), {"need": first.pk, "answer": "accept"})
    words = shown(client, agreement)
    assert SECOND in words and "2 of 2" in words
    assert "Quokka-5512" not in words


def test_the_agreement_page_puts_what_waits_on_you_first(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    body = html(bobs.get(detail_url(agreement)))
    waiting = body.index('id="group-waiting"')
    assert waiting < body.index('id="sign-heading"')
    assert waiting < body.index('id="standing-heading"')
    assert waiting < body.index('id="people"')
    assert f'href="{flow_url(agreement)}"' in body
    assert "Answer one at a time" in body


def test_the_dashboard_offers_to_start_answering(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    page = bobs.get(reverse("home"))
    assert f'href="{flow_url(agreement)}"' in html(page)
    assert "Answer one at a time (3)" in text(page)


def test_a_round_that_went_quiet_is_over(
    bobs: Client, agreement: Agreement, needs: list[Need]
) -> None:
    bobs.post(flow_url(agreement), {"need": needs[0].pk, "answer": "accept"})
    assert "2 of 3" in shown(bobs, agreement)
    session = bobs.session
    key = f"answered-in-turn:{agreement.public_id}"
    session[key] = {**session[key], "at": session[key]["at"] - answer_views.ROUND - 1}
    session.save()
    assert "1 of 2" in shown(bobs, agreement)


def test_a_reason_typed_for_a_need_taken_off_the_table_is_not_carried_to_the_next(
    bobs: Client, agreement: Agreement, needs: list[Need], alice: User
) -> None:
    services.need_withdraw(need=needs[0], actor=alice)
    sent = {"need": needs[0].pk, "answer": "accept", "reason": "Gladly-5522"}
    body = html(bobs.post(flow_url(agreement), sent, headers=HX))
    assert 'role="alert"' in body and SECOND in body
    assert "Gladly-5522" not in body


def test_an_answer_to_words_that_changed_since_is_not_recorded(
    bobs: Client, agreement: Agreement, needs: list[Need], alice: User, bob: User
) -> None:
    opened = re.search(r'name="revision" value="(\d+)"', html(bobs.get(flow_url(agreement))))
    assert opened
    services.need_edit(need=needs[0], actor=alice, statement="Call when you will be late, please")
    before = snapshot()
    sent = {"need": needs[0].pk, "revision": opened.group(1), "answer": "accept", "reason": "Yes"}
    response = bobs.post(flow_url(agreement), sent, headers=HX)
    assert snapshot() == before
    body = html(response)
    assert "reworded since you opened it" in body
    assert "Call when you will be late, please" in body and "Yes</textarea>" in body
    assert not Response.objects.filter(need=needs[0], party=bob).exists()
