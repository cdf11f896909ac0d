"""The version history (/a/<id>/versions/) and comparing two versions (/a/<id>/compare/)."""

import pytest
from django.test import Client

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    assert_full_page,
    assert_redirects_to_login,
    draft,
    html,
    person,
    put_down,
    renegotiate,
    seal,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    """Version 1 sealed with four needs; version 2 in negotiation, where one carried need was
    reworded, one reopened, one dropped, and one need added."""
    agreement = start(alice, bob)
    late = put_down(agreement, alice, "Tell me when you will be late")
    sundays = put_down(agreement, alice, "Cook on Sundays")
    dog = put_down(agreement, bob, "Walk the dog")
    mother = put_down(agreement, bob, "Call my mother")
    for need, party in ((late, bob), (sundays, bob), (dog, alice)):
        answer(need, party)
    answer(mother, alice, "decline")
    seal(agreement, alice, bob)
    renegotiate(agreement, bob, "We moved house")

    def carried(need: Need) -> Need:
        return Need.objects.get(carried_from=need)

    services.need_edit(
        need=carried(late), actor=alice, statement="Tell me when you will be delayed"
    )
    services.need_reopen(need=carried(sundays), actor=bob)
    services.need_drop(need=carried(dog), actor=alice)
    put_down(agreement, bob, "Plan a holiday together")
    return agreement


# Version history --------------------------------------------------------------------------


def test_the_history_requires_login(client: Client, agreement: Agreement) -> None:
    path = url("versions", agreement)
    assert_redirects_to_login(client.get(path), path)


@pytest.mark.parametrize("page", ["versions", "compare"])
@pytest.mark.parametrize("who", ["stranger", "other agreement"])
def test_outsiders_get_404(client: Client, agreement: Agreement, page: str, who: str) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    client.force_login(dave)
    assert client.get(url(page, agreement)).status_code == 404


@pytest.mark.parametrize("page", ["versions", "compare"])
def test_a_facilitator_reads_them(
    client: Client, agreement: Agreement, carol: User, page: str
) -> None:
    add_facilitator(agreement, carol)
    client.force_login(carol)
    assert_full_page(client.get(url(page, agreement)))


def test_the_history_lists_every_version(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    response = client.get(url("versions", agreement))
    assert_full_page(response)
    words = text(response)
    assert words.index("Version 2 Renegotiating") < words.index("Version 1 Renegotiated")
    assert "“We moved house”" in words
    page = html(response)
    assert f'href="{url("version", agreement, 1)}"' in page
    assert f'href="{url("compare", agreement)}"' in page


def test_a_single_version_has_nothing_to_compare(client: Client, alice: User) -> None:
    agreement = start(alice)
    client.force_login(alice)
    page = html(client.get(url("versions", agreement)))
    assert f'href="{url("compare", agreement)}"' not in page


# Comparing --------------------------------------------------------------------------------


def compared(client: Client, agreement: Agreement, query: str = "") -> str:
    response = client.get(url("compare", agreement) + query)
    assert_full_page(response)
    return html(response)


def row(page: str, change: str) -> list[str]:
    """The text of each table row of one kind of change."""
    rows = page.split('<tr class="compare__row compare__row--')[1:]
    return [" ".join(r.split("</tr>")[0].split()) for r in rows if r.startswith(f'{change}"')]


def test_compare_requires_login(client: Client, agreement: Agreement) -> None:
    path = url("compare", agreement)
    assert_redirects_to_login(client.get(path), path)


def test_the_last_two_versions_are_compared_by_default(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    page = compared(client, agreement)
    assert '<option value="1" selected>' in page
    assert '<option value="2" selected>' in page
    assert len(row(page, "reworded")) == 1
    assert "Tell me when you will be <del>late</del> <ins>delayed</ins>" in row(page, "reworded")[0]
    (decision,) = row(page, "decision")
    assert "Cook on Sundays" in decision
    assert "Agreed → Open" in decision
    (added,) = row(page, "added")
    assert "Plan a holiday together" in added
    (dropped,) = row(page, "dropped")
    assert "Walk the dog" in dropped  # dropped in version 2
    (left,) = row(page, "not-carried")
    assert "Call my mother" in left  # declined, so not carried over
    assert row(page, "removed") == []


def test_comparing_the_other_way_round(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    page = compared(client, agreement, "?base=2&other=1")
    assert "Tell me when you will be <del>delayed</del> <ins>late</ins>" in page
    assert "Plan a holiday together" in " ".join(row(page, "removed"))
    assert "Walk the dog" in " ".join(row(page, "added"))  # dropped in 2, on the table in 1


def test_comparing_a_version_with_itself_shows_nothing_changed(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    page = compared(client, agreement, "?base=1&other=1")
    assert len(row(page, "same")) == 4
    assert "Unchanged" in page


@pytest.mark.parametrize(
    "query",
    [
        "?base=0&other=1",
        "?base=1&other=3",
        "?base=-1&other=2",
        "?base=abc&other=2",
        "?base=&other=2",
        "?base=1",
        "?other=99999999999999999999&base=1",
        "?unrelated=1",
    ],
)
def test_bad_version_numbers_get_a_message(
    client: Client, agreement: Agreement, alice: User, query: str
) -> None:
    client.force_login(alice)
    page = compared(client, agreement, query)
    assert "Choose two versions of this agreement." in page
    assert "<table" not in page


def test_someone_elses_draft_is_not_compared(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    draft(agreement, bob, "My secret draft")
    client.force_login(alice)
    assert "My secret draft" not in compared(client, agreement)


def test_words_are_escaped_in_the_difference(
    client: Client, agreement: Agreement, alice: User
) -> None:
    need = Need.objects.get(statement="Tell me when you will be delayed")
    services.need_edit(need=need, actor=alice, statement="Tell me when you will be <b>late</b>")
    client.force_login(alice)
    page = compared(client, agreement)
    assert "<b>" not in page
    assert "<ins>&lt;b&gt;late&lt;/b&gt;</ins>" in page


def test_hidden_answers_stay_hidden_in_a_comparison(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    first = put_down(agreement, alice, "Tell me when you will be late")
    answer(first, bob)
    answer(first, carol)
    seal(agreement, alice, bob, carol)
    renegotiate(agreement, bob)
    reopened = Need.objects.get(carried_from=first)
    services.need_reopen(need=reopened, actor=bob)
    answer(reopened, bob, "decline")
    answer(put_down(agreement, alice, "Plan a holiday together"), bob, "decline")
    weekend = put_down(agreement, alice, "Go away for a weekend")
    answer(weekend, carol, "counter", counter_statement="Go away for a week")
    for viewer in (alice, bob, carol):
        client.force_login(viewer)
        page = compared(client, agreement)
        added = " ".join(row(page, "added"))
        assert "Plan a holiday together" in added
        assert "Go away for a weekend" in added
        # The counter-proposal is an answer too: only carol, who wrote it, sees it (as on the
        # agreement page, `rules.may_see`).
        assert ("Go away for a week<" in page) == (viewer == carol)
        assert "Declined" not in page
        assert "Counter-proposed" not in page
        assert "Agreed → Open" in page  # reopened; bob's decline is not shown yet


def test_a_change_to_what_it_looks_like_is_not_called_a_rewording(
    client: Client, agreement: Agreement, alice: User
) -> None:
    need = Need.objects.get(statement="Tell me when you will be delayed")
    services.need_edit(need=need, actor=alice, statement="Tell me when you will be late")
    services.need_edit(
        need=need,
        actor=alice,
        statement="Tell me when you will be late",
        looks_like="A text before <dinner>",
    )
    client.force_login(alice)
    page = compared(client, agreement)
    assert row(page, "reworded") == []
    assert "Reworded" not in page
    (changed,) = row(page, "looks-like")
    assert "What it looks like changed" in changed
    assert "Tell me when you will be late" in changed
    assert 'What it looks like, before</dt><dd dir="auto">Nothing written yet' in changed
    assert 'What it looks like, now</dt><dd dir="auto">A text before &lt;dinner&gt;' in changed


def test_rewording_and_what_it_looks_like_both_show(
    client: Client, agreement: Agreement, alice: User
) -> None:
    need = Need.objects.get(statement="Tell me when you will be delayed")
    services.need_edit(
        need=need, actor=alice, statement="Tell me when you will be delayed", looks_like="A call"
    )
    client.force_login(alice)
    (changed,) = row(compared(client, agreement), "reworded")
    assert "<del>late</del> <ins>delayed</ins>" in changed
    assert 'What it looks like, now</dt><dd dir="auto">A call' in changed


def test_a_counter_proposal_agreed_in_place_of_a_need_reads_as_one_change(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    weekend = put_down(agreement, alice, "Go away every weekend")
    answer(weekend, bob, "counter", counter_statement="Go away one weekend a month")
    counter = Need.objects.get(answers=weekend)
    answer(counter, alice)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    client.force_login(alice)
    page = compared(client, agreement)
    (instead,) = row(page, "instead")
    assert "Agreed instead" in instead
    assert "Go away one weekend a month" in instead
    assert "Agreed in place of “<bdi>Go away every weekend</bdi>”" in instead
    for other in ("removed", "not-carried", "added", "same"):
        assert row(page, other) == []
    assert "Counter-proposed" not in page
    assert "Removed" not in page
    itself = compared(client, agreement, "?base=1&other=1")
    assert "Agreed instead" not in itself
    assert len(row(itself, "same")) == 2


def test_needs_left_behind_at_a_renegotiation_show(client: Client, alice: User, bob: User) -> None:
    """Version 2 is sealed with one need dropped and one declined; version 3 carries neither."""
    agreement = start(alice, bob)
    answer(put_down(agreement, alice, "Tell me when you will be late"), bob)
    answer(put_down(agreement, bob, "Walk the dog"), alice)
    seal(agreement, alice, bob)
    renegotiate(agreement, alice)
    walk = Need.objects.get(statement="Walk the dog", carried_from__isnull=False)
    services.need_drop(need=walk, actor=bob)
    answer(put_down(agreement, bob, "Call my mother"), alice, "decline")
    seal(agreement, alice, bob)
    renegotiate(agreement, alice)
    client.force_login(bob)
    page = compared(client, agreement, "?base=2&other=3")
    (left,) = row(page, "not-carried")
    assert "Not carried over" in left
    assert "Call my mother" in left
    assert "Not agreed" in left
    (dropped,) = row(page, "dropped")
    assert "Dropped" in dropped
    assert "Walk the dog" in dropped
    (same,) = row(page, "same")
    assert "Tell me when you will be late" in same
