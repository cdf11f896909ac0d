"""`manage.py settle_agreements`: after rows were changed by hand (or a backup restored), every
agreement's stored facts are worked out again from its rows, and a second run changes nothing."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from agreements.models import Agreement, Need, NeedState, Response, Version, Wait
from tests.agreements.factories import AgreementFactory, open_version, put_down, reload
from tests.agreements.helpers import invite, start


def settle(*public_ids: str) -> str:
    out = StringIO()
    # "--" as a person would type it: a public id may begin with a dash.
    call_command("settle_agreements", "--", *public_ids, stdout=out)
    return out.getvalue()


def waits(agreement: Agreement) -> list[tuple[Any, ...]]:
    """Who the agreement waits on, for what, since and until when, as stored."""
    rows = Wait.objects.filter(agreement=agreement).values_list(
        "user_id", "email", "reason", "subject", "since", "until"
    )
    return sorted(rows, key=repr)


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every fact the command may store, row by row."""
    return {
        "waits": list(Wait.objects.order_by("pk").values_list()),
        "needs": list(Need.objects.order_by("pk").values_list("pk", "state", "answers_hidden")),
    }


@pytest.fixture
def need(version: Version, alice: User, bob: User, carol: User) -> Need:
    """alice put a need down for bob and carol; neither has answered."""
    return put_down(version, alice, to=[bob, carol])


def test_it_puts_back_a_wait_deleted_by_hand(agreement: Agreement, need: Need, bob: User) -> None:
    before = waits(agreement)
    Wait.objects.filter(agreement=agreement, user=bob).delete()

    assert settle() == "Settled 1 agreement.\n"

    assert waits(agreement) == before


def test_it_works_out_a_need_answered_straight_in_the_database(
    agreement: Agreement, version: Version, need: Need, alice: User, bob: User, carol: User
) -> None:
    Response.objects.bulk_create(
        Response(need=need, party=party, answer="accept", revision=need.revision)
        for party in (bob, carol)
    )

    settle()

    assert reload(need).state == NeedState.AGREED
    since = need.responses.latest("created_at").created_at  # ready since the last answer
    assert waits(agreement) == sorted(
        [(person.pk, "", "signature", version.pk, since, None) for person in (alice, bob, carol)],
        key=repr,
    )


def test_it_puts_right_a_state_set_wrong_by_hand(need: Need) -> None:
    Need.objects.filter(pk=need.pk).update(state=NeedState.DECLINED)

    settle()

    assert reload(need).state == NeedState.OPEN


def test_it_hides_answers_again_where_the_agreement_keeps_them_hidden(
    alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(open_version(agreement), alice)
    Response.objects.create(need=need, party=bob, answer="decline", revision=need.revision)
    Need.objects.filter(pk=need.pk).update(state=NeedState.OPEN, answers_hidden=False)

    settle()

    # bob declined, but carol has not answered: nobody sees it yet.
    need = reload(need)
    assert (need.state, need.answers_hidden) == (NeedState.DECLINED, True)


def test_running_it_again_changes_nothing(
    agreement: Agreement, need: Need, bob: User, carol: User
) -> None:
    invite(agreement, "dan@example.com")
    Response.objects.create(need=need, party=bob, answer="accept", revision=need.revision)
    Wait.objects.filter(agreement=agreement, email="dan@example.com").delete()
    settle()
    once = stored()

    assert settle() == "Settled 1 agreement.\n"

    assert stored() == once
    assert {row[:4] for row in waits(agreement)} == {
        (
            None,
            "dan@example.com",
            "invitation",
            agreement.invitations.get(email="dan@example.com").pk,
        ),
        (carol.pk, "", "answer", need.pk),
    }


def test_it_settles_only_the_agreements_it_is_given(
    agreement: Agreement, need: Need, alice: User, bob: User
) -> None:
    other = AgreementFactory.create(creator=alice, parties=[bob])
    elsewhere = put_down(open_version(other), alice)
    Need.objects.filter(pk__in=[need.pk, elsewhere.pk]).update(state=NeedState.AGREED)

    assert settle(other.public_id) == "Settled 1 agreement.\n"

    assert reload(elsewhere).state == NeedState.OPEN
    assert reload(need).state == NeedState.AGREED  # not named: left as it was

    assert settle() == "Settled 2 agreements.\n"
    assert reload(need).state == NeedState.OPEN


def test_an_id_that_begins_with_a_dash_is_an_id_not_an_option(
    agreement: Agreement, need: Need
) -> None:
    Agreement.objects.filter(pk=agreement.pk).update(public_id="-BuGHRW41T6b")
    Need.objects.filter(pk=need.pk).update(state=NeedState.AGREED)

    assert settle("-BuGHRW41T6b") == "Settled 1 agreement.\n"

    assert reload(need).state == NeedState.OPEN


def test_an_unknown_id_is_refused_before_anything_is_settled(
    agreement: Agreement, need: Need
) -> None:
    Need.objects.filter(pk=need.pk).update(state=NeedState.AGREED)

    with pytest.raises(CommandError, match="There is no agreement with the id nosuchid."):
        settle(agreement.public_id, "nosuchid")
    with pytest.raises(CommandError, match="There are no agreements with the ids a1, b2."):
        settle("b2", "a1")

    assert reload(need).state == NeedState.AGREED


def test_with_no_agreements_it_says_so(db: None) -> None:
    assert settle() == "Settled 0 agreements.\n"
