"""Answer independently: while the answers to a need are hidden, nobody else learns them.

Carol puts two needs down for Alice and Bob in an agreement answered independently. Bob declines
the first and counter-proposes to the second; Alice has answered neither. Until she does, the
others (Alice, Carol, and the facilitator everyone agreed to) must not learn Bob's answers, his
reason, his counter-proposal's words, that the counter-proposal exists, or either need's real
state, from any page, region, card, export, feed, email or live update.

Every named URL of ours is either walked here, as each of them, or listed in NOT_A_NEED with the
reason it shows no need: a new URL fails `test_every_url_is_walked_or_said_to_show_no_need`
until it is one or the other.
"""

import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agreements import news, services
from agreements.models import Agreement, Event, Need, Participant
from live import channel
from notifications.models import Preferences
from records import services as records
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    html,
    need_url,
    person,
    put_down,
    renegotiate,
    same_page,
    seal,
    served_from_cache,
    start,
    text,
)
from tests.test_authorization_matrix import our_patterns

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

# Words only Bob wrote: none of them may reach anyone else while the answers are hidden.
REASON = "Zebrawood-reason-7731"
COUNTER = "Quokka-counter-5512"
COUNTER_LOOKS = "Quokka-looks-like-5512"
COUNTER_REASON = "Zebrawood-why-counter-7731"
MARKERS = [REASON, COUNTER, COUNTER_LOOKS, COUNTER_REASON]

# How a page would show the real state of the two needs, or the answers given: nothing else in
# this agreement is declined or countered, so none of these may show anywhere.
PAGE_STATE = [
    "need--declined",
    "need--countered",
    "badge--declined",
    "badge--countered",
    "group--declined",
    "group--countered",
    "answer--decline",
    "answer--counter",
    "Counter-proposed",
    ">Declined<",
    "declined a need",
    "counter-proposed",
    "Answered with a counter-proposal",
    "A counter-proposal to",
]
DATA_STATE = ['"declined"', '"countered"', '"decline"', '"counter"']


# The hidden answers -----------------------------------------------------------------------


@dataclass
class Recorder(channel.LocalHub):
    """The in-process hub, keeping every message published and who it went to."""

    sent: list[tuple[set[int], channel.Message]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def publish(self, user_ids: Iterable[int], message: channel.Message) -> None:
        user_ids = set(user_ids)
        self.sent.append((user_ids, message))
        super().publish(user_ids, message)


@dataclass
class Hidden:
    agreement: Agreement
    declined: Need
    countered: Need
    counter: Need
    answerer: User
    readers: dict[str, User]  # everyone else who reads the agreement
    before: int = 0  # the last change before Bob answered: what an open page showed then

    @property
    def needs(self) -> list[Need]:
        return [self.declined, self.countered, self.counter]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    hub = Recorder()
    monkeypatch.setattr(channel, "_hub", hub)
    return hub


@pytest.fixture
def hidden(alice: User, bob: User, carol: User, recorder: Recorder) -> Hidden:
    agreement = start(carol, alice, bob, answer_independently=True)
    gina = person("Gina")
    add_facilitator(agreement, gina)
    declined = put_down(agreement, carol, "Tell me when you will be late", to=[alice, bob])
    countered = put_down(agreement, carol, "Call my mother every week", to=[alice, bob])
    for user in (alice, carol, gina):
        # Reminders quote needs for those who asked: a counter-proposal must never be quoted.
        Preferences.objects.update_or_create(user=user, defaults={"quote_needs": True})
    recorder.sent.clear()  # what was announced before anything was hidden
    before = Event.objects.filter(agreement=agreement).latest("pk").pk
    with TestCase.captureOnCommitCallbacks(execute=True):  # as Bob's own request would
        answer(declined, bob, "decline", reason=REASON)
        answer(
            countered,
            bob,
            "counter",
            reason=COUNTER_REASON,
            counter_statement=COUNTER,
            counter_looks_like=COUNTER_LOOKS,
        )
    counter = Need.objects.get(answers=countered)
    readers = {"other party": alice, "author": carol, "facilitator": gina}
    return Hidden(agreement, declined, countered, counter, bob, readers, before)


def test_the_answers_really_are_given_and_hidden(hidden: Hidden) -> None:
    """What the walk below hides is there to hide: the real states are decided."""
    assert Need.objects.get(pk=hidden.declined.pk).state == "declined"
    assert Need.objects.get(pk=hidden.countered.pk).state == "countered"
    client = Client()
    client.force_login(hidden.answerer)  # Bob sees his own answers and counter-proposal
    page = client.get(reverse("agreements:detail", args=[hidden.agreement.public_id]))
    assert REASON in text(page) and COUNTER in text(page)


# The walk ---------------------------------------------------------------------------------

# Named URLs that never show a need's words, its answers or its state, and why.
NOT_A_NEED = {
    "healthz": "a health check",
    "profile": "the person's own profile",
    "agreements:new": "a form to start an agreement",
    "agreements:invite": "who is invited, and a form to invite",
    "agreements:invitation": "an invitation link: it only sends its visitor on",
    "agreements:invitation-open": "an invitation: the title, who invites, their message",
    "agreements:invitation-join": "POST only, joining from the dashboard",
    "agreements:drafts-put-down": "POST only: the person's own drafts, then the page (walked)",
    "agreements:invitation-resend": "POST only, about an invitation",
    "agreements:invitation-revoke": "POST only, about an invitation",
    "agreements:leave": "a confirmation to leave",
    "agreements:facilitator-agree": "POST only, about a facilitator",
    "agreements:facilitator-end": "POST only, about a facilitator",
    "agreements:respond-by": "POST only, a date for the whole version",
    "agreements:renegotiate": "a form giving a reason; refused while negotiating",
    "agreements:need-new": "a form for a new need, empty",
    "live:stream": "a stream: what it carries is checked in the published messages",
    "live:agreement": "a stream: what it carries is checked in the published messages",
    "live:presence": "who has the page open, by name",
    "notifications:preferences": "the person's reminder settings",
    "notifications:unsubscribe": "a link that stops a kind of reminder",
    "records:verify": "checks a sealed version's code",
    "records:calendar-reset": "POST only, a new calendar link",
    "records:data": "a page with a download button (the download is walked)",
    "records:account-delete": "a confirmation to delete the account",
    "checkins:rhythm": "POST only, how often to check in",
    "checkins:rhythm-agree": "POST only, how often to check in",
    "checkins:rhythm-decline": "POST only, how often to check in",
    "checkins:start": "POST only, opens a check-in on a sealed version",
    "checkins:submit": "check-ins on sealed versions: nothing to rate in negotiation",
}

# Pages of the agreement and of the person, read with GET.
PAGES = [
    "home",
    "live:waiting",
    "agreements:detail",
    "agreements:answer",
    "agreements:version",
    "agreements:versions",
    "agreements:history",
    "agreements:compare",
    "agreements:sign",
    "checkins:session",
    "checkins:list",
    "notifications:list",
    "notifications:count",
    "records:calendar",
    "records:calendar-feed",
    "records:agreement-export",
    "records:data-download",
]
OWN_PAGES = {
    "home",
    "live:waiting",
    "notifications:list",
    "notifications:count",
    "records:calendar",
    "records:data-download",
}
# Pages htmx also asks for as a region.
REGIONS = {"agreements:detail", "agreements:version", "agreements:answer", "agreements:sign"}
# One need's pages, read with GET, for each of the three needs.
NEED_PAGES = [
    "agreements:need-card",
    "agreements:need-edit",
    "agreements:need-respond",
    "checkins:need-trust",
]
# One need's actions: each answers a POST about the counter-proposal as if it did not exist.
NEED_ACTIONS = [
    "agreements:need-put-down",
    "agreements:need-comment",
    "agreements:need-note",
    "agreements:need-withdraw",
    "agreements:need-reopen",
    "agreements:need-drop",
    "agreements:need-offer-again",
    "agreements:need-delete",
    "checkins:talk",
]
WALKED = {*PAGES, *NEED_PAGES, *NEED_ACTIONS}


def test_every_url_is_walked_or_said_to_show_no_need() -> None:
    names = {name for name, _pattern in our_patterns()}
    assert not WALKED & set(NOT_A_NEED)
    assert not names - WALKED - set(NOT_A_NEED), "walk it below, or say why it shows no need"
    assert not (WALKED | set(NOT_A_NEED)) - names, "gone from the URLs: take it out here"


def _url(name: str, hidden: Hidden, reader: User, need: Need | None = None) -> Iterator[str]:
    """The URLs a name stands for, for this reader: a page of the agreement, of its first
    version, or of one need; the HTML region too where htmx asks for one."""
    public_id = hidden.agreement.public_id
    if need is not None:
        yield reverse(name, args=[public_id, need.pk])
    elif name == "records:calendar-feed":
        yield reverse(name, args=[records.calendar_feed_for(user=reader).token])
    elif name == "agreements:version":
        yield reverse(name, args=[public_id, 1])
    elif name in OWN_PAGES:
        yield reverse(name)
    else:
        yield reverse(name, args=[public_id])


@dataclass
class Seen:
    """Everything one reader was shown, with where."""

    pages: list[tuple[str, str]] = field(default_factory=list)  # (url, text as sent)
    news: list[tuple[str, dict[str, object]]] = field(default_factory=list)  # (url, told)

    def add(self, url: str, body: str) -> None:
        self.pages.append((url, body))


def _card(body: str, need: Need) -> str:
    """One need's card in a page: where its state shows."""
    found = re.search(rf'<article id="need-{need.pk}".*?</article>', body, re.S)
    return found.group(0) if found else ""


def _check_shown(where: str, body: str, hidden: Hidden) -> None:
    for marker in MARKERS:
        assert marker not in body, f"{where} shows {marker}"
    words = DATA_STATE if where.endswith((".json", "/download/")) else PAGE_STATE
    for word in words:
        assert word not in body, f"{where} shows {word}"
    # Nothing points at the hidden counter-proposal either.
    named = re.search(rf"need-{hidden.counter.pk}\b", body)
    assert named is None, f"{where} names the counter-proposal"
    assert f"/needs/{hidden.counter.pk}/" not in body, f"{where} links the counter-proposal"
    for need in (hidden.declined, hidden.countered):
        card = _card(body, need)
        assert "New since your last visit" not in card, f"{where}: {need} marked new"


def _check_news(where: str, response: "TestResponse", hidden: Hidden, seen: Seen) -> None:
    """What a page open since before Bob answered is told changed (read out in its aria-live
    region, marked on its cards): the history's masked line, never a hidden need."""
    told = response.headers.get(news.NEWS_HEADER, "")
    if not told:
        return
    _check_shown(f"{where} (news)", told, hidden)
    for need in hidden.needs:
        assert need.statement not in told, f"{where} news names {need}"
        assert f"need-{need.pk}" not in json.loads(told)["changed"], f"{where} marks {need}"
    seen.news.append((where, json.loads(told)))


def _walk(client: Client, hidden: Hidden, reader: User, seen: Seen) -> None:
    # As a page open since before Bob answered asks: what changed since then comes with it.
    since = {news.SEEN_HEADER: str(hidden.before)}
    for name in PAGES:
        for url in _url(name, hidden, reader):
            for headers in ({}, HX | since) if name in REGIONS else ({},):
                response = client.get(url, headers=headers)
                assert response.status_code in (200, 404), (url, response.status_code)
                body = response.content.decode()
                _check_shown(url, body, hidden)
                _check_news(url, response, hidden, seen)
                seen.add(url, body)
    for name in NEED_PAGES:
        for need in hidden.needs:
            url = next(_url(name, hidden, reader, need))
            card = name == "agreements:need-card"
            response = client.get(url, headers=HX | since if card else {})
            if need == hidden.counter:
                # Exactly as for a need that does not exist.
                assert response.status_code == 404, (url, response.status_code)
            body = response.content.decode()
            _check_shown(url, body, hidden)
            _check_news(url, response, hidden, seen)
            seen.add(url, body)
    for name in NEED_ACTIONS:
        url = next(_url(name, hidden, reader, hidden.counter))
        for headers in ({}, HX):
            response = client.post(url, {"body": "A word", "statement": "x"}, headers=headers)
            assert response.status_code == 404, (url, response.status_code)
    # Answering one at a time names the need answered: the counter-proposal, as if none.
    url = reverse("agreements:answer", args=[hidden.agreement.public_id])
    for headers in ({}, HX):
        sent = {"need": hidden.counter.pk, "answer": "accept"}
        response = client.post(url, sent, headers=headers)
        assert response.status_code == 404, (url, response.status_code)


def _run_reminders(hidden: Hidden) -> None:
    """Every reminder due over the next days goes out (by email, and in the app)."""
    later = (timezone.now() + datetime.timedelta(days=3)).replace(hour=12, minute=0)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the sends are handed over on commit
        call_command("send_reminders", now=later.isoformat(), stdout=io.StringIO())


@pytest.mark.parametrize("reader", ["other party", "author", "facilitator"])
def test_nothing_anyone_else_is_shown_gives_a_hidden_answer_away(
    hidden: Hidden, recorder: Recorder, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = hidden.readers[reader]
    _run_reminders(hidden)
    client = Client()
    client.force_login(user)
    seen = Seen()
    served = served_from_cache(monkeypatch)
    # Three times: a newcomer's first two visits are written down ("new since your last
    # visit"), so the third walk is served from the pages, cards and lines kept before it.
    for _ in range(2):
        _walk(client, hidden, user, seen)
    served.clear()
    _walk(client, hidden, user, seen)
    assert served, "the last walk met a warm cache"
    # The walk did hear the news: Bob's answers, as the history says them, and nothing more.
    said = {str(told["text"]) for _url, told in seen.news}
    assert said == {"Bob answered a need. Bob answered a need."}, said
    assert any("/export.json" in url for url, _body in seen.pages)
    # The emails and the live updates this reader was sent.
    for email in mail.outbox:
        if user.email not in email.to:
            continue
        bodies = [str(email.subject), str(email.body)]
        bodies += [str(content) for content, _type in getattr(email, "alternatives", [])]
        for body in bodies:
            _check_shown(f"email {email.subject}", body, hidden)
    for user_ids, message in recorder.sent:
        if user.pk in user_ids:
            assert message.need not in {n.pk for n in hidden.needs}, message


def test_reminders_did_go_out_in_the_walk(hidden: Hidden, alice: User) -> None:
    """The walk reads real emails: Alice is reminded of the two needs waiting on her."""
    _run_reminders(hidden)
    sent_to_alice = [m for m in mail.outbox if alice.email in m.to and "waiting" in m.body]
    assert sent_to_alice
    client = Client()
    client.force_login(alice)
    assert "waiting for your answer" in text(client.get(reverse("notifications:list")))


# Each door, on its own --------------------------------------------------------------------


def test_answering_one_at_a_time_offers_a_hidden_need_as_yours_and_counts_only_yours(
    hidden: Hidden, alice: User, client: Client
) -> None:
    """Alice has both needs to answer, which Bob answered (hidden): the flow shows the first
    as hers to answer, and how far along she is counts her own answers, never Bob's."""
    client.force_login(alice)
    url = reverse("agreements:answer", args=[hidden.agreement.public_id])
    page = text(client.get(url))
    assert hidden.declined.statement in page and "1 of 2" in page
    client.post(url, {"need": hidden.declined.pk, "answer": "accept"})
    page = text(client.get(url))
    assert hidden.countered.statement in page and "2 of 2" in page
    _check_shown(url, html(client.get(url)), hidden)


def test_the_edit_page_of_a_hidden_counter_proposal_is_not_found(
    hidden: Hidden, client: Client
) -> None:
    for reader in hidden.readers.values():
        client.force_login(reader)
        response = client.get(need_url("edit", hidden.counter))
        assert response.status_code == 404
        assert COUNTER not in response.content.decode()


def test_a_hidden_counter_proposal_answers_as_a_need_that_does_not_exist(
    hidden: Hidden, client: Client, carol: User
) -> None:
    client.force_login(carol)
    missing = reverse("agreements:need-card", args=[hidden.agreement.public_id, 10**9])
    hidden_card = client.get(need_url("card", hidden.counter), headers=HX)
    gone = client.get(missing, headers=HX)
    assert hidden_card.status_code == gone.status_code == 404
    assert same_page(html(hidden_card)) == same_page(html(gone))


def test_its_author_still_opens_their_own_counter_proposal(hidden: Hidden, client: Client) -> None:
    client.force_login(hidden.answerer)
    response = client.get(need_url("edit", hidden.counter))
    assert response.status_code == 200
    assert COUNTER in response.content.decode()


def test_the_edit_page_offers_no_form_to_a_party_who_may_not_change_the_need(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Tell me when you will be late", to=[bob])
    client.force_login(bob)
    response = client.get(need_url("edit", need))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="statement"' not in page
    assert "Only the person who put this need down can reword it" in text(response)


def test_a_need_whose_answers_are_hidden_may_be_withdrawn_whatever_was_answered(
    hidden: Hidden, carol: User, alice: User, bob: User
) -> None:
    """To its author it looks open, so it may be taken back as an open need is: whether it may,
    and what they are told, must not depend on the answers they cannot see."""
    accepted = put_down(hidden.agreement, carol, "A walk together on Sundays", to=[alice, bob])
    answer(accepted, bob, "accept")
    unanswered = put_down(hidden.agreement, carol, "A quiet hour on Sundays", to=[alice])
    for need in (hidden.declined, hidden.countered, accepted, unanswered):
        assert services.need_withdraw(need=need, actor=carol).status == Need.Status.WITHDRAWN
    # Bob's counter-proposal answered a need no longer on the table: it leaves with it.
    assert Need.objects.get(pk=hidden.counter.pk).status == Need.Status.WITHDRAWN


def test_withdraw_is_offered_alike_whatever_the_hidden_answers_are(
    hidden: Hidden, client: Client, carol: User, alice: User, bob: User
) -> None:
    """The button's absence would say the need was decided, or answered at all."""
    accepted = put_down(hidden.agreement, carol, "A walk together on Sundays", to=[alice, bob])
    answer(accepted, bob, "accept")
    unanswered = put_down(hidden.agreement, carol, "A quiet hour on Sundays", to=[alice])
    client.force_login(carol)
    page = client.get(reverse("agreements:detail", args=[hidden.agreement.public_id]))
    body = page.content.decode()
    for need in (hidden.declined, hidden.countered, accepted, unanswered):
        assert need_url("withdraw", need) in _card(body, need)


def test_answers_to_a_need_withdrawn_while_they_were_hidden_stay_hidden_for_good(
    hidden: Hidden, carol: User
) -> None:
    """Withdrawn before everyone answered: nobody will answer it now, and nobody learns what
    was answered, on the page, in the history or in an export."""
    for need in (hidden.declined, hidden.countered):
        services.need_withdraw(need=need, actor=carol)
    public_id = hidden.agreement.public_id
    for reader in hidden.readers.values():
        client = Client()
        client.force_login(reader)
        for path in (
            reverse("agreements:detail", args=[public_id]),
            reverse("agreements:history", args=[public_id]),
            reverse("records:agreement-export", args=[public_id]),
            reverse("records:data-download"),
        ):
            shown = client.get(path).content.decode()
            for secret in (REASON, COUNTER_REASON, COUNTER, COUNTER_LOOKS):
                assert secret not in shown, (reader, path, secret)
        page = text(client.get(reverse("agreements:detail", args=[public_id])))
        assert "Declined" not in page and "declined a need" not in page, reader
        assert "kept private: it was withdrawn before everyone answered" in page, reader


def test_the_need_just_answered_is_not_new_since_the_last_visit(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(carol, alice, bob, answer_independently=True)
    answered = put_down(agreement, carol, "Tell me when you will be late", to=[alice, bob])
    put_down(agreement, carol, "Call my mother every week", to=[alice, bob])
    client.force_login(alice)
    page = reverse("agreements:detail", args=[agreement.public_id])
    client.get(page)
    Participant.objects.filter(agreement=agreement, user=alice).update(last_seen_at=timezone.now())
    answer(answered, bob, "decline", reason=REASON)
    body = client.get(page).content.decode()
    assert "New since your last visit" not in _card(body, answered)


def test_a_comment_on_a_hidden_need_is_still_new_since_the_last_visit(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(carol, alice, bob, answer_independently=True)
    need = put_down(agreement, carol, "Tell me when you will be late", to=[alice, bob])
    answer(need, bob, "decline", reason=REASON)
    client.force_login(alice)
    page = reverse("agreements:detail", args=[agreement.public_id])
    client.get(page)
    Participant.objects.filter(agreement=agreement, user=alice).update(last_seen_at=timezone.now())
    services.need_comment(need=need, author=carol, body="What counts as late?")
    body = client.get(page).content.decode()
    assert "New since your last visit" in _card(body, need)


def test_a_hidden_answer_is_announced_without_naming_its_need(
    hidden: Hidden, recorder: Recorder
) -> None:
    """Live updates: the others hear that the agreement changed, never which need; Bob's own
    page hears it too, and refreshes."""
    answers = [m for _ids, m in recorder.sent if m.kind != "presence"]
    assert answers, "the answers were announced"
    for user_ids, message in recorder.sent:
        assert hidden.answerer.pk in user_ids  # his own page follows too
        assert message.need == 0 and message.kind in ("changed", "presence"), message


def test_an_answer_that_reveals_the_others_names_its_need(
    hidden: Hidden, recorder: Recorder, alice: User
) -> None:
    """Once everyone has answered, nothing is hidden: the card is refreshed as usual."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer(hidden.declined, alice, "accept")
    assert recorder.sent[-1][1].kind == "need"
    assert recorder.sent[-1][1].need == hidden.declined.pk


def test_your_data_shows_your_needs_as_your_pages_do(hidden: Hidden, carol: User) -> None:
    client = Client()
    client.force_login(carol)
    data = json.loads(client.get(reverse("records:data-download")).content)
    states = {need["id"]: need["state"] for need in data["needs"]}
    assert states[hidden.declined.pk] == "open"
    assert states[hidden.countered.pk] == "open"


def test_the_agreement_export_never_says_which_need_was_answered(
    hidden: Hidden, alice: User
) -> None:
    client = Client()
    client.force_login(alice)
    url = reverse("records:agreement-export", args=[hidden.agreement.public_id])
    data = json.loads(client.get(url).content)
    answered = [row for row in data["history"] if row["what"] == "answered"]
    assert len(answered) == 2
    assert all(row["need"] is None and row["need_statement"] is None for row in answered)


@pytest.fixture
def reworded(alice: User, bob: User, carol: User) -> Need:
    """A need carried into version 2 of an agreement answered independently and reworded there,
    so everyone answers it afresh: Bob declines, Carol has not answered yet."""
    agreement = start(alice, bob, carol, answer_independently=True)
    first = put_down(agreement, alice, "Tell me when you will be late", to=[bob, carol])
    answer(first, bob)
    answer(first, carol)
    seal(agreement, alice, bob, carol)
    renegotiate(agreement, alice)
    carried = Need.objects.get(carried_from=first)
    services.need_edit(need=carried, actor=alice, statement="Tell me when you will be late, please")
    answer(carried, bob, "decline", reason=REASON)
    return carried


def _page(user: User, need: Need) -> tuple[str, str]:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("agreements:detail", args=[need.version.agreement.public_id]))
    return page.content.decode(), text(page)


def test_dropping_a_need_whose_answers_are_hidden_keeps_them_hidden(
    reworded: Need, alice: User, carol: User
) -> None:
    services.need_drop(need=reworded, actor=carol)
    for reader in (alice, carol):
        body, words = _page(reader, reworded)
        assert REASON not in body, reader
        assert "kept private" in words, reader


def test_comparing_versions_after_a_hidden_need_was_dropped_gives_no_answer_away(
    reworded: Need, alice: User, carol: User
) -> None:
    """Dropped, its row in the comparison shows its last decision as the reader may see it:
    Bob's decline, still hidden, is not it."""
    services.need_drop(need=reworded, actor=carol)
    agreement = reworded.version.agreement
    for reader in (alice, carol):
        client = Client()
        client.force_login(reader)
        page = client.get(
            reverse("agreements:compare", args=[agreement.public_id]), {"base": 1, "other": 2}
        )
        body = page.content.decode()
        assert page.status_code == 200, reader
        assert "Dropped" in text(page), reader
        assert REASON not in body, reader
        assert not [state for state in ("Declined", "Not agreed") if state in body]


def test_reopen_is_offered_alike_whatever_the_hidden_answers_are(
    reworded: Need, carol: User
) -> None:
    """Reopening is for a decided need; one whose answers are hidden looks open to all."""
    body, _words = _page(carol, reworded)
    assert need_url("reopen", reworded) not in _card(body, reworded)
    with pytest.raises(services.NegotiationError) as refused:
        services.need_reopen(need=reworded, actor=carol)
    assert refused.value.message == "This need is already open."


def test_a_need_withdrawn_while_hidden_is_not_offered_again_as_declined(
    alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    declined = put_down(agreement, alice, "Tell me when you will be late", to=[bob, carol])
    answer(declined, bob, "decline", reason=REASON)
    services.need_withdraw(need=declined, actor=alice)
    agreed = put_down(agreement, alice, "A walk on Sundays", to=[bob, carol])
    answer(agreed, bob)
    answer(agreed, carol)
    seal(agreement, alice, bob, carol)
    body, _words = _page(alice, declined)
    assert need_url("offer-again", declined) not in body
    with pytest.raises(services.NegotiationError):
        services.need_offer_again(need=declined, actor=alice)
