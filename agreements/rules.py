"""The rules of a negotiation, each written once, as plain functions over rows already loaded.

They never query and never write. `agreements.loader.load` reads what they need of one agreement
(`Loaded`); `agreements.services.settle` stores what they derive after every change (each need's
state and whether its answers are hidden, and who waits on whom, `models.Wait`). The dashboard,
the navigation count and the reminders read `Wait`; the page, the cards, compare, the exports and
the live updates read the stored state and hidden answers and ask these functions for the rest
(who may see a need, whether a version can be signed).
"""

import datetime
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from agreements.models import (
    Agreement,
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    Version,
    Wait,
)


def decide(addressees: Iterable[int], answers: Mapping[int, str]) -> NeedState:
    """A need is declined as soon as one addressee declined (nobody can be made to pick it up),
    countered when one answered with a counter-proposal, agreed when every addressee accepted,
    and open otherwise. `answers` maps a party's id to their latest answer to the current
    wording."""
    addressed = set(addressees)
    given = [answer for party, answer in answers.items() if party in addressed]
    if Response.Answer.DECLINE in given:
        return NeedState.DECLINED
    if Response.Answer.COUNTER in given:
        return NeedState.COUNTERED
    if (
        addressed
        and len(given) == len(addressed)
        and all(a == Response.Answer.ACCEPT for a in given)
    ):
        return NeedState.AGREED
    return NeedState.OPEN


def counter_addressees(
    *, author: int, addressees: Iterable[int], countered_by: int, parties: Collection[int]
) -> list[int]:
    """Whom a counter-proposal is put down for: the author of the need it answers and everyone
    else that need was for, but not the one who counter-proposes, and only current parties."""
    return sorted((({author} | set(addressees)) - {countered_by}) & set(parties))


def agreed_instead(counter_state: str | None) -> bool:
    """A need answered by a counter-proposal that was then agreed counts as agreed: the
    counter-proposal is what was agreed instead of it."""
    return counter_state == NeedState.AGREED


def stands_as(answer: str | None, counter_state: str | None, *, negotiating: bool) -> NeedState:
    """How one party's answer to a need counts for where they stand. Picked up is agreed and
    declined is declined; a counter-proposal is a conversation (`COUNTERED`), and counts as
    agreed once that counter-proposal was agreed (`counter_state`). When the version is no
    longer negotiated, a conversation that ended without agreement counts as declined
    (`DECLINED`). No answer (or one still hidden from the reader: pass None) is open."""
    if answer == Response.Answer.ACCEPT:
        return NeedState.AGREED
    if answer == Response.Answer.DECLINE:
        return NeedState.DECLINED
    if answer == Response.Answer.COUNTER:
        if agreed_instead(counter_state):
            return NeedState.AGREED
        return NeedState.COUNTERED if negotiating else NeedState.DECLINED
    return NeedState.OPEN


def settled_by_counter(state: str, counter_states: Iterable[str]) -> bool:
    """A countered need one of whose counter-proposals was then agreed (`agreed_instead`)."""
    return state == NeedState.COUNTERED and any(agreed_instead(s) for s in counter_states)


def yet_to_answer(addressees: Iterable[int], answered: Collection[int]) -> list[int]:
    """The addressees who have not answered the need's current wording."""
    return [person for person in addressees if person not in answered]


def answers_hidden(
    *, independently: bool, status: str, addressees: Iterable[int], answered: Collection[int]
) -> bool:
    """In an agreement answered independently, nobody sees the answers to a need until every
    addressee has answered its current wording: while it is on the table, and for good once it
    left the table before that (`Need.HIDES_ANSWERS`). Until then it shows as open to everyone."""
    return (
        independently and status in Need.HIDES_ANSWERS and bool(yet_to_answer(addressees, answered))
    )


def is_hidden_answer(answered: Need | None) -> bool:
    """A counter-proposal is an answer: while the answers to the need it answers (`answered`)
    are hidden, so is it."""
    return answered is not None and answered.answers_hidden


def may_change(need: Need, user_id: int) -> bool:
    """The author changes their own need; a need carried over from an earlier version belongs
    to everyone, so any party may reword, reopen or drop it."""
    return need.author_id == user_id or need.carried_from_id is not None


def may_see(need: Need, answered: Need | None, viewer_id: int) -> bool:
    """Whether a person may see a need (`answered`: the need it answers, if any): their own
    always; nobody else's draft, nor someone else's counter-proposal that is a hidden answer.
    Every way to one need asks this (`views.access.need_for`); lists ask its twin,
    `models.needs_hidden_from`."""
    if need.author_id == viewer_id:
        return True
    return not need.is_draft and not is_hidden_answer(answered)


def latest_answers(responses: Iterable[Response], revision: int) -> dict[int, Response]:
    """Each party's latest answer to the wording `revision`, from a need's answers in the order
    they were given."""
    latest: dict[int, Response] = {}
    for response in responses:
        if response.revision == revision:
            latest[response.party_id] = response
    return latest


def ready_to_sign(live: Iterable[tuple[str, bool]]) -> bool:
    """A version can be signed when something is on the table and nothing on it is open: no
    need open, and no need whose answers are hidden (it shows as open). `live`: (state, answers
    hidden) of each need on the table."""
    live = list(live)
    return bool(live) and not any(state == NeedState.OPEN or hidden for state, hidden in live)


def goes_to_someone_inside(invitation: Invitation, participants: Iterable[Participant]) -> bool:
    """The invitation's address is that of someone already in the agreement (who joined
    another way, or made the address their own since)."""
    inside = {p.user.email.lower() for p in participants if p.left_at is None}
    return invitation.email.lower() in inside


def still_to_consent(parties: Iterable[int], consented: Collection[int]) -> list[int]:
    """The current parties who have not yet agreed to a facilitator waiting to read: a
    facilitator reads once every current party has agreed."""
    return [party for party in parties if party not in consented]


def is_pending(
    invitation: Invitation, participants: Iterable[Participant], now: datetime.datetime
) -> bool:
    """An invitation still waits for an answer: not accepted, revoked or expired, and not to
    someone who is already in the agreement."""
    return invitation.is_pending(now) and not goes_to_someone_inside(invitation, participants)


@dataclass
class Loaded:
    """What the rules read of one agreement: its latest version and everything in it."""

    agreement: Agreement
    version: Version  # the latest version: the one being negotiated, if any is
    participants: list[Participant]  # everyone who ever joined, with their users
    needs: list[Need]  # the latest version's needs, drafts included
    addressees: dict[int, list[int]]  # need id: the people it is put down for
    answers: dict[int, dict[int, Response]]  # need id: each party's latest answer to its wording
    signed: set[int]  # who signed the latest version
    invitations: list[Invitation]  # neither accepted nor revoked
    # A waiting facilitator's place id: the parties who agreed to them.
    consents: dict[int, set[int]] = field(default_factory=dict)

    @property
    def parties(self) -> set[int]:
        """The current parties (`Participant.is_party`)."""
        return {p.user_id for p in self.participants if p.is_party}

    def state_of(self, need: Need) -> NeedState:
        answers = {party: r.answer for party, r in self.answers.get(need.pk, {}).items()}
        return decide(self.addressees.get(need.pk, []), answers)

    def hidden(self, need: Need) -> bool:
        return answers_hidden(
            independently=self.agreement.answer_independently,
            status=need.status,
            addressees=self.addressees.get(need.pk, []),
            answered=self.answers.get(need.pk, {}),
        )

    def waiting_on(self, need: Need) -> list[int]:
        """The current parties a need waits on: put down for them in a version being negotiated,
        its current wording not answered by them yet. A counter-proposal is an answer: while the
        answers to the need it answers are hidden, it waits on nobody (nobody else sees it)."""
        if not (self.version.is_open and need.is_live):
            return []
        answered_need = self._by_id.get(need.answers_id) if need.answers_id else None
        if answered_need is not None and self.hidden(answered_need):
            return []
        parties = self.parties
        return [
            person
            for person in yet_to_answer(
                self.addressees.get(need.pk, []), self.answers.get(need.pk, {})
            )
            if person in parties
        ]

    @property
    def to_sign(self) -> set[int]:
        """The parties who still owe the version a signature, once it is ready to sign."""
        live = [(self.state_of(n), self.hidden(n)) for n in self.needs if n.is_live]
        if not (self.version.is_open and ready_to_sign(live)):
            return set()
        return self.parties - self.signed

    def need(self, need_id: int) -> Need | None:
        return self._by_id.get(need_id)

    @cached_property
    def _by_id(self) -> dict[int, Need]:
        return {need.pk: need for need in self.needs}


def waits(loaded: Loaded, now: datetime.datetime) -> list[Wait]:
    """Everyone the agreement waits on, and for what (unsaved `Wait` rows)."""
    agreement, version = loaded.agreement, loaded.version
    found = [
        Wait(
            agreement=agreement,
            user_id=person,
            reason=Wait.Reason.ANSWER,
            subject=need.pk,
            since=need.put_down_at or need.changed_at,
        )
        for need in loaded.needs
        for person in loaded.waiting_on(need)
    ]
    to_sign = loaded.to_sign
    if to_sign:
        # Ready since the last need was put down or answered: a comment, or an edit that
        # keeps the words, changes nothing anyone owes.
        since = max(
            moment
            for need in loaded.needs
            if need.is_live
            for moment in [
                need.put_down_at or need.created_at,
                *(r.created_at for r in loaded.answers.get(need.pk, {}).values()),
            ]
        )
        found += [
            Wait(
                agreement=agreement,
                user_id=person,
                reason=Wait.Reason.SIGNATURE,
                subject=version.pk,
                since=since,
            )
            for person in sorted(to_sign)
        ]
    found += [
        Wait(
            agreement=agreement,
            email=invitation.email.lower(),
            reason=Wait.Reason.INVITATION,
            subject=invitation.pk,
            since=invitation.sent_at,
            until=invitation.expires_at,
        )
        for invitation in loaded.invitations
        if is_pending(invitation, loaded.participants, now)
    ]
    parties = sorted(loaded.parties)
    found += [
        Wait(
            agreement=agreement,
            user_id=person,
            reason=Wait.Reason.CONSENT,
            subject=place.pk,
            since=place.joined_at,
        )
        for place in loaded.participants
        if place.is_waiting
        for person in still_to_consent(parties, loaded.consents.get(place.pk, set()))
    ]
    return found


def wait_key(wait: Wait) -> tuple[int | None, str, str, int]:
    return (wait.user_id, wait.email, wait.reason, wait.subject)
