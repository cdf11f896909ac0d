"""The negotiation rules: one test per rule and per refusal.

Most tests start from `agreement`: alice started it, bob and carol joined through invitations.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from agreements import services
from agreements.models import (
    Agreement,
    Comment,
    Event,
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    Signature,
    Version,
)
from agreements.services import NegotiationError
from tests.accounts.factories import UserFactory
from tests.agreements import helpers
from tests.agreements.factories import (
    AgreementFactory,
    answer,
    join,
    open_version,
    put_down,
    reload,
    seal,
)

pytestmark = pytest.mark.django_db

CLOSED = "Version 1 is closed; it can no longer change."


def kinds(agreement: Agreement, since: int = 0) -> list[str]:
    """The kinds of the agreement's events after the first `since`, oldest first."""
    return list(agreement.events.order_by("pk").values_list("kind", flat=True))[since:]


def invite(agreement: Agreement, email: str, now: datetime.datetime) -> Invitation:
    assert agreement.created_by is not None
    return services.invitation_create(
        agreement=agreement, inviter=agreement.created_by, email=email, now=now
    )


@pytest.fixture
def dan(db: None) -> User:
    """Someone who is not part of the agreement."""
    return UserFactory.create(email="dan@example.com", display_name="Dan")


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


# Starting an agreement ---------------------------------------------------------------------


def test_create_opens_version_1_in_negotiation(alice: User) -> None:
    agreement = services.agreement_create(creator=alice, title="  Our home  ")
    assert agreement.title == "Our home"
    version = agreement.versions.get()
    assert (version.number, version.state, version.opened_by) == (1, "negotiating", alice)


def test_create_makes_the_creator_a_party(alice: User) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    participant = agreement.participants.get()
    assert participant.user == alice
    assert participant.is_party


def test_create_records_a_created_event(alice: User) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    event = agreement.events.get()
    assert (event.kind, event.actor, event.version) == ("created", alice, agreement.versions.get())


def test_create_refuses_an_empty_title_and_stores_nothing(alice: User) -> None:
    with pytest.raises(NegotiationError, match="The title cannot be empty."):
        services.agreement_create(creator=alice, title="   ")
    assert not Agreement.objects.exists()
    assert not Event.objects.exists()


# Invitations -------------------------------------------------------------------------------


def test_invite_records_an_invited_event_and_emails_after_commit(
    alice: User,
    now: datetime.datetime,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(agreement, " bob@example.com ", now)
    assert invitation.email == "bob@example.com"
    assert invitation.expires_at == now + datetime.timedelta(days=14)
    assert kinds(agreement) == ["created", "invited"]
    assert agreement.events.get(kind="invited").data == {"email": "bob@example.com"}
    # The live update and the email, both only once the invitation is committed.
    assert len(callbacks) == 2


def test_an_invitation_link_works_once(
    alice: User, bob: User, carol: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    token = services.invitation_token(invite(agreement, "bob@example.com", now))
    services.invitation_accept(token=token, user=bob, now=now)
    with pytest.raises(NegotiationError, match="This invitation has already been used."):
        services.invitation_accept(token=token, user=carol, now=now)
    assert not agreement.participants.filter(user=carol).exists()


def test_an_invitation_expires_after_14_days(
    alice: User, bob: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    token = services.invitation_token(invite(agreement, "bob@example.com", now))
    later = now + datetime.timedelta(days=14)
    with pytest.raises(NegotiationError, match="This invitation has expired. Ask for a new one."):
        services.invitation_accept(token=token, user=bob, now=later)
    assert not agreement.participants.filter(user=bob).exists()
    # A moment earlier it still worked.
    just_before = later - datetime.timedelta(seconds=1)
    assert services.invitation_accept(token=token, user=bob, now=just_before).user == bob


def test_a_revoked_invitation_is_refused(alice: User, bob: User, now: datetime.datetime) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "bob@example.com", now)
    services.invitation_revoke(invitation=invitation, actor=alice, now=now)
    with pytest.raises(NegotiationError, match="This invitation was withdrawn."):
        services.invitation_accept(token=services.invitation_token(invitation), user=bob, now=now)
    assert kinds(agreement) == ["created", "invited", "invitation_revoked"]
    assert not agreement.participants.filter(user=bob).exists()


def test_a_resent_link_invalidates_the_old_one(
    alice: User, bob: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "bob@example.com", now)
    old_token = services.invitation_token(invitation)
    later = now + datetime.timedelta(days=20)
    resent = services.invitation_resend(invitation=invitation, actor=alice, now=later)
    assert resent.expires_at == later + datetime.timedelta(days=14)
    with pytest.raises(NegotiationError, match="no longer valid; a newer one may have been sent"):
        services.invitation_accept(token=old_token, user=bob, now=later)
    new_token = services.invitation_token(resent)
    assert services.invitation_accept(token=new_token, user=bob, now=later).user == bob
    assert kinds(agreement) == ["created", "invited", "invitation_resent", "joined"]


def test_invitation_links_fit_their_column(alice: User, now: datetime.datetime) -> None:
    """PostgreSQL refuses a nonce longer than the column; SQLite would quietly store it."""
    limit = Invitation._meta.get_field("nonce").max_length
    assert limit is not None
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "bob@example.com", now)
    first = invitation.nonce
    assert len(first) <= limit
    resent = services.invitation_resend(invitation=invitation, actor=alice, now=now)
    assert len(resent.nonce) <= limit
    assert resent.nonce != first


def test_a_tampered_token_is_refused(alice: User, bob: User, now: datetime.datetime) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "bob@example.com", now)
    token = services.invitation_token(invitation)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = signing.dumps([invitation.pk, invitation.nonce], salt="something else")
    for bad in [tampered, forged, "not-a-token", ""]:
        with pytest.raises(NegotiationError) as refused:
            services.invitation_accept(token=bad, user=bob, now=now)
        assert refused.value.message == "This invitation link is not valid."
    assert not agreement.participants.filter(user=bob).exists()


def test_accepting_an_invitation_makes_a_party(
    alice: User, bob: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "bob@example.com", now)
    participant = services.invitation_accept(
        token=services.invitation_token(invitation), user=bob, now=now
    )
    assert participant.is_party
    assert participant.joined_at == now
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (now, bob)
    joined = agreement.events.get(kind="joined")
    assert (joined.actor, joined.version) == (bob, open_version(agreement))


def test_accepting_a_facilitator_invitation_makes_a_facilitator(
    alice: User, carol: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email=carol.email, role="facilitator", now=now
    )
    participant = services.invitation_accept(
        token=services.invitation_token(invitation), user=carol, now=now
    )
    assert participant.role == "facilitator"
    assert not participant.is_party


def test_accepting_when_already_a_participant_is_refused(
    alice: User, now: datetime.datetime
) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invitation = invite(agreement, "someone@example.com", now)
    # Her second address: the invitation is hers to use, and she is in already.
    EmailAddress.objects.create(user=alice, email="someone@example.com", verified=True)
    with pytest.raises(NegotiationError, match="You are already part of this agreement."):
        services.invitation_accept(token=services.invitation_token(invitation), user=alice, now=now)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert kinds(agreement) == ["created", "invited"]


def test_inviting_someone_already_in_the_agreement_is_refused(agreement: Agreement) -> None:
    with pytest.raises(NegotiationError, match="BOB@example.com is already part of this"):
        invite(agreement, "BOB@example.com", timezone.now())


def test_inviting_someone_twice_is_refused(alice: User, now: datetime.datetime) -> None:
    agreement = services.agreement_create(creator=alice, title="Our home")
    invite(agreement, "bob@example.com", now)
    with pytest.raises(NegotiationError, match="already invited. You can resend"):
        invite(agreement, "Bob@example.com", now)
    assert agreement.invitations.count() == 1


def test_only_parties_can_invite(agreement: Agreement, dan: User) -> None:
    with pytest.raises(NegotiationError, match="Only the parties to this agreement can do that."):
        services.invitation_create(agreement=agreement, inviter=dan, email="eve@example.com")
    assert not agreement.invitations.filter(email="eve@example.com").exists()


# Drafts ------------------------------------------------------------------------------------


def test_a_draft_is_only_its_authors(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    before = kinds(agreement)
    draft = services.need_draft(version=version, author=alice, statement="Call me on Sundays.")
    assert draft.status == "draft"
    assert kinds(agreement) == before  # nobody is told about a draft
    with pytest.raises(NegotiationError, match="Only your own drafts can be put down."):
        services.need_put_down(need=draft, actor=bob)
    with pytest.raises(NegotiationError, match="This need cannot be changed."):
        services.need_edit(need=draft, actor=bob, statement="Call me never.")
    with pytest.raises(NegotiationError, match="Only your own drafts can be deleted."):
        services.need_delete_draft(need=draft, actor=bob)
    with pytest.raises(NegotiationError, match="This need is no longer on the table."):
        services.need_respond(need=draft, party=bob, answer="accept")
    with pytest.raises(NegotiationError, match="Comments are for needs that are on the table."):
        services.need_comment(need=draft, author=bob, body="What is this?")
    assert reload(draft).statement == "Call me on Sundays."
    assert reload(draft).status == "draft"


def test_only_parties_can_draft(version: Version, dan: User) -> None:
    with pytest.raises(NegotiationError, match="Only the parties to this agreement can do that."):
        services.need_draft(version=version, author=dan, statement="Let me in.")
    assert not Need.objects.exists()


def test_the_author_edits_a_draft(agreement: Agreement, version: Version, alice: User) -> None:
    draft = services.need_draft(version=version, author=alice, statement="Call me.")
    before = kinds(agreement)
    services.need_edit(
        need=draft,
        actor=alice,
        statement="Call me on Sundays.",
        looks_like="Before dinner.",
        category="time_together",
    )
    draft = reload(draft)
    assert (draft.statement, draft.looks_like, draft.category) == (
        "Call me on Sundays.",
        "Before dinner.",
        "time_together",
    )
    assert (draft.status, draft.revision) == ("draft", 1)
    assert kinds(agreement) == before


def test_the_author_deletes_a_draft(version: Version, alice: User) -> None:
    draft = services.need_draft(version=version, author=alice, statement="Call me.")
    services.need_delete_draft(need=draft, actor=alice)
    assert not Need.objects.exists()


# Text limits -------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", ["", "   ", "x" * 501], ids=["empty", "blank", "501 chars"])
def test_a_statement_must_have_1_to_500_characters(
    version: Version, alice: User, statement: str
) -> None:
    with pytest.raises(
        NegotiationError, match=r"What you need (cannot be empty|can be at most 500)"
    ):
        services.need_draft(version=version, author=alice, statement=statement)
    assert not Need.objects.exists()


def test_a_501_character_statement_says_how_long_it_is(version: Version, alice: User) -> None:
    with pytest.raises(NegotiationError) as refused:
        services.need_draft(version=version, author=alice, statement="x" * 501)
    assert refused.value.message == "What you need can be at most 500 characters (it has 501)."


def test_a_500_character_statement_is_fine(version: Version, alice: User) -> None:
    need = services.need_draft(version=version, author=alice, statement="x" * 500)
    assert len(reload(need).statement) == 500


def test_rewording_to_an_empty_or_too_long_statement_changes_nothing(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, "Call me on Sundays.")
    answer(need, bob, "accept")
    before = kinds(agreement)
    for statement in ["", "x" * 501]:
        with pytest.raises(NegotiationError, match="What you need"):
            services.need_edit(need=need, actor=alice, statement=statement)
    need = reload(need)
    assert (need.statement, need.revision) == ("Call me on Sundays.", 1)
    assert kinds(agreement) == before


def test_a_counter_proposal_needs_a_statement(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    before = Need.objects.count()
    for statement in ["", "x" * 501]:
        with pytest.raises(NegotiationError, match="What you need"):
            answer(need, bob, "counter", counter_statement=statement)
    assert Need.objects.count() == before
    assert not Response.objects.exists()
    assert reload(need).state == "open"


def test_a_reason_longer_than_500_characters_is_refused(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    with pytest.raises(NegotiationError, match="The reason can be at most 500 characters"):
        answer(need, bob, "decline", reason="x" * 501)
    assert not Response.objects.exists()


# Putting a need down -----------------------------------------------------------------------


def test_put_down_addresses_all_other_parties_by_default(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    assert (need.status, need.state) == ("put_down", "open")
    assert need.put_down_at is not None
    assert set(need.addressees.all()) == {bob, carol}
    assert kinds(agreement)[-1] == "put_down"
    assert agreement.events.get(kind="put_down").need == need


def test_put_down_for_some_of_the_parties(
    agreement: Agreement, version: Version, alice: User, carol: User
) -> None:
    need = put_down(version, alice, to=[carol])
    assert list(need.addressees.all()) == [carol]


def test_put_down_does_not_address_people_who_left(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    services.agreement_leave(agreement=agreement, user=carol)
    need = put_down(version, alice)
    assert list(need.addressees.all()) == [bob]


def test_put_down_refuses_people_who_are_not_other_parties(
    version: Version, alice: User, bob: User, dan: User
) -> None:
    draft = services.need_draft(version=version, author=alice, statement="Call me.")
    for wrong in [[bob, dan], [alice], [alice, bob]]:
        with pytest.raises(NegotiationError, match="only be put down for the other parties"):
            services.need_put_down(need=draft, actor=alice, addressee_ids=[u.pk for u in wrong])
    assert reload(draft).status == "draft"
    assert not reload(draft).addressees.exists()


def test_put_down_refuses_an_empty_choice(version: Version, alice: User) -> None:
    draft = services.need_draft(version=version, author=alice, statement="Call me.")
    with pytest.raises(NegotiationError, match="Choose at least one person"):
        services.need_put_down(need=draft, actor=alice, addressee_ids=[])
    assert reload(draft).status == "draft"


def test_put_down_refuses_when_nobody_else_joined(alice: User) -> None:
    agreement = services.agreement_create(creator=alice, title="Just me")
    draft = services.need_draft(version=open_version(agreement), author=alice, statement="Hi.")
    with pytest.raises(NegotiationError, match="Nobody else has joined yet"):
        services.need_put_down(need=draft, actor=alice)
    assert reload(draft).status == "draft"
    assert kinds(agreement) == ["created"]


def test_a_need_cannot_be_put_down_twice(
    agreement: Agreement, version: Version, alice: User
) -> None:
    need = put_down(version, alice)
    with pytest.raises(NegotiationError, match="Only your own drafts can be put down."):
        services.need_put_down(need=need, actor=alice)
    assert kinds(agreement).count("put_down") == 1


# Withdrawing -------------------------------------------------------------------------------


def test_the_author_withdraws_an_open_need(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    services.need_withdraw(need=need, actor=alice)
    assert reload(need).status == "withdrawn"
    assert kinds(agreement)[-1] == "withdrawn"
    with pytest.raises(NegotiationError, match="This need is no longer on the table."):
        answer(need, bob, "accept")


def test_only_the_author_can_withdraw(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    with pytest.raises(NegotiationError, match="Only the person who put a need down can withdraw"):
        services.need_withdraw(need=need, actor=bob)
    assert reload(need).status == "put_down"
    assert "withdrawn" not in kinds(agreement)


def test_a_decided_need_cannot_be_withdrawn(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    answer(need, bob, "decline")
    with pytest.raises(NegotiationError) as refused:
        services.need_withdraw(need=need, actor=alice)
    assert refused.value.message == (
        "This need has been decided (Declined), so it can no longer be withdrawn."
    )
    assert reload(need).status == "put_down"


def test_a_withdrawn_need_cannot_be_withdrawn_again(version: Version, alice: User) -> None:
    need = put_down(version, alice)
    services.need_withdraw(need=need, actor=alice)
    with pytest.raises(NegotiationError, match="Only the person who put a need down"):
        services.need_withdraw(need=need, actor=alice)


# Answering ---------------------------------------------------------------------------------


def test_picking_up_a_need_agrees_it_once_everyone_has(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    response = answer(need, bob, "accept")
    assert (response.party, response.answer, response.revision) == (bob, "accept", 1)
    assert reload(need).state == "open"  # carol has not answered
    answer(need, carol, "accept")
    assert reload(need).state == "agreed"
    assert kinds(agreement)[-2:] == ["accepted", "accepted"]


def test_declining_with_a_reason_declines_the_need(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, carol, "accept")
    response = answer(need, bob, "decline", reason="  Not every Sunday.  ")
    assert response.reason == "Not every Sunday."
    assert reload(need).state == "declined"
    event = agreement.events.order_by("pk").last()
    assert event is not None
    assert (event.kind, event.actor, event.need) == ("declined", bob, need)


def test_one_decline_among_several_addressees_declines_it(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "decline")
    answer(need, carol, "accept")
    assert reload(need).state == "declined"


def test_a_decline_wins_over_a_counter_proposal(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "counter", counter_statement="Every other Sunday.")
    assert reload(need).state == "countered"
    answer(need, carol, "decline")
    assert reload(need).state == "declined"


def test_a_counter_proposal_is_a_new_need_for_the_author_and_everyone_else_it_was_for(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice, "Call me every Sunday.")
    response = answer(
        need,
        bob,
        "counter",
        reason="Sundays are busy.",
        counter_statement="Call me every other Sunday.",
        counter_looks_like="Before dinner.",
    )
    counter = response.counter
    assert counter is not None
    assert (counter.author, counter.statement, counter.looks_like) == (
        bob,
        "Call me every other Sunday.",
        "Before dinner.",
    )
    assert (counter.status, counter.state, counter.version) == ("put_down", "open", version)
    assert counter.answers == need
    assert set(need.addressees.all()) == {bob, carol}
    assert set(counter.addressees.all()) == {alice, carol}
    assert reload(need).state == "countered"
    assert list(need.counter_proposals.all()) == [counter]
    event = agreement.events.get(kind="countered")
    assert (event.actor, event.need, event.data) == (bob, need, {"counter": counter.pk})
    # The author, and Carol whom the need was also for, answer it like any other need.
    answer(counter, alice, "accept")
    assert reload(counter).state == "open"
    answer(counter, carol, "accept")
    assert reload(counter).state == "agreed"
    with pytest.raises(NegotiationError, match="not addressed to you"):
        answer(counter, bob, "accept")


def test_a_party_can_change_their_answer(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    answer(need, bob, "decline")
    answer(need, bob, "accept")
    assert reload(need).state == "agreed"
    # Both answers stay in the record; the latest one counts.
    assert list(need.responses.values_list("answer", flat=True)) == ["decline", "accept"]
    assert kinds(agreement)[-2:] == ["declined", "accepted"]
    assert services.latest_answers(need)[bob.pk].answer == "accept"


def test_changing_an_agreed_answer_to_decline_declines_it(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "accept")
    answer(need, carol, "accept")
    answer(need, carol, "decline")
    assert reload(need).state == "declined"


def test_answering_a_need_not_addressed_to_you_is_refused(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice, to=[bob])
    before = kinds(agreement)
    for who in [carol, alice]:
        with pytest.raises(NegotiationError) as refused:
            answer(need, who, "accept")
        assert (
            refused.value.message == "This need is not addressed to you, so you cannot answer it."
        )
    assert not need.responses.exists()
    assert reload(need).state == "open"
    assert kinds(agreement) == before


def test_an_unknown_answer_is_refused(version: Version, alice: User, bob: User) -> None:
    need = put_down(version, alice)
    with pytest.raises(
        NegotiationError, match="Choose “Pick it up”, “Decline” or “Counter-propose”."
    ):
        answer(need, bob, "maybe")
    assert not need.responses.exists()


# Rewording ---------------------------------------------------------------------------------


def test_rewording_a_put_down_need_resets_its_answers(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice, "Call me every Sunday.")
    answer(need, bob, "accept")
    answer(need, carol, "decline")
    assert reload(need).state == "declined"
    services.need_edit(need=need, actor=alice, statement="Call me most Sundays.")
    need = reload(need)
    assert (need.statement, need.revision, need.state) == ("Call me most Sundays.", 2, "open")
    assert need.responses.count() == 2  # the old answers stay in the record
    assert services.latest_answers(need) == {}
    event = agreement.events.get(kind="reworded")
    assert (event.actor, event.need) == (alice, need)
    assert event.data == {
        "old": {"statement": "Call me every Sunday.", "looks_like": ""},
        "answers_reset_for": sorted([bob.pk, carol.pk]),
    }


def test_answers_to_the_new_wording_decide_a_reworded_need(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice, "Call me every Sunday.")
    answer(need, carol, "decline")
    services.need_edit(need=need, actor=alice, statement="Call me most Sundays.")
    answer(need, bob, "accept")
    assert reload(need).state == "open"  # carol's decline was to the old words
    answer(need, carol, "accept")
    assert reload(need).state == "agreed"
    assert Response.objects.get(need=need, party=bob).revision == 2


def test_only_the_author_can_reword_a_need(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, "Call me every Sunday.")
    with pytest.raises(NegotiationError, match="Only the person who put this need down can reword"):
        services.need_edit(need=need, actor=bob, statement="Never call me.")
    assert reload(need).statement == "Call me every Sunday."
    assert "reworded" not in kinds(agreement)


def test_saving_the_same_words_keeps_the_answers(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, "Call me every Sunday.", to=[bob])
    answer(need, bob, "accept")
    services.need_edit(need=need, actor=alice, statement=" Call me every Sunday. ")
    need = reload(need)
    assert (need.revision, need.state) == (1, "agreed")
    assert "reworded" not in kinds(agreement)


def test_a_withdrawn_need_cannot_be_reworded(version: Version, alice: User) -> None:
    need = put_down(version, alice, "Call me.")
    services.need_withdraw(need=need, actor=alice)
    with pytest.raises(NegotiationError, match="This need cannot be changed."):
        services.need_edit(need=need, actor=alice, statement="Call me now.")
    assert reload(need).statement == "Call me."


# Comments ----------------------------------------------------------------------------------


def test_any_party_comments_on_a_need_on_the_table(
    agreement: Agreement, version: Version, alice: User, carol: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    comment = services.need_comment(need=need, author=carol, body="  Good idea.  ")
    assert (comment.need, comment.author, comment.body) == (need, carol, "Good idea.")
    event = agreement.events.order_by("pk").last()
    assert event is not None
    assert (event.kind, event.actor, event.need) == ("commented", carol, need)


def test_a_comment_cannot_be_empty_or_too_long(version: Version, alice: User, bob: User) -> None:
    need = put_down(version, alice)
    with pytest.raises(NegotiationError, match="The comment cannot be empty."):
        services.need_comment(need=need, author=bob, body="  ")
    with pytest.raises(NegotiationError, match="The comment can be at most 2000 characters"):
        services.need_comment(need=need, author=bob, body="x" * 2001)
    assert not Comment.objects.exists()


def test_only_parties_can_comment(version: Version, alice: User, dan: User) -> None:
    need = put_down(version, alice)
    with pytest.raises(NegotiationError, match="Only the parties and their facilitator can"):
        services.need_comment(need=need, author=dan, body="Hello.")
    assert not Comment.objects.exists()


# Signing and sealing -----------------------------------------------------------------------


def test_signing_is_refused_while_a_need_is_open(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    agreed = put_down(version, alice, "Agreed.", to=[bob])
    answer(agreed, bob, "accept")
    put_down(version, bob, "Still open.", to=[carol])
    with pytest.raises(NegotiationError, match="Every need must be answered before"):
        services.version_sign(version=version, party=alice)
    assert not Signature.objects.exists()
    assert "signed" not in kinds(agreement)


def test_signing_is_refused_with_nothing_put_down(version: Version, alice: User) -> None:
    services.need_draft(version=version, author=alice, statement="Only a draft.")
    with pytest.raises(NegotiationError, match="There is nothing to sign yet"):
        services.version_sign(version=version, party=alice)
    assert not Signature.objects.exists()


def test_only_parties_can_sign(version: Version, alice: User, bob: User, dan: User) -> None:
    answer(put_down(version, alice, to=[bob]), bob, "accept")
    with pytest.raises(NegotiationError, match="Only the parties to this agreement can do that."):
        services.version_sign(version=version, party=dan)
    assert not Signature.objects.exists()


def test_the_version_is_sealed_once_every_party_signed(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    answer(put_down(version, alice, to=[bob]), bob, "accept")
    declined = put_down(version, bob, to=[carol])
    answer(declined, carol, "decline")  # declined is decided: it does not hold up signing
    signed_at = timezone.now()
    for party in [alice, bob]:
        assert services.version_sign(version=version, party=party, now=signed_at).is_open
    sealed = services.version_sign(version=version, party=carol, now=signed_at)
    version.refresh_from_db()
    assert (sealed.state, version.state, version.sealed_at) == ("sealed", "sealed", signed_at)
    assert set(version.signatures.values_list("party", flat=True)) == {alice.pk, bob.pk, carol.pk}
    assert kinds(agreement)[-4:] == ["signed", "signed", "signed", "sealed"]
    assert agreement.events.get(kind="sealed").actor is None


def test_signing_twice_does_not_seal_without_the_others(
    version: Version, alice: User, bob: User
) -> None:
    answer(put_down(version, alice, to=[bob]), bob, "accept")
    services.version_sign(version=version, party=alice)
    services.version_sign(version=version, party=alice)
    version.refresh_from_db()
    assert version.is_open
    assert version.signatures.count() == 1


def test_a_party_alone_cannot_seal(alice: User, bob: User) -> None:
    agreement = AgreementFactory.create(creator=alice, parties=[bob])
    version = open_version(agreement)
    answer(put_down(version, bob, to=[alice]), alice, "accept")
    services.agreement_leave(agreement=agreement, user=bob)  # bob's agreed need stays
    services.version_sign(version=version, party=alice)
    version.refresh_from_db()
    assert version.is_open
    assert "sealed" not in kinds(agreement)


@dataclass
class Signed:
    """alice and bob signed; carol has not yet. alice's need is agreed by bob."""

    agreement: Agreement
    version: Version
    need: Need
    alice: User
    bob: User
    carol: User


@pytest.fixture
def signed(agreement: Agreement, version: Version, alice: User, bob: User, carol: User) -> Signed:
    need = put_down(version, alice, "Call me every Sunday.", to=[bob])
    answer(need, bob, "accept")
    services.version_sign(version=version, party=alice)
    services.version_sign(version=version, party=bob)
    assert version.signatures.count() == 2
    return Signed(agreement, version, need, alice, bob, carol)


CHANGES: dict[str, Callable[[Signed], object]] = {
    "an answer changes": lambda s: answer(s.need, s.bob, "decline"),
    "a need is put down": lambda s: put_down(s.version, s.carol, "Tidy up.", to=[s.alice]),
    "a need is reworded": lambda s: services.need_edit(
        need=s.need, actor=s.alice, statement="Call me on Saturdays."
    ),
    "someone joins": lambda s: join(s.agreement, helpers.person("Erin")),
    "someone leaves": lambda s: services.agreement_leave(agreement=s.agreement, user=s.carol),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_clears_the_signatures(
    signed: Signed, change: Callable[[Signed], object]
) -> None:
    change(signed)
    assert not signed.version.signatures.exists()
    signed.version.refresh_from_db()
    assert signed.version.is_open


def test_a_comment_does_not_clear_the_signatures(signed: Signed) -> None:
    services.need_comment(need=signed.need, author=signed.carol, body="Lovely.")
    assert signed.version.signatures.count() == 2


# A sealed version never changes -------------------------------------------------------------


@dataclass
class Sealed:
    """Version 1, sealed: alice's need agreed by bob and carol, bob's need declined by alice,
    and a draft of carol's."""

    agreement: Agreement
    version: Version
    agreed: Need
    declined: Need
    draft: Need
    alice: User
    bob: User
    carol: User


@pytest.fixture
def sealed(agreement: Agreement, version: Version, alice: User, bob: User, carol: User) -> Sealed:
    agreed = put_down(version, alice, "Call me every Sunday.", to=[bob, carol])
    answer(agreed, bob, "accept")
    answer(agreed, carol, "accept")
    declined = put_down(version, bob, "Let me choose the films.", to=[alice])
    answer(declined, alice, "decline", reason="Turns, please.")
    draft = services.need_draft(version=version, author=carol, statement="Later.")
    seal(version, [alice, bob, carol])
    return Sealed(agreement, version, agreed, declined, draft, alice, bob, carol)


SEALED_CHANGES: dict[str, Callable[[Sealed], object]] = {
    "respond": lambda s: answer(s.agreed, s.bob, "decline"),
    "counter": lambda s: answer(s.agreed, s.carol, "counter", counter_statement="Saturdays."),
    "edit": lambda s: services.need_edit(need=s.agreed, actor=s.alice, statement="Never."),
    "comment": lambda s: services.need_comment(need=s.agreed, author=s.bob, body="Hm."),
    "draft": lambda s: services.need_draft(version=s.version, author=s.bob, statement="More."),
    "put down": lambda s: services.need_put_down(need=s.draft, actor=s.carol),
    "withdraw": lambda s: services.need_withdraw(need=s.agreed, actor=s.alice),
    "sign": lambda s: services.version_sign(version=s.version, party=s.alice),
    "reopen": lambda s: services.need_reopen(need=s.agreed, actor=s.alice),
    "drop": lambda s: services.need_drop(need=s.agreed, actor=s.alice),
}


def _record_of(version: Version) -> list[object]:
    needs = list(
        version.needs.order_by("pk").values_list("pk", "statement", "status", "state", "revision")
    )
    responses = list(Response.objects.filter(need__version=version).order_by("pk").values_list())
    signatures = list(version.signatures.order_by("pk").values_list())
    comments = list(Comment.objects.filter(need__version=version).values_list())
    return [needs, responses, signatures, comments, Event.objects.count()]


@pytest.mark.parametrize("change", SEALED_CHANGES.values(), ids=SEALED_CHANGES.keys())
def test_a_sealed_version_refuses_every_change(
    sealed: Sealed, change: Callable[[Sealed], object]
) -> None:
    before = _record_of(sealed.version)
    with pytest.raises(NegotiationError) as refused:
        change(sealed)
    assert refused.value.message == CLOSED
    assert _record_of(sealed.version) == before
    sealed.version.refresh_from_db()
    assert sealed.version.state == "sealed"


# Renegotiating -----------------------------------------------------------------------------


def test_renegotiating_needs_a_sealed_current_version(
    agreement: Agreement, version: Version, alice: User
) -> None:
    with pytest.raises(NegotiationError, match="still being negotiated"):
        services.version_renegotiate(agreement=agreement, party=alice, reason="Things changed.")
    assert agreement.versions.count() == 1


def test_renegotiating_needs_a_reason(sealed: Sealed) -> None:
    with pytest.raises(NegotiationError, match="Why you are renegotiating cannot be empty."):
        services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason=" ")
    sealed.version.refresh_from_db()
    assert sealed.version.state == "sealed"
    assert sealed.agreement.versions.count() == 1


def test_only_parties_can_renegotiate(sealed: Sealed, dan: User) -> None:
    with pytest.raises(NegotiationError, match="Only the parties to this agreement can do that."):
        services.version_renegotiate(agreement=sealed.agreement, party=dan, reason="Let me in.")
    assert sealed.agreement.versions.count() == 1


def test_renegotiating_supersedes_the_sealed_version(sealed: Sealed) -> None:
    v2 = services.version_renegotiate(
        agreement=sealed.agreement, party=sealed.bob, reason="  We moved house.  "
    )
    sealed.version.refresh_from_db()
    assert sealed.version.state == "superseded"
    assert (v2.number, v2.state, v2.reason, v2.opened_by) == (
        2,
        "negotiating",
        "We moved house.",
        sealed.bob,
    )
    event = sealed.agreement.events.order_by("pk").last()
    assert event is not None
    assert (event.kind, event.actor, event.version, event.data) == (
        "renegotiated",
        sealed.bob,
        v2,
        {"reason": "We moved house."},
    )
    with pytest.raises(NegotiationError, match="still being negotiated"):
        services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason="Again.")


def test_renegotiating_carries_agreed_needs_forward_as_agreed(sealed: Sealed) -> None:
    v2 = services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason="Why.")
    carried = v2.needs.get(status="put_down")
    assert (carried.statement, carried.author, carried.state) == (
        "Call me every Sunday.",
        sealed.alice,
        "agreed",
    )
    assert carried.carried_from == sealed.agreed
    assert set(carried.addressees.all()) == {sealed.bob, sealed.carol}
    responses = carried.responses.all()
    assert {(r.party, r.answer, r.carried, r.revision) for r in responses} == {
        (sealed.bob, "accept", True, 1),
        (sealed.carol, "accept", True, 1),
    }
    # The old version keeps its own needs and answers.
    assert reload(sealed.agreed).version == sealed.version
    assert sealed.agreed.responses.filter(carried=False).count() == 2


def test_renegotiating_does_not_carry_declined_needs(sealed: Sealed) -> None:
    v2 = services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason="Why.")
    assert not v2.needs.filter(statement="Let me choose the films.").exists()
    assert reload(sealed.declined).version == sealed.version


def test_renegotiating_moves_drafts_to_the_new_version(sealed: Sealed) -> None:
    v2 = services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason="Why.")
    draft = reload(sealed.draft)
    assert (draft.version, draft.status) == (v2, "draft")
    services.need_put_down(need=draft, actor=sealed.carol)
    assert reload(draft).status == "put_down"


@pytest.fixture
def renegotiated(sealed: Sealed) -> tuple[Sealed, Version, Need]:
    """Version 2 in negotiation, with alice's agreed need carried into it."""
    v2 = services.version_renegotiate(agreement=sealed.agreement, party=sealed.bob, reason="Why.")
    return sealed, v2, v2.needs.get(carried_from=sealed.agreed)


def test_any_party_can_reopen_a_carried_need(renegotiated: tuple[Sealed, Version, Need]) -> None:
    s, _v2, carried = renegotiated
    services.need_reopen(need=carried, actor=s.carol)  # not its author, not an addressee
    carried = reload(carried)
    assert (carried.state, carried.revision) == ("open", 2)
    assert carried.responses.filter(carried=True).count() == 2
    event = s.agreement.events.order_by("pk").last()
    assert event is not None
    assert (event.kind, event.actor, event.need) == ("reopened", s.carol, carried)
    with pytest.raises(NegotiationError, match="This need is already open."):
        services.need_reopen(need=carried, actor=s.alice)


def test_any_party_can_drop_a_carried_need(renegotiated: tuple[Sealed, Version, Need]) -> None:
    s, _v2, carried = renegotiated
    services.need_drop(need=carried, actor=s.bob)
    assert reload(carried).status == "dropped"
    assert kinds(s.agreement)[-1] == "dropped"
    with pytest.raises(NegotiationError, match="Only needs carried over"):
        services.need_drop(need=carried, actor=s.bob)


def test_any_party_can_reword_a_carried_need(renegotiated: tuple[Sealed, Version, Need]) -> None:
    s, _v2, carried = renegotiated
    services.need_edit(need=carried, actor=s.carol, statement="Call me every Saturday.")
    carried = reload(carried)
    assert (carried.statement, carried.state, carried.revision) == (
        "Call me every Saturday.",
        "open",
        2,
    )
    assert kinds(s.agreement)[-1] == "reworded"
    assert reload(s.agreed).statement == "Call me every Sunday."  # version 1 as it was


def test_needs_put_down_in_this_version_cannot_be_reopened_or_dropped(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    answer(need, bob, "accept")
    with pytest.raises(NegotiationError, match="Only needs carried over from the last version"):
        services.need_reopen(need=need, actor=alice)
    with pytest.raises(NegotiationError, match="Only needs carried over from the last version"):
        services.need_drop(need=need, actor=alice)
    need = reload(need)
    assert (need.status, need.state) == ("put_down", "agreed")


def test_a_need_declined_earlier_can_be_offered_again(
    renegotiated: tuple[Sealed, Version, Need],
) -> None:
    s, v2, _carried = renegotiated
    again = services.need_offer_again(need=s.declined, actor=s.bob)
    assert (again.version, again.status, again.author) == (v2, "draft", s.bob)
    assert (again.statement, again.carried_from) == ("Let me choose the films.", s.declined)
    with pytest.raises(NegotiationError, match="already in the open version"):
        services.need_offer_again(need=s.declined, actor=s.bob)
    assert v2.needs.filter(carried_from=s.declined).count() == 1


def test_only_the_author_offers_a_declined_need_again(
    renegotiated: tuple[Sealed, Version, Need],
) -> None:
    s, v2, _carried = renegotiated
    for who, need in [(s.alice, s.declined), (s.alice, s.agreed)]:
        with pytest.raises(NegotiationError, match="Only your own needs declined in an earlier"):
            services.need_offer_again(need=need, actor=who)
    assert not v2.needs.filter(status="draft").exclude(author=s.carol).exists()


def test_a_need_declined_in_the_open_version_cannot_be_offered_again(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    answer(need, bob, "decline")
    with pytest.raises(NegotiationError, match="Only your own needs declined in an earlier"):
        services.need_offer_again(need=need, actor=alice)


def test_offering_again_needs_an_open_version(sealed: Sealed) -> None:
    with pytest.raises(NegotiationError, match="Renegotiate first"):
        services.need_offer_again(need=sealed.declined, actor=sealed.bob)


# Leaving -----------------------------------------------------------------------------------


def test_leaving_lets_go_of_the_open_version(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    draft = services.need_draft(version=version, author=carol, statement="A private note.")
    carols_open = put_down(version, carol, "Carol's open need.", to=[alice])
    carols_decided = put_down(version, carol, "Carol's agreed need.", to=[bob])
    answer(carols_decided, bob, "accept")
    to_both = put_down(version, alice, "For bob and carol.", to=[bob, carol])
    answer(to_both, bob, "accept")
    only_carol = put_down(version, alice, "Only for carol.", to=[carol])

    services.agreement_leave(agreement=agreement, user=carol)

    assert not Need.objects.filter(pk=draft.pk).exists()
    assert reload(carols_open).status == "withdrawn"
    assert reload(carols_decided).status == "put_down"  # what was agreed stays in the record
    assert list(to_both.addressees.all()) == [bob]
    assert reload(to_both).state == "agreed"  # bob was the only one left to agree
    assert reload(only_carol).status == "withdrawn"
    participant = agreement.participants.get(user=carol)
    assert participant.left_at is not None
    assert not participant.is_party
    event = agreement.events.order_by("pk").last()
    assert event is not None
    assert (event.kind, event.actor, event.version) == ("left", carol, version)


def test_leaving_twice_leaves_once(agreement: Agreement, carol: User) -> None:
    services.agreement_leave(agreement=agreement, user=carol)
    services.agreement_leave(agreement=agreement, user=carol)  # a second click: nothing more
    assert kinds(agreement).count("left") == 1
    with pytest.raises(NegotiationError, match="You are not part of this agreement."):
        services.agreement_leave(agreement=agreement, user=UserFactory.create())


def test_someone_who_left_can_join_again(agreement: Agreement, alice: User, carol: User) -> None:
    services.agreement_leave(agreement=agreement, user=carol)
    participant = join(agreement, carol, inviter=alice)
    assert participant.is_party
    assert Participant.objects.filter(agreement=agreement, user=carol).count() == 1
    assert kinds(agreement)[-3:] == ["left", "invited", "joined"]


def test_a_need_left_with_nobody_to_answer_is_withdrawn(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, to=[bob])
    services.agreement_leave(agreement=agreement, user=bob)
    need = reload(need)
    assert need.status == "withdrawn"
    assert need.state == NeedState.OPEN


def test_signing_waits_while_answers_are_hidden(alice: User, bob: User, carol: User) -> None:
    """Answering independently: a need one person declined stays open for signing until
    everyone it is addressed to has answered (the decline is not visible yet)."""
    agreement = services.agreement_create(creator=alice, title="Ours", answer_independently=True)
    for person in (bob, carol):
        Participant.objects.create(agreement=agreement, user=person)
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=alice, statement="Call me.")
    services.need_put_down(need=need, actor=alice)
    services.need_respond(need=need, party=bob, answer=Response.Answer.DECLINE)
    with pytest.raises(NegotiationError, match="Every need must be answered"):
        services.version_sign(version=version, party=alice)
    services.need_respond(need=need, party=carol, answer=Response.Answer.ACCEPT)
    services.version_sign(version=version, party=alice)
    assert version.signatures.filter(party=alice).exists()


def test_a_hidden_counter_proposal_cannot_be_answered_yet(
    alice: User, bob: User, carol: User
) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours", answer_independently=True)
    for person in (bob, carol):
        Participant.objects.create(agreement=agreement, user=person)
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=alice, statement="Call me.")
    services.need_put_down(need=need, actor=alice)
    counter = services.need_respond(
        need=need, party=bob, answer=Response.Answer.COUNTER, counter_statement="Text me."
    ).counter
    assert counter is not None
    with pytest.raises(NegotiationError, match="not on the table yet"):
        services.need_respond(need=counter, party=alice, answer=Response.Answer.ACCEPT)
    services.need_respond(need=need, party=carol, answer=Response.Answer.ACCEPT)
    services.need_respond(need=counter, party=alice, answer=Response.Answer.ACCEPT)
    # The counter-proposal is for Carol too: the need it answers was for her.
    services.need_respond(need=counter, party=carol, answer=Response.Answer.ACCEPT)
    counter.refresh_from_db()
    assert counter.state == "agreed"


def test_signing_twice_records_one_signature_and_one_event(alice: User, bob: User) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=alice, statement="Call me.")
    services.need_put_down(need=need, actor=alice)
    services.need_respond(need=need, party=bob, answer=Response.Answer.ACCEPT)
    services.version_sign(version=version, party=alice)
    services.version_sign(version=version, party=alice)
    assert version.signatures.count() == 1
    assert agreement.events.filter(kind="signed").count() == 1
