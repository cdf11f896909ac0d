"""Check-ins: who rates what, answers hidden until everyone has checked in or it closes."""

import datetime

import pytest

from accounts.models import User
from agreements.models import Agreement, Need
from agreements.services import NegotiationError
from checkins import services, trust
from checkins.models import CheckIn, Rating, TalkAbout
from notifications.models import Reason, Reminder
from tests.checkins.conftest import OPEN, SEALED, WEEK

pytestmark = pytest.mark.django_db


def rate(
    check_in: CheckIn, party: User, need: Need, keeper: User, verdict: str, **kw: object
) -> None:
    services.check_in_submit(
        check_in=check_in,
        party=party,
        ratings={(need.pk, keeper.pk): (verdict, str(kw.get("note", "")))},
        now=kw.get("now", OPEN),  # type: ignore[arg-type]
    )


def test_each_party_rates_the_commitments_made_to_them(
    check_in: CheckIn, alice: User, bob: User, calls: Need, dishes: Need
) -> None:
    assert [(n.pk, k.pk) for n, k in services.commitments_to(check_in.version, alice)] == [
        (calls.pk, bob.pk)
    ]
    assert [(n.pk, k.pk) for n, k in services.commitments_to(check_in.version, bob)] == [
        (dishes.pk, alice.pk)
    ]


def test_the_first_check_in_opens_one_period_after_the_rhythm_was_chosen(
    agreement: Agreement, alice: User
) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=SEALED)

    assert services.check_ins_open_due(now=SEALED + WEEK - datetime.timedelta(minutes=1)) == 0
    assert services.check_ins_open_due(now=SEALED + WEEK) == 1
    assert services.check_ins_open_due(now=SEALED + WEEK) == 0  # once
    check_in = CheckIn.objects.get()
    assert (check_in.opens_at, check_in.closes_at) == (SEALED + WEEK, SEALED + 2 * WEEK)


def test_answers_stay_hidden_until_everyone_has_checked_in_then_show_together(
    check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need, dishes: Need
) -> None:
    rate(check_in, alice, calls, bob, "partly", note="Twice not.")

    [bob_sees] = services.check_in_views(agreement, bob, OPEN, is_party=True)
    [alice_sees] = services.check_in_views(agreement, alice, OPEN, is_party=True)
    assert not bob_sees.revealed and bob_sees.shown == []
    assert [r.note for r in alice_sees.mine] == ["Twice not."]
    assert [u.name for u in bob_sees.waiting_for] == ["Bob"]
    assert bob_sees.to_rate and not alice_sees.to_rate

    rate(check_in, bob, dishes, alice, "kept")

    [bob_sees] = services.check_in_views(agreement, bob, OPEN, is_party=True)
    assert bob_sees.revealed
    assert sorted((r.rater.name, r.verdict, r.note) for r in bob_sees.shown) == [
        ("Alice", "partly", "Twice not."),
        ("Bob", "kept", ""),
    ]


def test_closing_reveals_what_was_given(
    check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    rate(check_in, alice, calls, bob, "kept")

    [later] = services.check_in_views(agreement, bob, check_in.closes_at, is_party=True)

    assert later.revealed
    assert [r.verdict for r in later.shown] == ["kept"]


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({}, "Say for every commitment"),
        ("wrong keeper", "Say for every commitment"),
        ("maybe", "Choose kept, partly kept or missed"),
        ("long note", "up to 500 characters"),
    ],
)
def test_a_bad_check_in_says_why_and_stores_nothing(
    check_in: CheckIn, alice: User, bob: User, calls: Need, ratings: object, message: str
) -> None:
    given: dict[tuple[int, int], tuple[str, str]] = {}
    if ratings == "wrong keeper":
        given = {(calls.pk, alice.pk): ("kept", "")}
    elif ratings == "maybe":
        given = {(calls.pk, bob.pk): ("maybe", "")}
    elif ratings == "long note":
        given = {(calls.pk, bob.pk): ("kept", "x" * 501)}

    with pytest.raises(NegotiationError, match=message):
        services.check_in_submit(check_in=check_in, party=alice, ratings=given, now=OPEN)

    assert not Rating.objects.exists()


def test_checking_in_twice_has_one_effect_and_after_closing_is_refused(
    check_in: CheckIn, alice: User, bob: User, calls: Need
) -> None:
    rate(check_in, alice, calls, bob, "kept")
    first = check_in.submissions.get()
    second = services.check_in_submit(
        check_in=check_in, party=alice, ratings={(calls.pk, bob.pk): ("missed", "")}, now=OPEN
    )
    assert second == first  # a second click: the first stands, quietly
    with pytest.raises(NegotiationError, match="closed"):
        rate(check_in, bob, calls, bob, "kept", now=check_in.closes_at)
    assert list(Rating.objects.values_list("verdict", flat=True)) == ["kept"]


def test_only_parties_choose_the_rhythm(agreement: Agreement, carol: User) -> None:
    with pytest.raises(NegotiationError):
        services.rhythm_propose(agreement=agreement, party=carol, rhythm="weekly", now=SEALED)


def test_an_open_check_in_reminds_those_who_have_not_checked_in(
    check_in: CheckIn, alice: User, bob: User, calls: Need
) -> None:
    pending = Reminder.objects.pending().filter(reason=Reason.CHECK_IN)
    assert sorted((r.user_id, r.due_at) for r in pending) == sorted(
        [
            (alice.pk, check_in.opens_at),
            (alice.pk, check_in.closes_at - datetime.timedelta(days=1)),
            (bob.pk, check_in.opens_at),
            (bob.pk, check_in.closes_at - datetime.timedelta(days=1)),
        ]
    )

    rate(check_in, alice, calls, bob, "kept")

    assert {r.user_id for r in pending.all()} == {bob.pk}


def test_a_talk_mark_is_made_and_taken_away(agreement: Agreement, alice: User, calls: Need) -> None:
    services.talk_mark(need=calls, party=alice)
    services.talk_mark(need=calls, party=alice)
    assert TalkAbout.objects.filter(need=calls, party=alice).count() == 1
    services.talk_mark(need=calls, party=alice, marked=False)
    assert not TalkAbout.objects.filter(need=calls, party=alice).exists()


def test_the_timeline_counts_partly_kept_as_half(
    check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need, dishes: Need
) -> None:
    rate(check_in, alice, calls, bob, "partly")
    rate(check_in, bob, dishes, alice, "kept")

    points = trust.series(agreement, OPEN)
    assert [(p.percent, p.count) for p in points] == [(75, 2)]
    assert trust.summary(points) == "Over 1 check-in, 75% of commitments were kept."
    assert trust.kept_share(agreement, OPEN) == 75
    assert [p.percent for p in trust.series(agreement, OPEN, need=calls)] == [50]


def test_the_timeline_leaves_out_what_is_still_hidden(
    check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    rate(check_in, alice, calls, bob, "missed")

    assert trust.series(agreement, OPEN) == []
    assert trust.kept_share(agreement, OPEN) is None
