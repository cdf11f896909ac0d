"""Where each party stands, and a version read as the agreement made: a counter-proposal is a
conversation, not a no; one agreed counts as agreed; a sealed version reads as a document; and
nothing of it gives a hidden answer away."""

import re

import pytest
from django.test import Client

from accounts.models import User
from agreements import negotiation, services
from agreements.models import Need, Wait
from tests.agreements.helpers import (
    answer,
    detail_url,
    html,
    person,
    put_down,
    reload,
    seal,
    start,
)

pytestmark = pytest.mark.django_db


def standing_of(page: str) -> str:
    """The "Where you stand" panel of a page, as words."""
    found = re.search(r'<section id="standing".*?</section>', page, re.S)
    assert found, "the page shows where everyone stands"
    words = re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi>", "", found.group(0)))
    return re.sub(r"\s+", " ", words)


def bar_of(page: str, name: str) -> dict[str, str]:
    """The widths of the parts of one person's bar."""
    row = re.search(
        rf'<span class="standing__name" dir="auto">{name}</span>\s*<svg.*?</svg>', page, re.S
    )
    assert row, f"{name} has a bar"
    return dict(re.findall(r'class="bar__(\w+)"[^>]*width="(\d+)"', row.group(0)))


def document_of(page: str) -> str:
    found = re.search(r'<section id="document".*?</section>', page, re.S)
    assert found, "the page reads as a document"
    words = re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi>", "", found.group(0)))
    return re.sub(r"\s+", " ", words)


@pytest.fixture
def three(alice: User, bob: User) -> tuple[Need, Need, Need]:
    """Alice puts three needs down for Bob: he picks one up and answers one with a
    counter-proposal; the third is still open."""
    agreement = start(alice, bob)
    picked = put_down(agreement, alice, "Tell me when you will be late")
    countered = put_down(agreement, alice, "Call my mother every week")
    still = put_down(agreement, alice, "A quiet hour on Sundays")
    answer(picked, bob)
    answer(countered, bob, "counter", counter_statement="Call your mother every other week")
    return picked, countered, still


def test_a_counter_proposal_is_in_conversation_not_red(
    client: Client, three: tuple[Need, Need, Need], alice: User, bob: User
) -> None:
    agreement = three[0].version.agreement
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    words = standing_of(page)
    assert (
        "Of the 3 needs put down for Bob: 1 picked up, 1 counter-proposed, 1 still open." in words
    )
    # Bob's counter-proposal is put down for Alice, and still open.
    assert "Of the 1 need put down for you: 1 still open." in words
    assert bar_of(page, "Bob") == {
        "agreed": "33",
        "conversation": "34",
        "declined": "0",
        "open": "33",
    }
    assert "declined" in words  # the one-line legend names every colour
    assert "answered with a counter-proposal" in words
    client.force_login(bob)
    words = standing_of(html(client.get(detail_url(agreement))))
    assert (
        "Of the 3 needs put down for you: 1 picked up, 1 counter-proposed, 1 still open." in words
    )


def test_a_need_answered_by_a_counter_proposal_then_agreed_counts_as_agreed(
    client: Client, three: tuple[Need, Need, Need], alice: User, bob: User
) -> None:
    picked, countered, still = three
    agreement = picked.version.agreement
    counter = Need.objects.get(answers=countered)
    answer(counter, alice)
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    assert "Of the 3 needs put down for Bob: 2 picked up, 1 still open." in standing_of(page)
    assert bar_of(page, "Bob")["conversation"] == "0"


def test_the_sealed_version_reads_as_the_agreement_made(
    client: Client, three: tuple[Need, Need, Need], alice: User, bob: User
) -> None:
    picked, countered, still = three
    agreement = picked.version.agreement
    answer(Need.objects.get(answers=countered), alice)
    answer(still, bob, "decline")
    seal(agreement, alice, bob)
    client.force_login(bob)
    page = html(client.get(detail_url(agreement)))
    words = standing_of(page)
    # For good, the counter-proposal agreed is agreed: nothing of it is "not".
    assert "Of the 3 needs put down for you: 2 picked up, 1 declined." in words
    assert "Of the 1 need put down for Alice: 1 picked up." in words
    assert bar_of(page, "Alice") == {
        "agreed": "100",
        "conversation": "0",
        "declined": "0",
        "open": "0",
    }
    document = document_of(page)
    agreed, _, offered = document.partition("Not agreed")
    assert "What we agreed" in agreed
    assert "Tell me when you will be late Bob promised this to Alice." in agreed
    assert (
        "Call your mother every other week Alice promised this to Bob. "
        "Agreed in place of: “Call my mother every week”"
    ) in agreed
    assert "A quiet hour on Sundays Put down by Alice." in offered
    assert "Call my mother every week" not in offered  # agreed in another form
    # The document first, then the signatures, then the record.
    order = [page.index(mark) for mark in ('id="document"', 'id="signatures"', "The record")]
    assert order == sorted(order)


def test_a_conversation_that_ended_without_agreement_was_not_picked_up(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call my mother every week")
    answer(need, bob, "counter", counter_statement="Call her once a month")
    answer(Need.objects.get(answers=need), alice, "decline")
    client.force_login(alice)
    words = standing_of(html(client.get(detail_url(agreement))))
    assert "Of the 1 need put down for Bob: 1 counter-proposed." in words
    seal(agreement, alice, bob)
    page = html(client.get(detail_url(agreement)))
    assert "Of the 1 need put down for Bob: 1 declined." in standing_of(page)
    assert "Nothing was agreed in this version." in document_of(page)
    offered = document_of(page).partition("Not agreed")[2]
    assert "Call my mother every week" in offered and "Call her once a month" in offered


def test_a_standing_bar_never_gives_a_hidden_answer_away(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    """Answered independently: Bob declines, Alice has not answered yet. Carol and Alice see
    Bob's need as still open; only Bob sees his own answer."""
    agreement = start(carol, alice, bob, answer_independently=True)
    need = put_down(agreement, carol, "Tell me when you will be late", to=[alice, bob])
    answer(need, bob, "decline")
    assert reload(need).state == "declined"
    for reader in (carol, alice):
        client.force_login(reader)
        page = html(client.get(detail_url(agreement)))
        words = standing_of(page)
        assert "Of the 1 need put down for Bob: 1 still open." in words, reader
        assert bar_of(page, "Bob") == {
            "agreed": "0",
            "conversation": "0",
            "declined": "0",
            "open": "100",
        }
    client.force_login(bob)
    words = standing_of(html(client.get(detail_url(agreement))))
    assert "Of the 1 need put down for you: 1 declined." in words


def test_a_hidden_counter_proposal_shows_as_open_in_the_standing(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(carol, alice, bob, answer_independently=True)
    need = put_down(agreement, carol, "Call my mother every week", to=[alice, bob])
    answer(need, bob, "counter", counter_statement="Call her once a month")
    for reader in (carol, alice):
        client.force_login(reader)
        page = html(client.get(detail_url(agreement)))
        assert "Of the 1 need put down for Bob: 1 still open." in standing_of(page)
        assert "Call her once a month" not in page
    client.force_login(bob)
    words = standing_of(html(client.get(detail_url(agreement))))
    assert "Of the 1 need put down for you: 1 counter-proposed." in words


def test_a_withdrawn_need_lists_nobody_as_not_answering(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol)
    need = put_down(agreement, alice, "Phones away at dinner", to=[bob, carol])
    answer(need, bob)
    services.need_withdraw(need=need, actor=alice)
    client.force_login(carol)
    page = client.get(detail_url(agreement))
    card = re.search(rf'<article id="need-{need.pk}".*?</article>', html(page), re.S)
    assert card
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi>", "", card.group(0))))
    assert "did not answer" not in words
    assert "Bob : Picked up" in words  # the answer given stays in the record
    assert "Carol :" not in words


# A family of three: a counter-proposal reaches everyone the need was for -------------------


@pytest.fixture
def family() -> tuple[User, User, User]:
    return person("Anna"), person("Ben"), person("Cleo")


def test_in_a_family_a_counter_proposal_reaches_the_author_and_the_other_addressee(
    client: Client, family: tuple[User, User, User]
) -> None:
    anna, ben, cleo = family
    agreement = start(anna, ben, cleo, title="At home")
    need = put_down(agreement, anna, "No phones at dinner", to=[ben, cleo])
    answer(need, ben)
    answer(
        need, cleo, "counter", counter_statement="Phones off at dinner, for everyone, parents too"
    )
    counter = Need.objects.get(answers=need)
    assert set(counter.addressees.all()) == {anna, ben}
    waiting = set(
        Wait.objects.filter(subject=counter.pk, reason=Wait.Reason.ANSWER).values_list(
            "user", flat=True
        )
    )
    assert waiting == {anna.pk, ben.pk}
    client.force_login(ben)
    page = html(client.get(detail_url(agreement)))
    waiting_on_ben = re.search(r'<section class="group group--waiting".*?</section>', page, re.S)
    assert (
        waiting_on_ben
        and "Phones off at dinner, for everyone, parents too" in waiting_on_ben.group(0)
    )
    # Both pick it up: Cleo's answer, a counter-proposal agreed, counts as agreed.
    answer(counter, anna)
    assert reload(counter).state == "open"
    answer(counter, ben)
    assert reload(counter).state == "agreed"
    words = standing_of(html(client.get(detail_url(agreement))))
    assert "Of the 1 need put down for Cleo: 1 picked up." in words
    assert "Of the 2 needs put down for you: 2 picked up." in words


def test_a_counter_proposal_nobody_is_left_to_answer_is_refused_and_changes_nothing(
    alice: User, bob: User
) -> None:
    """A need carried over belongs to everyone; once its author has left, a counter-proposal
    to it by the one it was for would be for nobody, and could never be picked up."""
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call on Sundays", to=[bob])
    answer(need, bob)
    seal(agreement, alice, bob)
    version = services.version_renegotiate(agreement=agreement, party=bob, reason="A new year")
    services.agreement_leave(agreement=agreement, user=alice)
    carried = version.needs.get(statement="Call on Sundays")
    services.need_reopen(need=carried, actor=bob)
    needs_before = Need.objects.count()

    with pytest.raises(services.NegotiationError, match="Nobody else is here"):
        answer(carried, bob, "counter", counter_statement="Call on Saturdays")

    assert Need.objects.count() == needs_before
    assert not reload(carried).responses.filter(party=bob, answer="counter").exists()


@pytest.mark.parametrize(
    ("counts", "widths"),
    [
        ((1, 1, 1, 0), (33, 34, 33, 0)),  # nothing open: no sliver of it
        ((1, 1, 4, 0), (17, 16, 67, 0)),  # shares that round to 101 still fill exactly 100
        ((0, 0, 0, 3), (0, 0, 0, 100)),
        ((2, 0, 1, 0), (67, 0, 33, 0)),
    ],
)
def test_the_parts_of_a_bar_fill_it_exactly(
    alice: User, counts: tuple[int, int, int, int], widths: tuple[int, int, int, int]
) -> None:
    agreed, conversation, declined, still_open = counts
    standing = negotiation.Standing(
        party=alice, agreed=agreed, conversation=conversation, declined=declined, open=still_open
    )
    parts = (
        standing.agreed_pct,
        standing.conversation_pct,
        standing.declined_pct,
        standing.open_pct,
    )
    assert parts == widths
    assert sum(parts) == 100
    assert standing.conversation_x == standing.agreed_pct
    assert standing.open_x + standing.open_pct == 100
