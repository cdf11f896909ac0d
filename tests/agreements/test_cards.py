"""Need cards and whole pages come from the cache when nothing they show has changed
(agreements/kept.py), keyed by what changed (agreements/revisions.py).

The proof that the cache never shows something stale: a long run of random moves by three
people (and of the clock), after each of which every page, region and card, as each person sees
it, is the same served from the cache (rendered, then kept) as rendered from scratch; the
history alone (as a page asks for it after a comment) is the one in the page; and the navigation
count is what the dashboard lists, and so are the reminders planned.
"""

import contextlib
import datetime
import random
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction
from django.template.loader import get_template
from django.test import Client
from django.utils import timezone

from accounts.models import User
from agreements import kept, services
from agreements.dashboard import waiting_count, waiting_for
from agreements.models import Agreement, Need
from agreements.services import NegotiationError
from notifications.models import Reason, Reminder
from tests.agreements.helpers import (
    HX,
    cached_keys,
    current,
    need_url,
    put_down,
    same_page,
    served_from_cache,
    start,
    url,
)

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def _from_scratch() -> Iterator[None]:
    """Cards and pages rendered anew: their cache forgets everything, for a moment. (Only
    theirs: swapping the whole cache in the settings would leave a Redis connection open
    each time.)"""
    forget = DummyCache("nothing", {})
    with mock.patch.object(kept, "cache", forget):
        yield


def _fresh(client: Client, path: str) -> str:
    with _from_scratch():
        return same_page(client.get(path, headers=HX).content.decode())


class _Undo(Exception):
    pass


def _fresh_visit(client: Client, path: str) -> str:
    """The whole page rendered from scratch, the visit it writes down undone: the served visit
    after it starts from the same state."""
    with _from_scratch():
        try:
            with transaction.atomic():
                page = same_page(client.get(path).content.decode())
                raise _Undo
        except _Undo:
            pass
    return page


def _served_visit(client: Client, path: str) -> str:
    return same_page(client.get(path).content.decode())


def _served(client: Client, path: str) -> str:
    return same_page(client.get(path, headers=HX).content.decode())


MOVES = ["put down", "draft", "put down draft", "answer", "comment", "reword", "withdraw", "note",
         "visit", "rename", "language", "time zone", "respond by", "invite",
         "an hour passes"]  # fmt: skip


class Moves:
    """Every kind of move that changes what a card shows, made through the rules."""

    def __init__(self, agreement: Agreement, people: list[User], rng: random.Random) -> None:
        self.agreement = agreement
        self.people = people
        self.rng = rng
        self.count = 0
        self.clock = datetime.timedelta()  # how far the clock has been moved on

    def now(self) -> datetime.datetime:
        return REAL_NOW() + self.clock

    def needs(self, **filters: object) -> list[Need]:
        return list(Need.objects.filter(version=current(self.agreement), **filters).order_by("pk"))

    def make(self, move: str, clients: dict[int, Client]) -> bool:
        """Make the move, by someone the rules let make it; False when there was nothing to
        make it on."""
        rng, who = self.rng, self.rng.choice(self.people)
        others = [p for p in self.people if p != who]
        live = self.needs(status=Need.Status.PUT_DOWN)
        self.count += 1
        n = self.count
        if move == "put down":
            put_down(self.agreement, who, f"Need {n}", to=rng.sample(others, rng.randint(1, 2)))
        elif move == "draft":
            services.need_draft(version=current(self.agreement), author=who, statement=f"D{n}")
        elif move == "put down draft":
            drafts = self.needs(status=Need.Status.DRAFT)
            if not drafts:
                return False
            need = rng.choice(drafts)
            services.need_put_down(need=need, actor=need.author)
        elif move == "answer":
            open_to = [(need, u) for need in live for u in need.addressees.all()]
            if not open_to:
                return False
            need, party = rng.choice(open_to)
            how = rng.choice(["accept", "decline", "counter"])
            services.need_respond(
                need=need,
                party=party,
                answer=how,
                reason=rng.choice(["", f"Because {n}"]),
                counter_statement=f"Instead {n}" if how == "counter" else "",
            )
        elif move in ("reword", "withdraw", "comment", "note"):
            if not live:
                return False
            # Rewording and withdrawing are for needs still open; the rules say so.
            unanswered = [need for need in live if need.state == "open"]
            need = rng.choice(unanswered if move in ("reword", "withdraw") and unanswered else live)
            if move == "reword":
                services.need_edit(need=need, actor=need.author, statement=f"Reworded {n}")
            elif move == "withdraw":
                services.need_withdraw(need=need, actor=need.author)
            elif move == "comment":
                services.need_comment(need=need, author=who, body=f"Comment {n}")
            else:
                services.private_note_save(need=need, author=who, body=rng.choice(["", f"N{n}"]))
        elif move == "visit":  # a full page load: "seen by" and "new since your last visit"
            assert clients[who.pk].get(url("detail", self.agreement)).status_code == 200
        elif move == "rename":
            who.display_name = f"{who.email.split('@')[0].title()} {n}"
            who.save(update_fields=["display_name"])
        elif move == "language":
            who.language = rng.choice(["en", "de", "fr"])
            who.save(update_fields=["language"])
        elif move == "time zone":
            who.time_zone = rng.choice(["UTC", "Asia/Tokyo", "America/Denver"])
            who.save(update_fields=["time_zone"])
        elif move == "respond by":  # a date that passes an hour or two from now
            hours = datetime.timedelta(minutes=rng.randint(30, 150))
            version = current(self.agreement)
            services.version_set_respond_by(
                version=version, party=who, respond_by=self.now() + hours
            )
        elif move == "invite":  # an invitation that expires an hour or two from now
            sent = (
                self.now()
                - services.INVITATION_LIFETIME
                + datetime.timedelta(hours=rng.randint(1, 2))
            )
            services.invitation_create(
                agreement=self.agreement, inviter=who, email=f"p{n}@example.com", now=sent
            )
        elif move == "an hour passes":  # nothing is written: dates pass, invitations expire
            self.clock += datetime.timedelta(hours=1)
        return True


REAL_NOW = timezone.now


def _planned(person: User, agreement: Agreement) -> tuple[set[int], bool]:
    """The needs a reminder waits for this person to answer, and whether one asks them to sign."""
    pending = Reminder.objects.pending().filter(agreement=agreement, user=person)
    needs = set(pending.filter(reason=Reason.NEED_WAITING).values_list("subject", flat=True))
    return needs, pending.filter(reason=Reason.SIGNATURE).exists()


def _listed(person: User, agreement: Agreement) -> tuple[set[int], bool]:
    """The same, as the dashboard lists them."""
    waiting = waiting_for(person)
    needs = {need.pk for need in waiting.to_answer if need.version.agreement_id == agreement.pk}
    return needs, any(version.agreement_id == agreement.pk for version in waiting.to_sign)


def _history_of(html: str) -> str:
    found = re.search(r'<section id="history".*?</section>', html, re.S)
    assert found, "no history"
    return found[0]


@pytest.mark.parametrize("independently", [False, True], ids=["open answers", "hidden answers"])
def test_a_cached_page_is_always_the_page_rendered_afresh(
    alice: User, bob: User, carol: User, independently: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = start(alice, bob, carol, answer_independently=independently)
    people = [alice, bob, carol]
    clients = {}
    for person in people:
        clients[person.pk] = Client()
        clients[person.pk].force_login(person)
    moves = Moves(agreement, people, random.Random(f"cards-{independently}"))
    monkeypatch.setattr(timezone, "now", moves.now)
    from_cache = served_from_cache(monkeypatch)
    page = url("detail", agreement)
    made: set[str] = set()
    # Every kind of move three times over, in a random order; new needs and answers twice as often.
    sequence = (MOVES + ["put down", "answer"]) * 3
    moves.rng.shuffle(sequence)
    for move in sequence:
        try:
            if not moves.make(move, clients):
                continue
        except NegotiationError:
            continue  # a move the rules refuse (withdrawing an answered need…) changes nothing
        made.add(move)
        for person in people:
            # The navigation count, counted apart in SQL, says what the dashboard lists.
            assert waiting_count(person) == waiting_for(person).count, f"{person.name}: {made}"
            # The reminders planned (in SQL) wait on what the dashboard lists, no more, no less.
            assert _planned(person, agreement) == _listed(person, agreement), (
                f"{person.name}: {made}"
            )
            client = clients[person.pk]
            region = _fresh(client, page)
            # The history alone, as a page asks for it after a comment, is the region's own.
            alone = client.get(url("history", agreement), headers=HX).content.decode()
            assert _history_of(alone) == _history_of(region), f"{person.name}: {made}"
            for _ in range(2):  # rendered and kept, then from the cache
                assert _served(client, page) == region, f"{person.name}'s region after {made}"
            for _ in range(2):  # a visit written down, then one that changes nothing
                whole = _fresh_visit(client, page)
                assert _served_visit(client, page) == whole, f"{person.name}'s page after {made}"
        for need in moves.rng.sample(moves.needs(), min(1, len(moves.needs()))):
            for person in people:
                client = clients[person.pk]
                card = need_url("card", need)
                if client.get(card, headers=HX).status_code == 200:  # not someone else's draft
                    assert _served(client, card) == _fresh(client, card)
    # The run covered every kind of move, and the cache was used (not just filled).
    assert made == set(MOVES)
    assert any(key.startswith("card:") for key in cached_keys("card:"))
    assert len(from_cache) > len(sequence)  # pages and regions served from the cache


def test_a_card_changes_as_soon_as_what_it_shows_does(
    client: Client, alice: User, bob: User
) -> None:
    need = put_down(start(alice, bob), alice, "Call when you land")
    client.force_login(bob)
    path = need_url("card", need)
    assert "Comment 1" not in client.get(path, headers=HX).content.decode()
    services.need_comment(need=need, author=alice, body="Comment 1")
    assert "Comment 1" in client.get(path, headers=HX).content.decode()
    alice.display_name = "Alicia"
    alice.save(update_fields=["display_name"])
    assert "Put down by <bdi>Alicia</bdi>" in client.get(path, headers=HX).content.decode()


def test_each_browser_gets_its_own_csrf_token_in_cached_cards(alice: User, bob: User) -> None:
    need = put_down(start(alice, bob), alice, "Call when you land")
    phone, laptop = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (phone, laptop):
        browser.force_login(bob)
    tokens = []
    for n, browser in enumerate((phone, laptop)):
        # The phone's visit renders the card; the laptop's takes it from the cache.
        assert bool(cached_keys("card:")) == (browser is laptop)
        page = browser.get(url("detail", need.version.agreement)).content.decode()
        assert kept.CSRF_PLACEHOLDER not in page
        form = page[page.index(f'action="{need_url("comment", need)}"') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None
        tokens.append(token.group(1))
        form_data = {"body": f"From browser {n}", "csrfmiddlewaretoken": token[1]}
        posted = browser.post(need_url("comment", need), form_data)
        assert posted.status_code == 302, posted.status_code
    assert tokens[0] != tokens[1]
    assert need.comments.count() == 2


def test_history_lines_are_rendered_once_for_every_reader(
    alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call when you land")
    put_down(agreement, alice, "Water the plants")
    rendered: list[int] = []
    line = get_template(kept.HISTORY_LINE)

    class Counting:
        def render(self, context: dict[str, Any]) -> str:
            rendered.append(context["event"].pk)
            return str(line.render(context))

    def counting(name: str) -> Any:
        return Counting() if name == kept.HISTORY_LINE else get_template(name)

    monkeypatch.setattr(kept, "get_template", counting)
    readers = {}
    for person in (alice, bob):
        readers[person.pk] = Client()
        readers[person.pk].force_login(person)
    events = list(agreement.events.values_list("pk", flat=True))
    first = readers[bob.pk].get(url("detail", agreement)).content.decode()
    assert sorted(rendered) == sorted(events)  # Bob's page rendered every line
    rendered.clear()
    assert readers[alice.pk].get(url("detail", agreement)).status_code == 200
    assert rendered == []  # Alice's took them all from the cache
    services.need_comment(need=need, author=alice, body="Within the hour?")
    comment = agreement.events.latest("pk")
    again = readers[bob.pk].get(url("history", agreement), headers=HX).content.decode()
    # The lines of that need only (its revision changed), the new one among them.
    of_the_need = set(agreement.events.filter(need=need).values_list("pk", flat=True))
    assert comment.pk in rendered
    assert set(rendered) <= of_the_need
    assert _history_of(again).count("<li>") == _history_of(first).count("<li>") + 1
    assert "commented" in _history_of(again).split("<li>")[1]
