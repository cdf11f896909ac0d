"""The agreement page (/a/<id>/) and the page of one version (/a/<id>/v/<n>/)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements.dashboard import waiting_for
from agreements.models import Agreement, Participant
from agreements.negotiation import HISTORY_LENGTH
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_full_page,
    assert_redirects_to_login,
    comment,
    detail_url,
    draft,
    html,
    many_needs,
    need_url,
    person,
    put_down,
    renegotiate,
    same_page,
    seal,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db

# Session, user, participant, the agreement's revision (agreements/revisions.py), the version,
# then negotiation.build: participants, needs (+ addressees, responses,
# comments), events, signatures, versions, invitations, whether there are check-ins
# ("commitments kept"), and what else waits on the reader (`Wait`: a check-in, a rhythm, a
# facilitator). Whatever the number of needs.
RENDER_QUERIES = 16
# An htmx refresh of the negotiation region: the same, and the navigation count it brings.
REGION_QUERIES = RENDER_QUERIES + 1
# A visit to the whole page, written down (a need changed since the one before): the update,
# and the change it counts.
PAGE_QUERIES = RENDER_QUERIES + 2
# The same page again, nothing on it changed: up to the revision, then the cache (and for the
# region, the navigation count).
PAGE_CACHED_QUERIES = 4
REGION_CACHED_QUERIES = PAGE_CACHED_QUERIES + 1


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


def test_it_requires_login(client: Client, agreement: Agreement) -> None:
    assert_redirects_to_login(client.get(detail_url(agreement)), detail_url(agreement))


def test_a_stranger_gets_404(client: Client, agreement: Agreement, carol: User) -> None:
    client.force_login(carol)
    assert client.get(detail_url(agreement)).status_code == 404
    assert client.get(detail_url(agreement), headers=HX).status_code == 404


def test_a_participant_of_another_agreement_gets_404(
    client: Client, agreement: Agreement, carol: User
) -> None:
    start(carol, title="Carol's house")
    client.force_login(carol)
    assert client.get(detail_url(agreement)).status_code == 404


def test_someone_who_left_gets_404(client: Client, agreement: Agreement, bob: User) -> None:
    Participant.objects.filter(user=bob).update(left_at="2026-01-01T00:00Z")
    client.force_login(bob)
    assert client.get(detail_url(agreement)).status_code == 404


def test_an_unknown_agreement_is_404(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(reverse("agreements:detail", args=["no-such-id"])).status_code == 404


def test_a_party_sees_the_whole_page(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    comment(need, bob, "I will text you")
    client.force_login(bob)
    response = client.get(detail_url(agreement))
    assert_full_page(response)
    page = html(response)
    assert 'id="negotiation"' in page
    assert "Our home" in page
    assert "Tell me when you will be late" in page
    assert "I will text you" in page
    assert "Waiting on you" in page
    assert 'name="answer" value="accept"' in page  # bob can answer it right there


def test_htmx_gets_only_the_negotiation_region(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    put_down(agreement, alice, "Tell me when you will be late")
    client.force_login(bob)
    response = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert_fragment(response)
    assert "Tell me when you will be late" in html(response)


def test_htmx_gets_the_sign_button_when_nothing_is_open(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    answer(put_down(agreement, alice), bob)
    client.force_login(alice)
    response = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert_fragment(response)
    assert "Nothing is open." in text(response)
    assert f'href="{url("sign", agreement)}"' in html(response)
    assert "Signed by everyone" not in text(response)


def test_htmx_for_someone_still_alone_shows_how_to_invite(client: Client, alice: User) -> None:
    agreement = start(alice)
    client.force_login(alice)
    response = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert_fragment(response)
    assert "Nobody else has joined yet." in text(response)
    assert f'href="{url("invite", agreement)}"' in html(response)


def test_htmx_after_a_new_version_opened_asks_for_the_whole_page(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    answer(need, bob)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    client.force_login(alice)
    response = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_htmx_after_the_version_was_sealed_asks_for_the_whole_page(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    """The header says "Negotiating": once sealed, more than the region changed."""
    need = put_down(agreement, alice)
    answer(need, bob)
    seal(agreement, alice, bob)
    client.force_login(alice)
    response = client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX)
    assert response["HX-Refresh"] == "true"
    same = client.get(detail_url(agreement) + "?shown=1-sealed", headers=HX)
    assert "HX-Refresh" not in same


def test_a_facilitator_reads_the_page_and_may_only_comment(
    client: Client, agreement: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Not every time")
    add_facilitator(agreement, carol)
    client.force_login(carol)
    response = client.get(detail_url(agreement))
    assert_full_page(response)
    page = html(response)
    assert "Tell me when you will be late" in page
    assert "Not every time" in page
    assert "Add a need" not in page
    assert 'name="answer"' not in page
    assert page.count('name="body"') == 1  # the comment box, and no private note
    assert "My private note" not in page
    assert "Withdraw" not in page
    assert "Invite</a>" not in page
    assert "Sign</button>" not in page


def test_someone_elses_draft_is_not_on_the_page(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    draft(agreement, alice, "My secret draft")
    client.force_login(bob)
    assert "My secret draft" not in html(client.get(detail_url(agreement)))
    assert "My secret draft" not in html(client.get(detail_url(agreement), headers=HX))


def test_your_own_draft_is_on_the_page_marked_private(
    client: Client, agreement: Agreement, alice: User
) -> None:
    draft(agreement, alice, "My secret draft")
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    assert "My secret draft" in page
    assert "Only you can see this draft." in page


def test_text_is_escaped(client: Client, agreement: Agreement, alice: User, bob: User) -> None:
    need = put_down(agreement, alice, "<script>alert(1)</script>")
    comment(need, bob, "<b>bold</b>")
    client.force_login(bob)
    page = html(client.get(detail_url(agreement)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_what_is_new_since_the_last_visit_is_marked(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    client.force_login(bob)
    client.get(detail_url(agreement))
    put_down(agreement, alice, "Tell me when you will be late")
    assert "New since your last visit" in html(client.get(detail_url(agreement)))
    assert "New since your last visit" not in html(client.get(detail_url(agreement)))


# Answering independently ------------------------------------------------------------------


@pytest.fixture
def independent(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol, answer_independently=True)


def test_answers_are_shown_at_once_when_not_answering_independently(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol)
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Bob's private reason")
    client.force_login(carol)
    page = text(client.get(detail_url(agreement)))
    assert "Bob's private reason" in page
    assert "Bob declined a need" in page


@pytest.mark.parametrize("viewer", ["alice", "carol"])
def test_an_independent_answer_stays_hidden_until_everyone_answered(
    client: Client,
    independent: Agreement,
    alice: User,
    bob: User,
    carol: User,
    viewer: str,
    request: pytest.FixtureRequest,
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Bob's private reason")
    client.force_login(request.getfixturevalue(viewer))
    for response in (
        client.get(detail_url(independent)),
        client.get(detail_url(independent), headers=HX),
    ):
        page = html(response)
        words = text(response)
        assert "Bob&#x27;s private reason" not in page
        assert "Bob's private reason" not in words
        assert "Declined" not in words
        assert "declined a need" not in words
        assert "Bob answered a need" in words  # the history says that, not what
        assert "Answers hidden until everyone has answered" in words
        assert "1 need is still open" in words  # nor that it is decided
        assert "Sign</button>" not in page


def test_you_see_your_own_hidden_answer(
    client: Client, independent: Agreement, alice: User, bob: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Bob's private reason")
    client.force_login(bob)
    assert "Bob's private reason" in text(client.get(detail_url(independent)))


def test_a_counter_proposal_stays_hidden_until_everyone_answered(
    client: Client, independent: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "counter", counter_statement="Tell me if it is over an hour")
    client.force_login(carol)
    assert "Tell me if it is over an hour" not in text(client.get(detail_url(independent)))
    client.force_login(alice)
    assert "Tell me if it is over an hour" not in text(client.get(detail_url(independent)))
    answer(need, carol)
    for viewer in (alice, carol):
        client.force_login(viewer)
        assert "Tell me if it is over an hour" in text(client.get(detail_url(independent)))


def test_a_changed_hidden_answer_does_not_show_that_someone_answered(
    client: Client, independent: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "accept")
    answer(need, bob, "decline")
    client.force_login(carol)
    assert "earlier answer" not in text(client.get(detail_url(independent)))


def test_hidden_answers_show_once_everyone_answered(
    client: Client, independent: Agreement, alice: User, bob: User, carol: User
) -> None:
    need = put_down(independent, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Bob's private reason")
    answer(need, carol, "accept", reason="Carol's reason")
    for viewer in (alice, bob, carol):
        client.force_login(viewer)
        words = text(client.get(detail_url(independent)))
        assert "Bob's private reason" in words
        assert "Carol's reason" in words
        assert "Bob declined a need" in words
        assert "Answers hidden" not in words


# Versions ---------------------------------------------------------------------------------


@pytest.fixture
def renegotiated(agreement: Agreement, alice: User, bob: User) -> Agreement:
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    declined = put_down(agreement, alice, "Cook on Sundays")
    answer(declined, bob, "decline", reason="I cannot cook")
    seal(agreement, alice, bob)
    renegotiate(agreement, bob, "We moved house")
    return agreement


def test_an_earlier_version_is_shown_as_it_was(
    client: Client, renegotiated: Agreement, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(url("version", renegotiated, 1))
    assert_full_page(response)
    words = text(response)
    assert "This is an earlier version, kept as it was." in words
    assert "Cook on Sundays" in words
    assert "I cannot cook" in words
    assert "Put it down again" in words  # her declined need may be offered again
    assert 'name="answer"' not in html(response)
    assert "Withdraw" not in words


def test_the_current_version_says_why_it_was_reopened(
    client: Client, renegotiated: Agreement, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(detail_url(renegotiated))
    words = text(response)
    assert "Version 2" in words
    assert "Bob started renegotiating: “We moved house”" in words
    assert 'need__statement" dir="auto">Tell me when you will be late<' in html(response)
    # Declined needs did not come along (the history still tells of them).
    assert 'need__statement">Cook on Sundays<' not in html(response)


def test_htmx_gets_the_region_of_a_version(
    client: Client, renegotiated: Agreement, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(url("version", renegotiated, 1), headers=HX)
    assert_fragment(response)
    assert "Cook on Sundays" in html(response)


@pytest.mark.parametrize("number", [3, 0, 99999999999999999999])
def test_an_unknown_version_is_404(
    client: Client, renegotiated: Agreement, alice: User, number: int
) -> None:
    client.force_login(alice)
    assert client.get(url("version", renegotiated, number)).status_code == 404


def test_a_version_requires_login(client: Client, renegotiated: Agreement) -> None:
    path = url("version", renegotiated, 1)
    assert_redirects_to_login(client.get(path), path)


def test_a_stranger_gets_404_for_a_version(
    client: Client, renegotiated: Agreement, carol: User
) -> None:
    start(carol, title="Carol's house")
    client.force_login(carol)
    assert client.get(url("version", renegotiated, 1)).status_code == 404


def test_a_version_hides_someone_elses_draft(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    draft(agreement, alice, "My secret draft")
    client.force_login(bob)
    assert "My secret draft" not in html(client.get(url("version", agreement, 1)))


# Query counts -----------------------------------------------------------------------------


@pytest.mark.usefixtures("postgresql")  # the counts pinned are PostgreSQL's
@pytest.mark.parametrize("count", [5, 200])
def test_the_page_takes_the_same_queries_whatever_its_size(
    client: Client,
    alice: User,
    bob: User,
    carol: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    agreement = start(alice, bob, carol)
    add_facilitator(agreement, person("Dave"))
    first = put_down(agreement, alice, "Tell me when you will be late")
    answer(first, bob, "counter", counter_statement="Tell me if it is over an hour")
    comment(first, carol)
    draft(agreement, alice, "My draft")
    many_needs(agreement, alice, [bob, carol], count)
    many_needs(agreement, bob, [alice], count)
    client.force_login(alice)
    client.get(detail_url(agreement))  # the session is warm, as on any later visit
    with django_assert_num_queries(PAGE_QUERIES):
        rendered = client.get(detail_url(agreement))
    assert f"Need number {count - 1}" in html(rendered)
    with django_assert_num_queries(PAGE_CACHED_QUERIES):  # nothing changed since
        cached = client.get(detail_url(agreement))
    assert same_page(html(cached)) == same_page(html(rendered))


@pytest.mark.usefixtures("postgresql")  # the counts pinned are PostgreSQL's
@pytest.mark.parametrize("count", [5, 200])
def test_the_htmx_region_takes_the_same_queries_whatever_its_size(
    client: Client,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    agreement = start(alice, bob)
    many_needs(agreement, alice, [bob], count)
    client.force_login(bob)
    region = detail_url(agreement) + "?shown=1-negotiating"
    with django_assert_num_queries(REGION_QUERIES):  # an htmx refresh is not a visit
        rendered = client.get(region, headers=HX)
    assert_fragment(rendered)
    with django_assert_num_queries(REGION_CACHED_QUERIES):
        cached = client.get(region, headers=HX)
    assert same_page(html(cached)) == same_page(html(rendered))
    # Both bring the navigation count along, fresh, for htmx to swap in out of band.
    for response in (rendered, cached):
        assert _navigation_count(html(response)) == waiting_for(bob).count


def _navigation_count(page: str) -> int | None:
    """The count a region brings along for the navigation (None: it brings none)."""
    found = re.search(r'<span hx-swap-oob="innerHTML:#nav-waiting">(.*?)</span>\s*$', page, re.S)
    if found is None:
        return None
    number = re.search(r'class="nav-count"[^>]*>(\d+)<', found[1])
    return int(number[1]) if number else 0


def test_the_region_brings_the_navigation_count_and_the_page_does_not(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    """The stream sends an agreement's page no `waiting` for that agreement's changes: the
    region its refresh brings, and the one an action sends back, carry the count instead."""
    agreement = start(alice, bob, carol)
    need = put_down(agreement, alice, "Call when you land")
    client.force_login(bob)
    assert _navigation_count(html(client.get(detail_url(agreement)))) is None  # it loads its own
    region = detail_url(agreement) + "?shown=1-negotiating"
    assert _navigation_count(html(client.get(region, headers=HX))) == 1
    answered = client.post(need_url("respond", need), {"answer": "accept"}, headers=HX)
    assert _navigation_count(html(answered)) == 0  # Carol is still to answer: nothing to sign
    # A later change in another of Bob's agreements shows in the next region of this one.
    other = start(alice, bob, title="Another")
    put_down(other, alice, "Water the plants")
    assert _navigation_count(html(client.get(region, headers=HX))) == 1


# The history alone (after a comment): session, user, participant, version, events, the current
# participants (to tell apart two who share a name), the revisions its lines are kept under; and
# where answers are kept hidden, which needs and counter-proposals are.
HISTORY_QUERIES = 7


@pytest.mark.parametrize("independently", [False, True], ids=["open answers", "hidden answers"])
@pytest.mark.parametrize("count", [5, 60])
def test_the_history_alone_takes_the_same_queries_whatever_the_size(
    client: Client,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
    independently: bool,
) -> None:
    agreement = start(alice, bob, answer_independently=independently)
    many_needs(agreement, alice, [bob], count)
    for need in agreement.versions.get().needs.all()[: count // 2]:
        comment(need, bob)
    client.force_login(bob)
    with django_assert_num_queries(HISTORY_QUERIES + 2 * independently):
        alone = client.get(url("history", agreement), headers=HX)
    assert alone.status_code == 200
    # The latest only, however long the history is.
    assert html(alone).count("<li>") == min(agreement.events.count(), HISTORY_LENGTH)


def test_an_earlier_version_shows_only_its_own_history(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob, reason="Things changed at work")
    put_down(agreement, bob, "Cook on Sundays")
    client.force_login(alice)
    old = text(client.get(reverse("agreements:version", args=[agreement.public_id, 1])))
    assert "put down a need: “Tell me when you will be late”" in old
    assert "Cook on Sundays" not in old
    assert "started renegotiating" not in old
    current = text(client.get(detail_url(agreement)))
    assert "Cook on Sundays" in current
