"""A button clicked twice, or ten times, at once: each action has one effect, and every click
gets the same page back (never an error page). Run on PostgreSQL and on SQLite alike."""

import pytest
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, Need, Participant, Response
from notifications.models import Reminder
from tests.agreements.factories import join_directly, open_version
from tests.agreements.helpers import need_url, reload, url
from tests.support.races import post_at_once, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

CLICKS = 10


def new_agreement(creator: User, *others: User) -> Agreement:
    agreement = services.agreement_create(creator=creator, title="Our home")
    for user in others:
        join_directly(agreement, user)
    return agreement


def need_for_bob(alice: User, bob: User) -> Need:
    agreement = new_agreement(alice, bob)
    need = services.need_draft(
        version=open_version(agreement), author=alice, statement="Call when you are late."
    )
    return services.need_put_down(need=need, actor=alice)


def test_ten_identical_accepts_at_once_are_one_answer(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    client = signed_in(bob)
    accept = {"answer": "accept", "reason": "Happy to"}

    outcomes = post_at_once([(client, need_url("respond", need), accept)] * CLICKS)

    assert outcomes == [302] * CLICKS
    assert Response.objects.filter(need=need).count() == 1
    assert Event.objects.filter(need=need, kind=Event.Kind.ACCEPTED).count() == 1
    assert reload(need).state == "agreed"


def test_two_identical_counter_proposals_at_once_are_one(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    client = signed_in(bob)
    counter = {"answer": "counter", "statement": "Text me instead.", "reason": ""}

    outcomes = post_at_once([(client, need_url("respond", need), counter)] * 2)

    assert outcomes == [302, 302]
    assert Need.objects.filter(answers=need).count() == 1
    assert Response.objects.filter(need=need).count() == 1
    assert Event.objects.filter(need=need, kind=Event.Kind.COUNTERED).count() == 1


def test_leaving_twice_at_once_leaves_once(alice: User, bob: User) -> None:
    agreement = new_agreement(alice, bob)
    client = signed_in(bob)

    outcomes = post_at_once([(client, url("leave", agreement), {})] * 2)

    assert outcomes == [302, 302]
    assert Participant.objects.get(agreement=agreement, user=bob).left_at is not None
    assert agreement.events.filter(kind=Event.Kind.LEFT).count() == 1


def test_leaving_again_after_leaving_gets_the_same_page(alice: User, bob: User) -> None:
    agreement = new_agreement(alice, bob)
    client = signed_in(bob)

    first = client.post(url("leave", agreement), follow=True)
    # The second of two clicks, arriving once the first is done, finds bob already gone.
    second = client.post(url("leave", agreement), follow=True)

    assert first.redirect_chain == second.redirect_chain == [(reverse("home"), 302)]
    assert "You have left" in second.content.decode()
    assert agreement.events.filter(kind=Event.Kind.LEFT).count() == 1


def test_leaving_an_agreement_never_joined_is_not_found(alice: User, bob: User) -> None:
    agreement = new_agreement(alice)
    client = signed_in(bob)

    assert client.get(url("leave", agreement)).status_code == 404
    assert client.post(url("leave", agreement)).status_code == 404


def test_answering_again_the_same_way_records_nothing_new(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    first = services.need_respond(need=need, party=bob, answer="decline", reason="Not now")
    reminders = sorted(Reminder.objects.values_list("pk", "due_at", "send_after", "dropped"))

    again = services.need_respond(need=need, party=bob, answer="decline", reason="Not now")

    assert again == first
    assert Response.objects.filter(need=need).count() == 1
    assert Event.objects.filter(need=need, kind=Event.Kind.DECLINED).count() == 1
    assert (
        sorted(Reminder.objects.values_list("pk", "due_at", "send_after", "dropped")) == reminders
    )


def test_a_changed_mind_or_reason_is_still_recorded(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    services.need_respond(need=need, party=bob, answer="decline", reason="Not now")
    services.need_respond(need=need, party=bob, answer="decline", reason="Not this month")
    services.need_respond(need=need, party=bob, answer="accept", reason="Not this month")

    assert Response.objects.filter(need=need).count() == 3
    assert reload(need).state == "agreed"


def test_a_second_counter_proposal_waits_for_the_first(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    services.need_respond(
        need=need, party=bob, answer="counter", counter_statement="Text me instead."
    )

    with pytest.raises(services.NegotiationError, match="already on the table"):
        services.need_respond(
            need=need, party=bob, answer="counter", counter_statement="Call me at noon."
        )

    assert Need.objects.filter(answers=need).count() == 1
    assert Response.objects.filter(need=need).count() == 1


def test_a_new_counter_proposal_once_the_first_is_withdrawn(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    first = services.need_respond(
        need=need, party=bob, answer="counter", counter_statement="Text me instead."
    ).counter
    assert first is not None
    services.need_withdraw(need=first, actor=bob)

    services.need_respond(
        need=need, party=bob, answer="counter", counter_statement="Call me at noon."
    )

    assert Need.objects.filter(answers=need).count() == 2


def test_the_page_says_kindly_that_a_counter_proposal_is_waiting(alice: User, bob: User) -> None:
    need = need_for_bob(alice, bob)
    client = signed_in(bob)
    path = need_url("respond", need)
    client.post(path, {"answer": "counter", "statement": "Text me instead."})

    page = client.post(path, {"answer": "counter", "statement": "Call me."}, follow=True)

    assert page.status_code == 200
    assert "Your counter-proposal is already on the table" in page.text
    assert reverse("agreements:detail", args=[need.version.agreement.public_id]) in str(
        page.redirect_chain
    )
