"""Random negotiations between alice, bob and carol keep the rules' promises after every step.

Each example runs inside its own savepoint, rolled back when it ends, so every example starts
from an empty database. A refusal (NegotiationError) is an allowed outcome of any step.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from agreements import rules, services
from agreements.loader import load
from agreements.models import (
    Agreement,
    Comment,
    Event,
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    Version,
    Wait,
)
from agreements.rules import decide
from agreements.services import NegotiationError
from tests.agreements.factories import join, put_down
from tests.agreements.helpers import person

NAMES = ["alice", "bob", "carol"]
names = st.sampled_from(NAMES)
# Mostly fine words, sometimes ones the rules refuse.
statements = st.sampled_from(
    ["Call me on Sundays.", "Tell me what is on your mind.", "Tidy up.", "Call me."] * 2
    + ["", "x" * 501]
)
answers = st.sampled_from(["accept", "accept", "decline", "counter"])


def has(**lookup: Any) -> Callable[["Negotiation"], bool]:
    """A precondition: the agreement has a need matching `lookup`."""
    key = repr(sorted(lookup.items()))
    return lambda machine: machine.known(key, lambda: machine.needs().filter(**lookup).exists())


def negotiating(machine: "Negotiation") -> bool:
    """A precondition for steps on the current version. Steps that pick a need still meet
    sealed versions, so refusals there are exercised without drowning out renegotiation."""
    return machine.known("negotiating", lambda: machine.current.is_open)


class Negotiation(RuleBasedStateMachine):
    independently = False  # the agreement's answers are hidden until everyone answered

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        try:
            # People with verified addresses: an invitation is only for its invitee.
            self.people = {name: person(name.title()) for name in NAMES}
            alice = self.people["alice"]
            self.agreement = services.agreement_create(
                creator=alice, title="Our home", answer_independently=self.independently
            )
            join(self.agreement, self.people["bob"])
            join(self.agreement, self.people["carol"])
        except BaseException:
            self.teardown()  # hypothesis only tears down machines it finished building
            raise
        self.closed: dict[int, object] = {}  # version id -> its content when it was sealed
        self.events: list[tuple[Any, ...]] = []
        self._known: dict[str, bool] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def attempt(self, rule: Callable[..., object], **arguments: Any) -> object:
        """Apply a rule; a refusal is an allowed outcome. What the rule returned, or None."""
        self._known.clear()
        try:
            return rule(**arguments)
        except NegotiationError:
            return None

    def known(self, question: str, answer: Callable[[], bool]) -> bool:
        """Preconditions are asked many times per step: answer each once until the next rule."""
        if question not in self._known:
            self._known[question] = answer()
        return self._known[question]

    # Where things are ----------------------------------------------------------------------

    @property
    def current(self) -> Version:
        version = self.agreement.versions.order_by("-number").first()
        assert version is not None
        return version

    def needs(self) -> QuerySet[Need]:
        return Need.objects.filter(version__agreement=self.agreement).order_by("pk")

    def invitations(self) -> QuerySet[Invitation]:
        """The invitations still waiting for an answer."""
        return Invitation.objects.filter(
            agreement=self.agreement, accepted_at=None, revoked_at=None
        ).order_by("pk")

    def is_party(self, name: str) -> bool:
        return (
            Participant.objects.parties()
            .filter(agreement=self.agreement, user=self.people[name])
            .exists()
        )

    def pick(self, data: st.DataObject, needs: QuerySet[Need]) -> Need | None:
        ids = list(needs.values_list("pk", flat=True))
        if not ids:
            return None
        return Need.objects.get(pk=data.draw(st.sampled_from(ids)))

    def someone(self, data: st.DataObject, likely: list[int]) -> User:
        """Usually one of the `likely` people, sometimes anyone (to meet the refusals too)."""
        chosen = [u for u in self.people.values() if u.pk in likely]
        return data.draw(st.sampled_from(chosen + list(self.people.values())))

    # Steps ---------------------------------------------------------------------------------

    @precondition(negotiating)
    @rule(who=names, statement=statements)
    def draft(self, who: str, statement: str) -> None:
        version = self.current
        self.attempt(
            services.need_draft, version=version, author=self.people[who], statement=statement
        )

    @precondition(negotiating)
    @rule(who=names, statement=statements, to=st.none() | st.sets(names))
    def propose(self, who: str, statement: str, to: set[str] | None) -> None:
        """Draft a need and put it down straight away: the usual way a need reaches the table."""
        author = self.people[who]
        addressee_ids = None if to is None else [self.people[name].pk for name in to]
        version = self.current
        draft = self.attempt(
            services.need_draft, version=version, author=author, statement=statement
        )
        if isinstance(draft, Need):
            self.attempt(
                services.need_put_down, need=draft, actor=author, addressee_ids=addressee_ids
            )

    @precondition(has(status=Need.Status.DRAFT))
    @rule(data=st.data(), to=st.none() | st.sets(names))
    def put_down(self, data: st.DataObject, to: set[str] | None) -> None:
        need = self.pick(data, self.needs().filter(status=Need.Status.DRAFT))
        if need is None:
            return
        author = self.someone(data, [need.author_id])
        addressee_ids = None if to is None else [self.people[name].pk for name in to]
        self.attempt(services.need_put_down, need=need, actor=author, addressee_ids=addressee_ids)

    @precondition(has(status=Need.Status.PUT_DOWN))
    @rule(data=st.data(), how=answers, counter=statements, reason=st.sampled_from(["", "Why not"]))
    def respond(self, data: st.DataObject, how: str, counter: str, reason: str) -> None:
        live = self.needs().filter(status=Need.Status.PUT_DOWN)
        open_first = data.draw(st.booleans())
        need = self.pick(data, live.filter(state=NeedState.OPEN) if open_first else live)
        if need is None:
            return
        party = self.someone(data, list(need.addressees.values_list("pk", flat=True)))
        self.attempt(
            services.need_respond,
            need=need,
            party=party,
            answer=how,
            reason=reason,
            counter_statement=counter,
        )

    @precondition(has())
    @rule(data=st.data(), statement=statements)
    def reword(self, data: st.DataObject, statement: str) -> None:
        needs = self.needs().exclude(status=Need.Status.WITHDRAWN)
        decided = needs.filter(status=Need.Status.PUT_DOWN).exclude(state=NeedState.OPEN)
        # Rewording a decided need is where answers get reset: aim there half of the time.
        need = self.pick(data, decided if data.draw(st.booleans()) else needs) or self.pick(
            data, needs
        )
        if need is None:
            return
        actor = self.someone(data, [need.author_id])
        self.attempt(services.need_edit, need=need, actor=actor, statement=statement)

    @precondition(
        lambda self: (
            negotiating(self) and has(status=Need.Status.PUT_DOWN, state=NeedState.OPEN)(self)
        )
    )
    @rule(data=st.data())
    def everyone_answers(self, data: st.DataObject) -> None:
        """Everyone answers what waits on them in the open version: the way needs get decided."""
        waiting = self.needs().filter(
            version=self.current, status=Need.Status.PUT_DOWN, state=NeedState.OPEN
        )
        for need in waiting:
            for party in need.addressees.all():
                how = data.draw(answers)
                self.attempt(
                    services.need_respond,
                    need=need,
                    party=party,
                    answer=how,
                    counter_statement="Call me.",
                )

    @precondition(has(status=Need.Status.PUT_DOWN))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        need = self.pick(data, self.needs().filter(status=Need.Status.PUT_DOWN))
        if need is None:
            return
        actor = self.someone(data, [need.author_id])
        self.attempt(services.need_withdraw, need=need, actor=actor)

    @precondition(has(status=Need.Status.PUT_DOWN))
    @rule(data=st.data(), who=names)
    def comment(self, data: st.DataObject, who: str) -> None:
        need = self.pick(data, self.needs().exclude(status=Need.Status.DRAFT))
        if need is None:
            return
        author = self.people[who]
        self.attempt(services.need_comment, need=need, author=author, body="What about it?")

    @precondition(lambda self: negotiating(self) and has(status=Need.Status.PUT_DOWN)(self))
    @rule(who=names)
    def sign(self, who: str) -> None:
        version = self.current
        self.attempt(services.version_sign, version=version, party=self.people[who])

    @precondition(lambda self: negotiating(self) and has(status=Need.Status.PUT_DOWN)(self))
    @rule(order=st.permutations(NAMES))
    def everyone_signs(self, order: list[str]) -> None:
        """Each party signs, one after the other: the way a version gets sealed."""
        for who in order:
            version = self.current
            self.attempt(services.version_sign, version=version, party=self.people[who])

    @precondition(lambda self: self.current.state == Version.State.SEALED)
    @rule(
        who=names,
        reason=st.sampled_from(["We moved house.", "The children grew up.", "Why not?", ""]),
    )
    def renegotiate(self, who: str, reason: str) -> None:
        party = self.people[who]
        self.attempt(
            services.version_renegotiate, agreement=self.agreement, party=party, reason=reason
        )

    @precondition(has(carried_from__isnull=False))
    @rule(data=st.data(), who=names, drop=st.booleans())
    def reopen_or_drop(self, data: st.DataObject, who: str, drop: bool) -> None:
        need = self.pick(data, self.needs().filter(carried_from__isnull=False))
        if need is None:
            return
        act = services.need_drop if drop else services.need_reopen
        self.attempt(act, need=need, actor=self.people[who])

    @precondition(has(state=NeedState.DECLINED))
    @rule(data=st.data())
    def offer_again(self, data: st.DataObject) -> None:
        need = self.pick(data, self.needs().filter(state=NeedState.DECLINED))
        if need is None:
            return
        actor = self.someone(data, [need.author_id])
        self.attempt(services.need_offer_again, need=need, actor=actor)

    @rule(who=names, email=st.sampled_from(["dan@example.com", "Carol@example.com"]))
    def invite(self, who: str, email: str) -> None:
        """Invite dan, who has no account, or carol, who may have left (or not)."""
        self.attempt(
            services.invitation_create,
            agreement=self.agreement,
            inviter=self.people[who],
            email=email,
        )

    @precondition(lambda self: self.known("invited", lambda: self.invitations().exists()))
    @rule(data=st.data(), who=names)
    def revoke(self, data: st.DataObject, who: str) -> None:
        ids = list(self.invitations().values_list("pk", flat=True))
        invitation = Invitation.objects.get(pk=data.draw(st.sampled_from(ids)))
        self.attempt(services.invitation_revoke, invitation=invitation, actor=self.people[who])

    @precondition(lambda self: self.known("carol is in", lambda: self.is_party("carol")))
    @rule()
    def carol_leaves(self) -> None:
        """Only carol leaves: alice and bob always remain to negotiate."""
        self.attempt(services.agreement_leave, agreement=self.agreement, user=self.people["carol"])

    @precondition(lambda self: self.known("carol is out", lambda: not self.is_party("carol")))
    @rule(who=st.sampled_from(["alice", "bob"]))
    def carol_comes_back(self, who: str) -> None:
        """carol accepts the invitation waiting for her, or a new one."""
        carol = self.people["carol"]
        invitation = self.invitations().filter(email__iexact=carol.email).first() or self.attempt(
            services.invitation_create,
            agreement=self.agreement,
            inviter=self.people[who],
            email=carol.email,
        )
        if isinstance(invitation, Invitation):
            token = services.invitation_token(invitation)
            self.attempt(services.invitation_accept, token=token, user=carol)

    # Invariants ----------------------------------------------------------------------------

    @invariant()
    def the_stored_facts_are_what_the_rules_work_out_afresh(self) -> None:
        """What the last change stored (`services.settle`) is what the rules derive now: who
        waits on whom, and each need's state and whether its answers are hidden."""
        loaded = load(self.agreement)
        stored = Wait.objects.filter(agreement=self.agreement)
        assert waits_of(stored) == waits_of(services.derived_waits(loaded, timezone.now()))
        for need in loaded.needs:
            stored_facts = (need.state, need.answers_hidden)
            derived = (loaded.state_of(need), loaded.hidden(need))
            assert stored_facts == derived, f"need {need.pk} stores {stored_facts}, not {derived}"

    @invariant()
    def every_need_on_the_table_has_the_state_its_latest_answers_give(self) -> None:
        # Worked out here from the raw rows, not with the services' own helper.
        needs = self.needs().filter(status=Need.Status.PUT_DOWN)
        revisions = dict(needs.values_list("pk", "revision"))
        addressees = addressees_of(needs)
        latest: dict[int, dict[int, str]] = defaultdict(dict)
        responses = Response.objects.filter(need__in=needs).order_by("created_at", "pk")
        for need_id, party, answer, revision in responses.values_list(
            "need_id", "party_id", "answer", "revision"
        ):
            if revision == revisions[need_id]:
                latest[need_id][party] = answer
        for pk, state in needs.values_list("pk", "state"):
            expected = decide(addressees[pk], latest[pk])
            assert state == expected, f"need {pk} is {state}, its answers say {expected}"

    @invariant()
    def a_sealed_version_never_changes(self) -> None:
        for version in self.agreement.versions.exclude(state=Version.State.NEGOTIATING):
            if version.pk not in self.closed:
                assert not services.open_needs(version), "sealed with a need still open"
                self.closed[version.pk] = content_of(version)
        for pk, content in self.closed.items():
            version = Version.objects.get(pk=pk)
            assert version.state != Version.State.NEGOTIATING
            assert content_of(version) == content, f"version {version.number} changed"

    @invariant()
    def the_history_only_grows(self) -> None:
        events = list(
            Event.objects.filter(agreement=self.agreement)
            .order_by("pk")
            .values_list("pk", "kind", "actor_id", "version_id", "need_id", "data", "created_at")
        )
        assert len(events) >= len(self.events)
        assert events[: len(self.events)] == self.events
        self.events = events

    @invariant()
    def at_most_one_version_is_negotiating(self) -> None:
        states = list(self.agreement.versions.order_by("number").values_list("state", flat=True))
        assert states.count(Version.State.NEGOTIATING) <= 1
        # Every version but the latest was superseded.
        assert all(state == Version.State.SUPERSEDED for state in states[:-1])


def addressees_of(needs: QuerySet[Need]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = Need.addressees.through.objects.filter(need__in=needs)
    for need_id, user_id in rows.values_list("need_id", "user_id"):
        found[need_id].add(user_id)
    return found


def waits_of(waits: Iterable[Wait]) -> Counter[tuple[Any, ...]]:
    """Wait rows as what they say, counted: a row stored twice shows."""
    return Counter(
        (
            w.user_id,
            w.email,
            w.reason,
            w.subject,
            w.since,
            w.until,
        )
        for w in waits
    )


def content_of(version: Version) -> object:
    """What a version says: its needs (not private drafts, which move on), answers, comments
    and signatures."""
    needs = version.needs.exclude(status=Need.Status.DRAFT).order_by("pk")
    addressees = addressees_of(needs)
    return (
        version.number,
        version.sealed_at,
        [
            (*fields, addressees[fields[0]])
            for fields in needs.values_list(
                "pk", "statement", "looks_like", "category", "status", "state", "revision"
            )
        ],
        list(Response.objects.filter(need__version=version).order_by("pk").values_list()),
        list(Comment.objects.filter(need__version=version).order_by("pk").values_list()),
        sorted(version.signatures.values_list("party_id", flat=True)),
    )


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_random_negotiations_keep_the_rules(db: None) -> None:
    run_state_machine_as_test(Negotiation, settings=SETTINGS)


class IndependentNegotiation(Negotiation):
    """The same, in an agreement whose answers stay hidden until everyone answered."""

    independently = True


def test_random_independent_negotiations_keep_the_rules(db: None) -> None:
    run_state_machine_as_test(IndependentNegotiation, settings=SETTINGS)


def test_the_machine_starts_from_a_clean_database(db: None) -> None:
    """Each example rolls its savepoint back, so examples never see each other's data."""
    machine = Negotiation()
    assert Agreement.objects.count() == 1
    machine.teardown()
    assert not Agreement.objects.exists()
    assert not User.objects.exists()


MONDAY = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def ready_to_sign(agreement: Agreement, version: Version, alice: User, bob: User) -> Need:
    """alice put a need down for bob at nine, and he accepted it at ten: alice, bob and carol
    owe a signature since ten."""
    need = put_down(version, alice, to=[bob], now=MONDAY)
    services.need_respond(need=need, party=bob, answer="accept", now=MONDAY + HOUR)
    stored = Wait.objects.filter(agreement=agreement)
    assert signature_waits(stored) == signature_waits(rules.waits(load(agreement), MONDAY + HOUR))
    return need


def signature_waits(waits: Iterable[Wait]) -> list[tuple[int | None, datetime.datetime]]:
    return sorted((w.user_id, w.since) for w in waits if w.reason == Wait.Reason.SIGNATURE)


def test_a_comment_leaves_the_stored_waits_as_the_rules_work_them_out(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = ready_to_sign(agreement, version, alice, bob)

    services.need_comment(need=need, author=carol, body="Why Sundays?", now=MONDAY + 2 * HOUR)

    stored = signature_waits(Wait.objects.filter(agreement=agreement))
    assert stored == signature_waits(rules.waits(load(agreement), MONDAY + 2 * HOUR))


def test_an_edit_that_keeps_the_words_leaves_the_stored_waits_as_the_rules_work_them_out(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = ready_to_sign(agreement, version, alice, bob)

    services.need_edit(
        need=need,
        actor=alice,
        statement=need.statement,
        category="reliability",
        now=MONDAY + 2 * HOUR,
    )

    stored = signature_waits(Wait.objects.filter(agreement=agreement))
    assert stored == signature_waits(rules.waits(load(agreement), MONDAY + 2 * HOUR))
