"""One need's card (/a/<id>/needs/<n>/card/), which an open page fetches when the live stream
says that need changed."""

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from tests.agreements.helpers import (
    HX,
    answer,
    assert_redirects_to_login,
    draft,
    html,
    many_needs,
    need_url,
    put_down,
    start,
    text,
)

pytestmark = pytest.mark.django_db

# Session, user, participant, the need, then negotiation.build for one card: participants,
# needs (+ addressees, responses, comments), and the revision it is kept under. Nothing of the
# page around the card.
CARD_QUERIES = 10


def test_it_requires_login(client: Client, alice: User, bob: User) -> None:
    need = put_down(start(alice, bob), alice)
    path = need_url("card", need)
    assert_redirects_to_login(client.get(path, headers=HX), path)


def test_it_shows_the_card_as_it_is_now(client: Client, alice: User, bob: User) -> None:
    need = put_down(start(alice, bob), alice, "Tell me when you will be late")
    answer(need, bob, "accept")
    client.force_login(alice)
    response = client.get(need_url("card", need), headers=HX)
    assert response.status_code == 200
    assert "<html" not in html(response)
    assert html(response).lstrip().startswith(f'<article id="need-{need.pk}"')
    assert "Tell me when you will be late" in text(response)
    assert "Agreed" in text(response)
    assert "Picked up" in text(response)


def test_a_stranger_gets_404(client: Client, alice: User, bob: User, carol: User) -> None:
    need = put_down(start(alice, bob), alice)
    client.force_login(carol)
    assert client.get(need_url("card", need), headers=HX).status_code == 404


def test_someone_elses_draft_is_404(client: Client, alice: User, bob: User) -> None:
    need = draft(start(alice, bob), alice, "My secret draft")
    client.force_login(bob)
    assert client.get(need_url("card", need), headers=HX).status_code == 404


def test_a_hidden_counter_proposal_shows_nothing(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(agreement, alice)
    answer(need, bob, "counter", counter_statement="Only if it is over an hour")
    counter = need.counter_proposals.get()
    client.force_login(carol)
    response = client.get(need_url("card", counter), headers=HX)
    assert response.status_code == 404  # as for a need that does not exist
    assert b"over an hour" not in response.content


@pytest.mark.parametrize("count", [5, 200])
def test_it_takes_the_same_few_queries_whatever_the_size(
    client: Client,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice)
    answer(need, bob, "counter", counter_statement="Only if it is over an hour")
    many_needs(agreement, alice, [bob], count)
    path = need_url("card", need)
    client.force_login(bob)
    with django_assert_num_queries(CARD_QUERIES):
        response = client.get(path, headers=HX)
    assert "Only if it is over an hour" in text(response)
