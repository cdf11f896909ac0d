"""The rules of a negotiation over rows already loaded (no database): how the latest answers
to a need decide its state, when its answers are hidden, who it waits on and who owes a
signature."""

import datetime
from collections.abc import Iterable, Mapping

from accounts.models import User
from agreements.models import (
    Agreement,
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    Version,
)
from agreements.rules import (
    Loaded,
    answers_hidden,
    counter_addressees,
    decide,
    is_pending,
    ready_to_sign,
    settled_by_counter,
    stands_as,
    yet_to_answer,
)

ACCEPT, DECLINE, COUNTER = "accept", "decline", "counter"
ALICE, BOB, CAROL, DAN = 1, 2, 3, 4
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol", DAN: "dan"}
NOW = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
PUT_DOWN, WITHDRAWN, DROPPED, DRAFT = (
    Need.Status.PUT_DOWN,
    Need.Status.WITHDRAWN,
    Need.Status.DROPPED,
    Need.Status.DRAFT,
)


def test_a_need_nobody_answered_is_open() -> None:
    assert decide({BOB, CAROL}, {}) == NeedState.OPEN


def test_it_is_open_while_someone_has_not_answered() -> None:
    assert decide({BOB, CAROL}, {BOB: ACCEPT}) == NeedState.OPEN


def test_it_is_agreed_only_when_every_addressee_accepted() -> None:
    assert decide({BOB, CAROL}, {BOB: ACCEPT, CAROL: ACCEPT}) == NeedState.AGREED
    assert decide({BOB}, {BOB: ACCEPT}) == NeedState.AGREED


def test_one_decline_is_enough_to_decline_it() -> None:
    assert decide({BOB, CAROL}, {BOB: DECLINE}) == NeedState.DECLINED
    assert decide({BOB, CAROL}, {BOB: ACCEPT, CAROL: DECLINE}) == NeedState.DECLINED


def test_a_decline_wins_over_a_counter_proposal() -> None:
    assert decide({BOB, CAROL}, {BOB: COUNTER, CAROL: DECLINE}) == NeedState.DECLINED


def test_a_counter_proposal_makes_it_countered() -> None:
    assert decide({BOB, CAROL}, {BOB: COUNTER}) == NeedState.COUNTERED
    assert decide({BOB, CAROL}, {BOB: ACCEPT, CAROL: COUNTER}) == NeedState.COUNTERED


def test_answers_from_people_it_is_not_addressed_to_are_ignored() -> None:
    assert decide({BOB}, {BOB: ACCEPT, DAN: DECLINE}) == NeedState.AGREED
    assert decide({BOB}, {DAN: COUNTER}) == NeedState.OPEN
    # An outsider's acceptance does not stand in for an addressee who has not answered.
    assert decide({BOB, CAROL}, {BOB: ACCEPT, DAN: ACCEPT}) == NeedState.OPEN


def test_a_need_addressed_to_nobody_stays_open() -> None:
    assert decide(set(), {}) == NeedState.OPEN
    assert decide([], {BOB: ACCEPT}) == NeedState.OPEN


def test_addressees_may_be_any_iterable_with_repeats() -> None:
    assert decide([BOB, BOB], {BOB: ACCEPT}) == NeedState.AGREED


# Which addressees have not answered ----------------------------------------------------------


def test_yet_to_answer_keeps_the_addressees_order() -> None:
    assert yet_to_answer([CAROL, BOB, DAN], {BOB}) == [CAROL, DAN]


def test_an_answer_from_someone_else_answers_for_nobody() -> None:
    assert yet_to_answer([BOB], {DAN}) == [BOB]
    assert yet_to_answer([BOB, CAROL], {BOB, CAROL, DAN}) == []


# When answers are hidden -----------------------------------------------------------------------


def hidden(independently: bool, status: str, answered: Iterable[int]) -> bool:
    """Whether a need put down for bob and carol hides its answers."""
    return answers_hidden(
        independently=independently,
        status=status,
        addressees=[BOB, CAROL],
        answered=set(answered),
    )


def test_answers_show_at_once_unless_the_agreement_answers_independently() -> None:
    assert not hidden(False, PUT_DOWN, [])
    assert not hidden(False, PUT_DOWN, [BOB])


def test_answered_independently_they_stay_hidden_until_every_addressee_answered() -> None:
    assert hidden(True, PUT_DOWN, [])
    assert hidden(True, PUT_DOWN, [BOB])
    assert hidden(True, PUT_DOWN, [BOB, DAN])  # someone else's answer is not carol's
    assert not hidden(True, PUT_DOWN, [BOB, CAROL])


def test_a_need_that_left_the_table_too_early_hides_its_answers_for_good() -> None:
    assert hidden(True, WITHDRAWN, [BOB])
    assert hidden(True, DROPPED, [])
    assert not hidden(True, WITHDRAWN, [BOB, CAROL])


def test_a_draft_hides_no_answers() -> None:
    assert not hidden(True, DRAFT, [])


# When a version can be signed ------------------------------------------------------------------


def test_a_version_with_nothing_on_the_table_cannot_be_signed() -> None:
    assert not ready_to_sign([])


def test_it_can_be_signed_once_every_need_on_the_table_is_decided() -> None:
    assert ready_to_sign([(NeedState.AGREED, False)])
    assert ready_to_sign(
        [(NeedState.AGREED, False), (NeedState.DECLINED, False), (NeedState.COUNTERED, False)]
    )


def test_one_open_need_keeps_it_from_being_signed() -> None:
    assert not ready_to_sign([(NeedState.AGREED, False), (NeedState.OPEN, False)])


def test_a_need_whose_answers_are_hidden_counts_as_open() -> None:
    assert not ready_to_sign([(NeedState.AGREED, False), (NeedState.DECLINED, True)])


def test_ready_to_sign_reads_any_iterable_once() -> None:
    assert ready_to_sign(iter([(NeedState.AGREED, False)]))
    assert not ready_to_sign(iter([]))


# Which invitations are pending ----------------------------------------------------------------


def place(pk: int, *, left: bool = False, role: str = Participant.Role.PARTY) -> Participant:
    """Someone's place in the agreement, with their user."""
    user = User(pk=pk, email=f"{NAMES[pk].title()}@Example.com")
    return Participant(user=user, role=role, joined_at=NOW - DAY, left_at=NOW if left else None)


def invitation(email: str, **fields: datetime.datetime) -> Invitation:
    return Invitation(pk=7, email=email, sent_at=NOW - DAY, expires_at=NOW + DAY, **fields)


def test_an_invitation_nobody_answered_is_pending() -> None:
    assert is_pending(invitation("dan@example.com"), [place(ALICE)], NOW)


def test_an_invitation_answered_revoked_or_expired_is_not() -> None:
    inside = [place(ALICE)]
    assert not is_pending(invitation("dan@example.com", accepted_at=NOW), inside, NOW)
    assert not is_pending(invitation("dan@example.com", revoked_at=NOW), inside, NOW)
    assert not is_pending(invitation("dan@example.com"), inside, NOW + DAY)
    assert is_pending(invitation("dan@example.com"), inside, NOW + DAY - datetime.timedelta(0, 1))


def test_an_invitation_to_someone_already_inside_is_not_pending() -> None:
    inside = [place(ALICE), place(DAN)]
    assert not is_pending(invitation("DAN@example.com"), inside, NOW)
    facilitated = [place(ALICE), place(DAN, role=Participant.Role.FACILITATOR)]
    assert not is_pending(invitation("dan@example.com"), facilitated, NOW)


def test_an_invitation_to_someone_who_left_is_pending() -> None:
    assert is_pending(invitation("dan@example.com"), [place(ALICE), place(DAN, left=True)], NOW)


# Who a need waits on, and who owes a signature ------------------------------------------------


def need(
    pk: int, *, status: str = PUT_DOWN, author: int = ALICE, answers: Need | None = None
) -> Need:
    return Need(
        pk=pk,
        author_id=author,
        statement=f"Need {pk}",
        status=status,
        answers=answers,
        put_down_at=None if status == DRAFT else NOW,
        changed_at=NOW,
    )


def negotiation(
    needs: Mapping[Need, Iterable[int]],
    answered: Mapping[Need, Mapping[int, str]] | None = None,
    *,
    independently: bool = False,
    state: str = Version.State.NEGOTIATING,
    signed: Iterable[int] = (),
    left: Iterable[int] = (),
) -> Loaded:
    """alice, bob and carol in one agreement, as the loader reads it: `needs` with the people
    each is put down for, and each party's latest answer to them."""
    agreement = Agreement(pk=1, title="Our home", answer_independently=independently)
    gone = set(left)
    return Loaded(
        agreement=agreement,
        version=Version(pk=1, agreement=agreement, number=1, state=state),
        participants=[place(pk, left=pk in gone) for pk in (ALICE, BOB, CAROL)],
        needs=list(needs),
        addressees={n.pk: list(to) for n, to in needs.items()},
        answers={
            n.pk: {
                party: Response(need_id=n.pk, party_id=party, answer=how, revision=1)
                for party, how in given.items()
            }
            for n, given in (answered or {}).items()
        },
        signed=set(signed),
        invitations=[],
    )


def test_a_need_waits_on_the_addressees_who_have_not_answered() -> None:
    calls = need(1)
    loaded = negotiation({calls: [BOB, CAROL]}, {calls: {BOB: ACCEPT}})
    assert loaded.waiting_on(calls) == [CAROL]


def test_it_waits_on_nobody_once_they_left_or_the_version_closed() -> None:
    calls = need(1)
    assert negotiation({calls: [BOB, CAROL]}, left=[CAROL]).waiting_on(calls) == [BOB]
    sealed = negotiation({calls: [BOB]}, state=Version.State.SEALED)
    assert sealed.waiting_on(calls) == []


def test_a_need_off_the_table_waits_on_nobody() -> None:
    taken_back, draft = need(1, status=WITHDRAWN), need(2, status=DRAFT)
    loaded = negotiation({taken_back: [BOB], draft: []})
    assert loaded.waiting_on(taken_back) == []
    assert loaded.waiting_on(draft) == []


def test_a_counter_proposal_to_a_need_with_hidden_answers_waits_on_nobody() -> None:
    """bob answered alice's need with a counter-proposal, but carol has not answered it yet:
    nobody else sees bob's answer, so alice is not asked to answer it."""
    calls = need(1)
    counter = need(2, author=BOB, answers=calls)
    needs = {calls: [BOB, CAROL], counter: [ALICE]}
    loaded = negotiation(needs, {calls: {BOB: COUNTER}}, independently=True)

    assert loaded.hidden(calls)
    assert loaded.waiting_on(calls) == [CAROL]
    assert loaded.waiting_on(counter) == []


def test_the_counter_proposal_waits_on_its_addressee_once_the_answers_show() -> None:
    calls = need(1)
    counter = need(2, author=BOB, answers=calls)
    needs = {calls: [BOB, CAROL], counter: [ALICE]}
    everyone = negotiation(needs, {calls: {BOB: COUNTER, CAROL: ACCEPT}}, independently=True)
    at_once = negotiation(needs, {calls: {BOB: COUNTER}})

    assert not everyone.hidden(calls)
    assert everyone.waiting_on(counter) == [ALICE]
    assert at_once.waiting_on(counter) == [ALICE]


def test_every_party_who_has_not_signed_owes_a_signature_once_all_is_decided() -> None:
    calls, quiet = need(1), need(2, author=BOB)
    needs = {calls: [BOB], quiet: [ALICE, CAROL]}
    answered = {calls: {BOB: ACCEPT}, quiet: {ALICE: DECLINE, CAROL: ACCEPT}}
    assert negotiation(needs, answered, signed=[BOB]).to_sign == {ALICE, CAROL}
    assert negotiation(needs, answered, signed=[BOB], left=[CAROL]).to_sign == {ALICE}


def test_nobody_owes_a_signature_while_a_need_is_open() -> None:
    calls, quiet = need(1), need(2, author=BOB)
    needs = {calls: [BOB], quiet: [ALICE, CAROL]}
    assert negotiation(needs, {calls: {BOB: ACCEPT}, quiet: {ALICE: ACCEPT}}).to_sign == set()


def test_nobody_owes_a_signature_while_answers_are_hidden() -> None:
    """bob declined, which decides the need, but carol has not answered: it shows as open."""
    calls = need(1)
    loaded = negotiation({calls: [BOB, CAROL]}, {calls: {BOB: DECLINE}}, independently=True)
    assert loaded.state_of(calls) == NeedState.DECLINED
    assert loaded.to_sign == set()
    assert negotiation({calls: [BOB, CAROL]}, {calls: {BOB: DECLINE}}).to_sign == {
        ALICE,
        BOB,
        CAROL,
    }


def test_nobody_owes_a_signature_with_nothing_on_the_table_or_once_sealed() -> None:
    taken_back, draft = need(1, status=WITHDRAWN), need(2, status=DRAFT)
    assert negotiation({taken_back: [BOB], draft: []}, {taken_back: {BOB: ACCEPT}}).to_sign == set()
    calls = need(3)
    sealed = negotiation({calls: [BOB]}, {calls: {BOB: ACCEPT}}, state=Version.State.SEALED)
    assert sealed.to_sign == set()


# A counter-proposal: whom it is for, and how it counts ------------------------------------


def test_a_counter_proposal_goes_to_the_author_and_everyone_else_the_need_was_for() -> None:
    """Alice's need for Bob and Carol, countered by Carol, goes to Alice and Bob."""
    everyone = {ALICE, BOB, CAROL}
    found = counter_addressees(
        author=ALICE, addressees=[BOB, CAROL], countered_by=CAROL, parties=everyone
    )
    assert found == [ALICE, BOB]


def test_between_two_a_counter_proposal_goes_back_to_the_author() -> None:
    found = counter_addressees(author=ALICE, addressees=[BOB], countered_by=BOB, parties={1, 2})
    assert found == [ALICE]


def test_a_counter_proposal_goes_only_to_current_parties() -> None:
    """Dan, whom the need was also for, has left: it is not put down for him."""
    found = counter_addressees(
        author=ALICE, addressees=[BOB, DAN], countered_by=BOB, parties={ALICE, BOB, CAROL}
    )
    assert found == [ALICE]


def test_a_need_not_for_everyone_keeps_its_counter_proposal_among_them() -> None:
    """Alice's need for Bob alone: Carol is not asked about Bob's counter-proposal."""
    found = counter_addressees(
        author=ALICE, addressees=[BOB], countered_by=BOB, parties={ALICE, BOB, CAROL}
    )
    assert found == [ALICE]


def test_an_answer_stands_as_what_it_says() -> None:
    assert stands_as(ACCEPT, None, negotiating=True) == NeedState.AGREED
    assert stands_as(DECLINE, None, negotiating=True) == NeedState.DECLINED
    assert stands_as(None, None, negotiating=True) == NeedState.OPEN
    assert stands_as(None, None, negotiating=False) == NeedState.OPEN


def test_a_counter_proposal_is_a_conversation_not_a_no() -> None:
    assert stands_as(COUNTER, NeedState.OPEN, negotiating=True) == NeedState.COUNTERED
    assert stands_as(COUNTER, NeedState.DECLINED, negotiating=True) == NeedState.COUNTERED
    assert stands_as(COUNTER, None, negotiating=True) == NeedState.COUNTERED  # withdrawn


def test_a_need_answered_by_a_counter_proposal_then_agreed_counts_as_agreed() -> None:
    assert stands_as(COUNTER, NeedState.AGREED, negotiating=True) == NeedState.AGREED
    assert stands_as(COUNTER, NeedState.AGREED, negotiating=False) == NeedState.AGREED


def test_once_sealed_a_conversation_without_agreement_was_not_picked_up() -> None:
    assert stands_as(COUNTER, NeedState.DECLINED, negotiating=False) == NeedState.DECLINED
    assert stands_as(COUNTER, None, negotiating=False) == NeedState.DECLINED


def test_a_countered_need_is_settled_by_a_counter_proposal_agreed() -> None:
    assert settled_by_counter(NeedState.COUNTERED, [NeedState.AGREED])
    assert settled_by_counter(NeedState.COUNTERED, [NeedState.DECLINED, NeedState.AGREED])
    assert not settled_by_counter(NeedState.COUNTERED, [NeedState.DECLINED])
    assert not settled_by_counter(NeedState.COUNTERED, [])
    assert not settled_by_counter(NeedState.DECLINED, [NeedState.AGREED])
