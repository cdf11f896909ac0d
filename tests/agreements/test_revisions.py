"""Every write that changes what a page of an agreement shows is a new revision
(agreements/revisions.py): a page kept in the cache just before it shows the change at once,
to each reader, for every kind of writer."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from agreements import revisions, services
from agreements.models import Agreement, Need
from checkins import services as checkins
from records import services as records
from tests.agreements.helpers import HX, detail_url, draft, need_url, put_down, start, text

pytestmark = pytest.mark.django_db


def _reader(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _kept_then(
    client: Client, path: str, write: Callable[[], object], headers: dict[str, str]
) -> str:
    """The page at `path`, kept (read twice: rendered, then from the cache), then after `write`."""
    for _ in range(2):
        client.get(path, headers=headers)
    write()
    return text(client.get(path, headers=headers))


WRITERS = ["comment", "draft", "category", "note", "name", "deleted account", "admin", "talk"]


@pytest.mark.parametrize("kind", ["page", "region", "card"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_kept_page_shows_each_write_at_once(
    alice: User, bob: User, writer: str, kind: str
) -> None:
    agreement = start(alice, bob, title="Our home")
    need = put_down(agreement, alice, "Call when you land")
    reader = bob
    writes: dict[str, tuple[Callable[[], object], str]] = {
        "comment": (
            lambda: services.need_comment(need=need, author=alice, body="Even a short one"),
            "Even a short one",
        ),
        "draft": (lambda: draft(agreement, bob, "A quiet hour"), "A quiet hour"),
        "category": (
            lambda: services.need_edit(
                need=need, actor=alice, statement=need.statement, category="time_together"
            ),
            "Time together",
        ),
        "note": (
            lambda: services.private_note_save(need=need, author=bob, body="Ask about Sunday"),
            "Ask about Sunday",
        ),
        "name": (lambda: _rename(alice, "Alicia"), "Alicia"),
        "deleted account": (lambda: records.account_delete(user=alice), "Former participant"),
        "admin": (lambda: _retitle(agreement, "Our flat"), "Our flat"),
        "talk": (lambda: checkins.talk_mark(need=need, party=bob), ""),
    }
    write, shown = writes[writer]
    if writer == "draft" and kind == "card":
        pytest.skip("a draft is a card of its own")
    path = {
        "page": detail_url(agreement),
        "region": detail_url(agreement) + "?shown=1-negotiating",
        "card": need_url("card", need),
    }[kind]
    headers = HX if kind != "page" else {}
    before = revisions.revision(agreement).number
    after = _kept_then(_reader(reader), path, write, headers)
    assert revisions.revision(agreement).number > before
    if writer == "admin" and kind != "page":
        return  # the title is in the page's header only
    if shown:
        assert shown in after, f"{writer} on the {kind}"


def _rename(person: User, name: str) -> None:
    person.display_name = name
    person.save()


def _retitle(agreement: Agreement, title: str) -> None:
    """As the admin saves a changed agreement."""
    agreement.title = title
    agreement.save()


def test_a_line_of_the_history_shows_a_need_reworded_since_it_was_kept(
    alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call when you land")
    client = _reader(bob)
    history = detail_url(agreement).rstrip("/") + "/history/"
    for _ in range(2):
        assert "Call when you land" in text(client.get(history, headers=HX))
    services.need_edit(need=need, actor=alice, statement="Text when you land")
    assert "Text when you land" in text(client.get(history, headers=HX))


def test_a_change_to_one_need_leaves_the_other_cards_as_kept(alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    first = put_down(agreement, alice, "Call when you land")
    second = put_down(agreement, alice, "Water the plants")
    before = revisions.revision(agreement).cards
    services.need_comment(need=first, author=alice, body="Please")
    after = revisions.revision(agreement).cards
    assert after.of(Need.objects.get(pk=first.pk)) != before.of(first)
    assert after.of(Need.objects.get(pk=second.pk)) == before.of(second)


def test_a_reworded_counter_proposal_shows_on_the_card_of_the_need_it_answers(
    alice: User, bob: User
) -> None:
    need = put_down(start(alice, bob), alice, "Call when you land")
    services.need_respond(
        need=need, party=bob, answer="counter", counter_statement="Text when you land"
    )
    counter = Need.objects.get(answers=need)
    client = _reader(alice)
    card = need_url("card", need)
    for _ in range(2):
        assert "Text when you land" in text(client.get(card, headers=HX))
    services.need_edit(need=counter, actor=bob, statement="Email when you land")
    assert "Email when you land" in text(client.get(card, headers=HX))


def test_deleting_a_draft_takes_it_off_its_authors_kept_page(alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    kept_draft = draft(agreement, bob, "A quiet hour")
    page = _kept_then(
        _reader(bob),
        detail_url(agreement),
        lambda: services.need_delete_draft(need=kept_draft, actor=bob),
        {},
    )
    assert "A quiet hour" not in page
