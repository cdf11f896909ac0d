"""The dashboard (/): what waits on you, and your agreements."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements import services
from agreements.dashboard import waiting_count, waiting_for
from agreements.models import Agreement
from tests.agreements.helpers import (
    answer,
    assert_full_page,
    current,
    detail_url,
    draft,
    html,
    invite,
    many_needs,
    person,
    put_down,
    start,
    text,
)

pytestmark = pytest.mark.django_db

# Session, user, then: needs to answer, participations, versions, versions to sign,
# invitations, facilitators to agree to, and check-ins and rhythms (one query on `Wait`).
# Whatever the number of agreements and needs.
DASHBOARD_QUERIES = 9


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def dave(db: None) -> User:
    return person("Dave")


def home(client: Client) -> str:
    response = client.get(reverse("home"))
    assert_full_page(response)
    return text(response)


def test_a_visitor_sees_what_accord_is(client: Client) -> None:
    words = home(client)
    assert "Say what you need. See where you stand." in words
    assert "Waiting on you" not in words


def test_it_lists_your_agreements_and_nobody_elses(
    client: Client, agreement: Agreement, bob: User, carol: User
) -> None:
    start(carol, title="Carol's house")
    client.force_login(bob)
    response = client.get(reverse("home"))
    assert f'href="{detail_url(agreement)}"><bdi>Our home</bdi></a>' in html(response)
    assert "Carol's house" not in text(response)
    assert "Nothing waits on you right now." in text(response)


def test_someone_with_no_agreement_is_told_how_to_start(client: Client, carol: User) -> None:
    client.force_login(carol)
    assert "You are not part of any agreement yet." in home(client)


def test_a_need_put_down_for_you_waits_on_you_until_you_answer(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    client.force_login(bob)
    response = client.get(reverse("home"))
    assert f'href="{detail_url(agreement)}#need-{need.pk}"' in html(response)
    assert "To answer “Tell me when you will be late” from Alice, in Our home" in text(response)
    answer(need, bob, "decline")
    assert "Tell me when you will be late" not in home(client)


def test_your_own_need_does_not_wait_on_you(
    client: Client, agreement: Agreement, alice: User
) -> None:
    put_down(agreement, alice, "Tell me when you will be late")
    client.force_login(alice)
    assert "Tell me when you will be late" not in home(client)


def test_someone_elses_draft_is_not_shown(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    draft(agreement, alice, "My secret draft")
    client.force_login(bob)
    assert "My secret draft" not in home(client)


def test_a_version_ready_to_sign_waits_on_you_until_you_sign(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    answer(put_down(agreement, alice), bob)
    client.force_login(bob)
    assert "To sign Our home version 1 is ready to sign" in home(client)
    services.version_sign(version=current(agreement), party=bob)
    assert "ready to sign" not in home(client)


def test_a_pending_invitation_waits_on_you(
    client: Client, agreement: Agreement, carol: User
) -> None:
    invite(agreement, carol.email)
    client.force_login(carol)
    words = home(client)
    assert "Alice invited you to “Our home”." in words
    assert "Waiting on you 1" in words


def test_a_withdrawn_or_expired_invitation_does_not(
    client: Client, agreement: Agreement, alice: User, carol: User, dave: User
) -> None:
    withdrawn = invite(agreement, carol.email)
    services.invitation_revoke(invitation=withdrawn, actor=alice)
    services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email=dave.email,
        now=timezone.now() - datetime.timedelta(days=15),
    )
    for invitee in (carol, dave):
        client.force_login(invitee)
        assert "invited you" not in home(client)


def test_an_agreement_you_left_is_not_listed(
    client: Client, agreement: Agreement, bob: User
) -> None:
    services.agreement_leave(agreement=agreement, user=bob)
    client.force_login(bob)
    assert "Our home" not in home(client)


def test_statements_are_escaped(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    put_down(agreement, alice, "<script>alert(1)</script>")
    client.force_login(bob)
    page = html(client.get(reverse("home")))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Answering independently ------------------------------------------------------------------


@pytest.fixture
def independent(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol, answer_independently=True)


def test_a_hidden_counter_proposal_does_not_wait_on_you_yet(
    client: Client, independent: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "counter", counter_statement="Tell me if it is over an hour")
    client.force_login(alice)
    assert "Tell me if it is over an hour" not in home(client)
    answer(need, carol)
    assert "To answer “Tell me if it is over an hour” from Bob" in home(client)


def test_a_hidden_decline_does_not_make_the_version_ready_to_sign(
    client: Client, independent: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "decline")
    for viewer in (alice, carol):
        client.force_login(viewer)
        assert "ready to sign" not in home(client)
    answer(need, carol, "accept")
    client.force_login(alice)
    assert "ready to sign" in home(client)


# Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 200])
def test_the_dashboard_takes_the_same_queries_whatever_the_number_of_needs(
    client: Client,
    alice: User,
    bob: User,
    carol: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    for title in ("Our home", "Work", "Friends"):
        agreement = start(alice, bob, carol, title=title)
        many_needs(agreement, alice, [bob, carol], count)
        draft(agreement, bob, "My draft")
    invite(start(carol, title="Carol's house"), bob.email)
    client.force_login(bob)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        words = home(client)
    assert f"“Need number {count - 1}” from Alice, in Friends" in words
    assert "Carol invited you to “Carol's house”." in words


@pytest.mark.parametrize("agreements", [1, 6])
def test_the_dashboard_takes_the_same_queries_whatever_the_number_of_agreements(
    client: Client,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    agreements: int,
) -> None:
    for n in range(agreements):
        agreement = start(alice, bob, title=f"Agreement {n}")
        answer(put_down(agreement, alice), bob)  # ready to sign
        start(bob, title=f"Alone {n}")
        other = start(alice, bob, title=f"Unanswered {n}")
        put_down(other, bob)
    client.force_login(bob)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        words = home(client)
    assert words.count("is ready to sign") == agreements


# The navigation count (/waiting/) -----------------------------------------------------------

# Session, user, then the count: one query on what waits on whom (`models.Wait`).
WAITING_QUERIES = 3


def _navigation_count(client: Client) -> int:
    response = client.get(reverse("live:waiting"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    shown = re.search(r'class="nav-count"[^>]*>(\d+)</span>', html(response))
    return int(shown[1]) if shown else 0  # nothing is shown when nothing waits


def test_the_navigation_count_is_the_dashboards_in_every_state(
    client: Client, alice: User, bob: User, carol: User, dave: User
) -> None:
    """Counted in SQL for speed, it must say what the dashboard lists, whatever the state."""
    people = [alice, bob, carol, dave]

    def same_everywhere() -> None:
        for viewer in people:
            expected = waiting_for(viewer).count
            assert waiting_count(viewer) == expected, viewer.name
            client.force_login(viewer)
            assert _navigation_count(client) == expected, viewer.name

    home_ = start(alice, bob, carol)
    same_everywhere()
    late = put_down(home_, alice, "Tell me when you will be late", to=[bob, carol])
    put_down(home_, bob, "A quiet hour", to=[alice])
    draft(home_, carol, "Carol's draft")
    same_everywhere()
    answer(late, bob, "counter", counter_statement="Tell me if it is over an hour")
    answer(late, carol, "decline")
    same_everywhere()
    work = start(alice, bob, answer_independently=True, title="Work")
    hidden = put_down(work, bob, "Answer my emails", to=[alice])
    same_everywhere()
    answer(hidden, alice, "accept")  # everyone answered: ready to sign
    same_everywhere()
    services.version_sign(version=current(work), party=bob)
    same_everywhere()
    services.version_sign(version=current(work), party=alice)  # sealed
    services.version_renegotiate(agreement=work, party=bob, reason="A new year")
    same_everywhere()
    invite(work, dave.email)
    withdrawn = invite(home_, dave.email)
    services.invitation_revoke(invitation=withdrawn, actor=alice)
    services.invitation_create(
        agreement=start(carol, title="Old"),
        inviter=carol,
        email=dave.email,
        now=timezone.now() - datetime.timedelta(days=15),
    )
    same_everywhere()
    services.agreement_leave(agreement=home_, user=carol)
    same_everywhere()
    assert waiting_count(dave) == 1 and waiting_count(alice) > 0


@pytest.mark.parametrize("agreements", [1, 6])
def test_the_navigation_count_takes_the_same_queries_whatever_the_size(
    client: Client,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    agreements: int,
) -> None:
    for n in range(agreements):
        answer(put_down(start(alice, bob, title=f"Agreement {n}"), alice), bob)  # to sign
        many_needs(start(alice, bob, title=f"Many {n}"), alice, [bob], 20)
    client.force_login(bob)
    with django_assert_num_queries(WAITING_QUERIES):
        count = _navigation_count(client)
    assert count == agreements + agreements * 13  # 20 needs, every third answered
