"""How the latest answers to a need decide its state (no database)."""

from agreements.models import NeedState
from agreements.rules import decide

ACCEPT, DECLINE, COUNTER = "accept", "decline", "counter"
BOB, CAROL, DAN = 2, 3, 4


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
