"""Two people acting at the same moment are applied one after the other (PostgreSQL row locks).

Each race runs two threads, each on its own database connection, released together by a
barrier, and is repeated to give a lost update every chance to show. The transactions really
commit, so people join directly rather than through an emailed invitation.
"""

import threading
from collections.abc import Callable, Iterable
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from agreements import services
from agreements.loader import load
from agreements.models import Agreement, Event, Need, Participant, Response, Version, Wait
from agreements.rules import decide
from agreements.services import NegotiationError
from tests.agreements.factories import join_directly, open_version, put_down, reload
from tests.conftest import require

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 10


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    require(connection.vendor == "postgresql", "races need PostgreSQL's row locks")


def new_agreement(creator: User, *others: User) -> Agreement:
    agreement = services.agreement_create(creator=creator, title="Our home")
    for user in others:
        join_directly(agreement, user)
    return agreement


def race(*actions: Callable[[], object]) -> list[BaseException | None]:
    """Run the actions at the same moment, one thread (and connection) each; what each raised."""
    barrier = threading.Barrier(len(actions))
    raised: list[BaseException | None] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so both start on the barrier
            barrier.wait(timeout=10)
            action()
        except BaseException as error:  # reported to the test, which asserts on it
            raised[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return raised


def stored_state_is_derived(need: Need) -> bool:
    need = reload(need)
    addressees = set(need.addressees.values_list("pk", flat=True))
    latest = {party: r.answer for party, r in services.latest_answers(need).items()}
    return need.state == decide(addressees, latest)


def test_two_people_answering_the_same_need_at_once_both_count(
    alice: User, bob: User, carol: User
) -> None:
    for round_ in range(ROUNDS):
        agreement = new_agreement(alice, bob, carol)
        need = put_down(open_version(agreement), alice, f"Round {round_}.")

        raised = race(
            partial(services.need_respond, need=need, party=bob, answer="accept"),
            partial(services.need_respond, need=need, party=carol, answer="accept"),
        )

        assert raised == [None, None]
        answers = Response.objects.filter(need=need)
        assert sorted(answers.values_list("party_id", flat=True)) == sorted([bob.pk, carol.pk])
        # Had one answer been computed without seeing the other, the need would still be open.
        assert reload(need).state == "agreed"
        assert stored_state_is_derived(need)
        assert agreement.events.filter(kind="accepted").count() == 2


def test_an_accept_and_a_decline_at_once_decline_the_need(
    alice: User, bob: User, carol: User
) -> None:
    for round_ in range(ROUNDS):
        agreement = new_agreement(alice, bob, carol)
        need = put_down(open_version(agreement), alice, f"Round {round_}.")

        raised = race(
            partial(services.need_respond, need=need, party=bob, answer="accept"),
            partial(services.need_respond, need=need, party=carol, answer="decline"),
        )

        assert raised == [None, None]
        assert Response.objects.filter(need=need).count() == 2
        assert reload(need).state == "declined"
        assert stored_state_is_derived(need)


def test_two_last_signatures_at_once_seal_the_version_exactly_once(
    alice: User, bob: User, carol: User
) -> None:
    for round_ in range(ROUNDS):
        agreement = new_agreement(alice, bob, carol)
        version = open_version(agreement)
        need = put_down(version, alice, f"Round {round_}.")
        services.need_respond(need=need, party=bob, answer="accept")
        services.need_respond(need=need, party=carol, answer="accept")
        services.version_sign(version=version, party=alice)

        raised = race(
            partial(services.version_sign, version=version, party=bob),
            partial(services.version_sign, version=version, party=carol),
        )

        assert raised == [None, None]
        version.refresh_from_db()
        assert version.state == Version.State.SEALED
        assert version.signatures.count() == 3
        assert agreement.events.filter(kind=Event.Kind.SEALED).count() == 1


def test_a_decline_while_the_author_rewords_is_applied_to_one_wording(
    alice: User, bob: User, carol: User
) -> None:
    for round_ in range(ROUNDS):
        agreement = new_agreement(alice, bob)
        need = put_down(open_version(agreement), alice, f"Round {round_}.")

        raised = race(
            partial(services.need_respond, need=need, party=bob, answer="decline"),
            partial(services.need_edit, need=need, actor=alice, statement="Reworded."),
        )

        assert raised == [None, None]
        need = reload(need)
        assert (need.statement, need.revision) == ("Reworded.", 2)
        decline = Response.objects.get(need=need, party=bob)
        if decline.revision == 1:  # declined first: the rewording set it aside
            assert need.state == "open"
            reset_for = [bob.pk]
        else:  # reworded first: the decline answers the new words
            assert decline.revision == 2
            assert need.state == "declined"
            reset_for = []
        assert stored_state_is_derived(need)
        reworded = agreement.events.get(kind=Event.Kind.REWORDED)
        assert reworded.data["answers_reset_for"] == reset_for


def settled(agreement: Agreement) -> bool:
    """Who waits on whom, as stored, is what the rules work out now."""

    def keys(waits: Iterable[Wait]) -> list[tuple[object, ...]]:
        return sorted(((w.user_id, w.email, w.reason, w.subject) for w in waits), key=repr)

    fresh = services.derived_waits(load(agreement), timezone.now())
    return keys(Wait.objects.filter(agreement=agreement)) == keys(fresh)


def test_an_answer_and_an_invitation_at_once_both_land(alice: User, bob: User) -> None:
    # One holds the version and records its event; the other holds the agreement and then
    # settles under the version: neither may wait for the other in a circle.
    for round_ in range(ROUNDS):
        agreement = new_agreement(alice, bob)
        need = put_down(open_version(agreement), alice, f"Round {round_}.")

        raised = race(
            partial(services.need_respond, need=need, party=bob, answer="accept"),
            partial(
                services.invitation_create,
                agreement=agreement,
                inviter=alice,
                email=f"friend{round_}@example.com",
            ),
        )

        assert raised == [None, None]
        assert reload(need).state == "agreed"
        assert agreement.invitations.count() == 1
        assert settled(agreement)


def test_a_party_leaving_while_another_agrees_to_a_facilitator(
    alice: User, bob: User, carol: User
) -> None:
    # Leaving settles the facilitators (their places locked after the version); agreeing to
    # one locks the version before the facilitator's place too, so they cannot deadlock.
    for _ in range(ROUNDS):
        agreement = new_agreement(alice, bob)
        facilitator = Participant.objects.create(
            agreement=agreement, user=carol, role=Participant.Role.FACILITATOR
        )

        raised = race(
            partial(services.facilitator_consent, facilitator=facilitator, party=bob),
            partial(services.agreement_leave, agreement=agreement, user=alice),
        )

        # Agreeing after alice left is still agreeing; nothing else may fail.
        assert all(error is None or isinstance(error, NegotiationError) for error in raised)
        assert not Participant.objects.parties().filter(agreement=agreement, user=alice).exists()
        assert settled(agreement)
