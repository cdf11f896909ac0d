"""Facilitators (/a/<id>/facilitators/<pk>/agree|end/ and the waiting page): a party invites a
counsellor; they read only once every party agreed, and any party can end it at once."""

import asyncio
import datetime
from collections.abc import AsyncIterator

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, FacilitatorConsent, Participant, Signature
from agreements.services import NegotiationError
from checkins import services as checkins
from checkins.models import CheckIn
from live import channel
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    current,
    detail_url,
    html,
    invite_facilitator,
    join,
    need_url,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
    url,
)
from tests.agreements.test_detail import PAGE_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana() -> User:
    return person("Dana")


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def waiting(agreement: Agreement, alice: User, dana: User) -> Participant:
    """Alice invited Dana as a facilitator and Dana accepted; Bob has not agreed yet."""
    return invite_facilitator(agreement, dana, inviter=alice)


def agree_url(facilitator: Participant) -> str:
    return url("facilitator-agree", facilitator.agreement, facilitator.pk)


def end_url(facilitator: Participant) -> str:
    return url("facilitator-end", facilitator.agreement, facilitator.pk)


def kinds(agreement: Agreement) -> list[str]:
    return list(agreement.events.order_by("pk").values_list("kind", flat=True))


# Inviting ---------------------------------------------------------------------------------


def test_the_invite_page_offers_to_invite_a_facilitator(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    page = text(client.get(url("invite", agreement)))
    assert "a facilitator: a counsellor you see together" in page
    response = client.post(
        url("invite", agreement), {"email": "dana@example.com", "role": "facilitator"}
    )
    assert response.status_code == 302
    assert agreement.invitations.get(email="dana@example.com").role == "facilitator"
    assert "(facilitator)" in text(client.get(url("invite", agreement)))


def test_accepting_makes_a_facilitator_who_waits_inviting_being_agreeing(
    agreement: Agreement, alice: User, waiting: Participant
) -> None:
    assert waiting.role == Participant.Role.FACILITATOR
    assert waiting.access_from is None
    assert list(FacilitatorConsent.objects.values_list("party", flat=True)) == [alice.pk]


def test_a_facilitator_joining_clears_no_signature(
    agreement: Agreement, alice: User, bob: User, dana: User
) -> None:
    answer(put_down(agreement, alice), bob)
    services.version_sign(version=current(agreement), party=alice)
    participant = invite_facilitator(agreement, dana, inviter=alice)
    assert Signature.objects.filter(party=alice).exists()
    services.agreement_leave(agreement=agreement, user=dana)
    assert Signature.objects.filter(party=alice).exists()
    assert Participant.objects.get(pk=participant.pk).left_at is not None


# Before every party agreed ----------------------------------------------------------------


def test_a_waiting_facilitator_sees_only_the_waiting_page(
    client: Client, agreement: Agreement, alice: User, waiting: Participant, dana: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    client.force_login(dana)
    response = client.get(detail_url(agreement))
    assert response.status_code == 200
    assert "Waiting for Bob to agree" in text(response)
    assert "Tell me when you will be late" not in html(response)
    for path in (
        url("versions", agreement),
        url("version", agreement, 1),
        url("compare", agreement),
        reverse("checkins:session", args=[agreement.public_id]),
        reverse("live:presence", args=[agreement.public_id]),
        need_url("card", need),
        reverse("checkins:list", args=[agreement.public_id]),
        reverse("records:agreement-export", args=[agreement.public_id]),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(need_url("comment", need), {"body": "Hello"}).status_code == 404


def test_a_party_still_to_agree_sees_agree_and_not_now(
    client: Client, agreement: Agreement, bob: User, waiting: Participant
) -> None:
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Dana has joined as your facilitator" in page
    assert "Agreed: Alice. Still to agree: you." in page
    assert "Agree" in page and "Not now" in page


def test_the_inviter_may_withdraw_but_has_agreed_already(
    client: Client, agreement: Agreement, alice: User, waiting: Participant
) -> None:
    client.force_login(alice)
    page = text(client.get(detail_url(agreement)))
    assert "Still to agree: Bob." in page
    assert "Withdraw the invitation to Dana" in page
    assert "Not now" not in page


def test_access_starts_once_every_party_agreed(
    client: Client,
    agreement: Agreement,
    alice: User,
    bob: User,
    carol: User,
    dana: User,
) -> None:
    join(agreement, carol)
    facilitator = invite_facilitator(agreement, dana, inviter=alice)
    client.force_login(bob)
    assert_fragment(client.post(agree_url(facilitator), headers=HX))
    client.force_login(dana)
    assert "Waiting for Carol to agree" in text(client.get(detail_url(agreement)))
    client.force_login(carol)
    assert client.post(agree_url(facilitator)).status_code == 302
    client.force_login(dana)
    response = client.get(detail_url(agreement))
    assert "Waiting for" not in text(response)
    assert "Signatures" in text(response)
    assert kinds(agreement)[-3:] == [
        "facilitator_consented",
        "facilitator_consented",
        "facilitator_admitted",
    ]
    assert Participant.objects.get(pk=facilitator.pk).access_from is not None


def test_the_last_party_to_agree_leaving_lets_the_facilitator_in(
    agreement: Agreement, bob: User, waiting: Participant
) -> None:
    services.agreement_leave(agreement=agreement, user=bob)
    assert Participant.objects.get(pk=waiting.pk).access_from is not None


def test_the_waiting_page_opens_the_agreement_once_every_party_agreed(
    client: Client, agreement: Agreement, bob: User, waiting: Participant, dana: User
) -> None:
    client.force_login(dana)
    page = html(client.get(detail_url(agreement)))
    asks = f'hx-get="{detail_url(agreement)}?waiting" hx-trigger="sse:waiting"'
    assert asks in page
    # Something else changed while Dana waits: the page stays as it is, and shows nothing.
    still = client.get(f"{detail_url(agreement)}?waiting", headers=HX)
    assert (still.status_code, still.content, still.get("HX-Refresh")) == (204, b"", None)
    services.facilitator_consent(facilitator=waiting, party=bob)
    opened = client.get(f"{detail_url(agreement)}?waiting", headers=HX)
    assert opened.status_code == 200
    assert opened["HX-Refresh"] == "true"
    assert "Waiting for" not in text(client.get(detail_url(agreement)))


def test_a_party_joining_while_a_facilitator_waits_must_agree_too(
    agreement: Agreement, bob: User, carol: User, waiting: Participant
) -> None:
    join(agreement, carol)
    services.facilitator_consent(facilitator=waiting, party=bob)
    assert Participant.objects.get(pk=waiting.pk).access_from is None
    services.facilitator_consent(facilitator=waiting, party=carol)
    assert Participant.objects.get(pk=waiting.pk).access_from is not None


def test_agreeing_twice_records_once(agreement: Agreement, bob: User, waiting: Participant) -> None:
    services.facilitator_consent(facilitator=waiting, party=bob)
    services.facilitator_consent(facilitator=waiting, party=bob)
    assert kinds(agreement).count("facilitator_consented") == 1


def test_not_now_ends_the_request(
    client: Client, agreement: Agreement, bob: User, dana: User, waiting: Participant
) -> None:
    client.force_login(bob)
    assert client.post(end_url(waiting)).status_code == 302
    assert Participant.objects.get(pk=waiting.pk).left_at is not None
    assert kinds(agreement)[-1] == "facilitator_declined"
    client.force_login(dana)
    assert client.get(detail_url(agreement)).status_code == 404


def test_only_parties_agree_or_end(
    client: Client, agreement: Agreement, dana: User, carol: User, waiting: Participant
) -> None:
    other = person("Olive")
    add_facilitator(agreement, other)
    before = snapshot()
    for who in (dana, other, carol):
        client.force_login(who)
        assert client.post(agree_url(waiting)).status_code == 404
        assert client.post(end_url(waiting)).status_code == 404
    assert snapshot() == before
    with pytest.raises(NegotiationError):
        services.facilitator_consent(facilitator=waiting, party=other)


def test_agreeing_is_a_post(client: Client, bob: User, waiting: Participant) -> None:
    client.force_login(bob)
    assert client.get(agree_url(waiting)).status_code == 405


# After ------------------------------------------------------------------------------------


def test_any_party_ends_access_at_once(
    client: Client, agreement: Agreement, alice: User, bob: User, dana: User
) -> None:
    facilitator = invite_facilitator(agreement, dana, inviter=alice)
    services.facilitator_consent(facilitator=facilitator, party=bob)
    client.force_login(dana)
    assert client.get(detail_url(agreement)).status_code == 200
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Dana reads this agreement as your facilitator since" in page
    assert_fragment(client.post(end_url(facilitator), headers=HX))
    assert kinds(agreement)[-1] == "facilitator_ended"
    client.force_login(dana)
    assert client.get(detail_url(agreement)).status_code == 404
    assert client.get(url("versions", agreement)).status_code == 404
    client.force_login(bob)
    assert "Dana ended" not in text(client.get(detail_url(agreement)))
    assert "Bob ended Dana’s access as facilitator" in text(client.get(detail_url(agreement)))


def test_a_party_who_joins_later_can_end_access(
    client: Client, agreement: Agreement, alice: User, bob: User, carol: User, dana: User
) -> None:
    facilitator = invite_facilitator(agreement, dana, inviter=alice)
    services.facilitator_consent(facilitator=facilitator, party=bob)
    join(agreement, carol)
    services.facilitator_consent(facilitator=facilitator, party=carol)
    assert Participant.objects.get(pk=facilitator.pk).may_read
    client.force_login(carol)
    assert "End Dana's access" in text(client.get(detail_url(agreement)))
    client.post(end_url(facilitator))
    assert not Participant.objects.get(pk=facilitator.pk).may_read


def test_invited_again_a_facilitator_is_agreed_to_afresh(
    agreement: Agreement, alice: User, bob: User, dana: User
) -> None:
    facilitator = invite_facilitator(agreement, dana, inviter=alice)
    services.facilitator_consent(facilitator=facilitator, party=bob)
    services.facilitator_end(facilitator=facilitator, party=bob)
    again = invite_facilitator(agreement, dana, inviter=alice)
    assert again.pk == facilitator.pk
    assert again.access_from is None
    assert list(again.consents.values_list("party", flat=True)) == [alice.pk]


def test_a_sealed_agreement_can_still_take_and_end_a_facilitator(
    agreement: Agreement, alice: User, bob: User, dana: User
) -> None:
    answer(put_down(agreement, alice), bob)
    seal(agreement, alice, bob)
    facilitator = invite_facilitator(agreement, dana, inviter=alice)
    services.facilitator_consent(facilitator=facilitator, party=bob)
    assert Participant.objects.get(pk=facilitator.pk).may_read
    services.facilitator_end(facilitator=facilitator, party=alice)
    assert not Participant.objects.get(pk=facilitator.pk).may_read


@pytest.mark.usefixtures("postgresql")  # the counts pinned are PostgreSQL's
def test_the_page_with_a_facilitator_waiting_asks_one_more_query(
    client: Client,
    agreement: Agreement,
    bob: User,
    waiting: Participant,
    django_assert_num_queries: DjangoAssertNumQueries,
    alice: User,
) -> None:
    need = put_down(agreement, alice)
    services.need_comment(need=need, author=bob, body="Yes")  # as on the pinned page
    client.force_login(bob)
    client.get(detail_url(agreement))
    with django_assert_num_queries(PAGE_QUERIES + 1):  # who agreed to the waiting facilitator
        client.get(detail_url(agreement))


# The live stream --------------------------------------------------------------------------


async def _status(user: User, path: str) -> int:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(path)
    if response.status_code == 200:
        await response.aclose()  # type: ignore[attr-defined]
    return int(response.status_code)


def test_a_waiting_facilitator_cannot_open_the_stream(
    agreement: Agreement, dana: User, waiting: Participant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "_hub", channel.LocalHub())
    path = reverse("live:agreement", args=[agreement.public_id])
    assert async_to_sync(_status)(dana, path) == 404


def test_ending_access_ends_an_open_stream(
    agreement: Agreement, bob: User, dana: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = channel.LocalHub()
    monkeypatch.setattr(channel, "_hub", hub)
    facilitator = add_facilitator(agreement, dana)
    path = reverse("live:agreement", args=[agreement.public_id])

    async def scenario() -> str:
        client = AsyncClient()
        await client.aforce_login(dana)
        response = await client.get(path)
        assert response.status_code == 200
        stream: AsyncIterator[bytes] = response.streaming_content  # type: ignore[attr-defined]
        seen = ""
        while ": connected" not in seen:
            seen += (await asyncio.wait_for(anext(stream), 3)).decode()
        await sync_to_async(services.facilitator_end)(facilitator=facilitator, party=bob)
        hub.publish([dana.pk], channel.Message(agreement=agreement.public_id, event=10**9))
        while "event: gone" not in seen:
            seen += (await asyncio.wait_for(anext(stream), 3)).decode()
        return seen

    seen = async_to_sync(scenario)()
    assert "event: gone" in seen
    assert f"id: {10**9}" not in seen
    assert Event.objects.filter(kind="facilitator_ended").exists()


# What a facilitator never sees ------------------------------------------------------------

SECRETS = ("ALICE DRAFT", "BOB HIDDEN REASON", "BOB HIDDEN COUNTER", "PRIVATE NOTE")


@pytest.fixture
def story(alice: User, bob: User, carol: User, dana: User) -> dict[str, object]:
    """Version 1 sealed, version 2 answered independently: a draft, an answer and a
    counter-proposal still hidden, and private notes, with Dana reading as facilitator."""
    agreement = start(alice, bob, carol, answer_independently=True)
    carried = put_down(agreement, alice, "Call when you are late", to=[bob])
    answer(carried, bob, "accept")
    seal(agreement, alice, bob, carol)
    services.version_renegotiate(agreement=agreement, party=bob, reason="A new year")
    services.need_draft(version=current(agreement), author=alice, statement="ALICE DRAFT")
    hidden = put_down(agreement, alice, "A quiet hour after work", to=[bob, carol])
    answer(hidden, bob, "decline", reason="BOB HIDDEN REASON")
    countered = put_down(agreement, alice, "Dinner together on Fridays", to=[bob, carol])
    answer(countered, bob, "counter", counter_statement="BOB HIDDEN COUNTER")
    services.private_note_save(need=hidden, author=alice, body="ALICE PRIVATE NOTE")
    services.private_note_save(need=carried, author=bob, body="BOB PRIVATE NOTE")
    add_facilitator(agreement, dana)
    return {
        "agreement": agreement,
        "hidden": hidden,
        "countered": countered,
        "counter": countered.counter_proposals.get(),
        "carried": carried,
    }


def test_a_facilitator_never_sees_drafts_hidden_answers_or_private_notes(
    client: Client, story: dict[str, object], dana: User
) -> None:
    agreement = story["agreement"]
    assert isinstance(agreement, Agreement)
    client.force_login(dana)
    pages = {
        "agreement page": client.get(detail_url(agreement)),
        "htmx region": client.get(detail_url(agreement), headers=HX),
        "version 1": client.get(url("version", agreement, 1)),
        "version 2": client.get(url("version", agreement, 2)),
        "versions": client.get(url("versions", agreement)),
        "compare": client.get(url("compare", agreement) + "?base=1&other=2"),
        "session": client.get(
            reverse("checkins:session", args=[agreement.public_id]) + "?since=2000-01-01"
        ),
        "check-ins": client.get(reverse("checkins:list", args=[agreement.public_id])),
    }
    for name in ("hidden", "countered", "carried"):
        need = story[name]
        pages[f"card of {name}"] = client.get(need_url("card", need), headers=HX)  # type: ignore[arg-type]
    for name, response in pages.items():
        assert response.status_code == 200, name
        for secret in SECRETS:
            assert secret not in html(response), (name, secret)
    assert "A quiet hour after work" in text(pages["agreement page"])
    assert "answered a need" in text(pages["session"])
    assert "declined a need" not in text(pages["session"])
    counter = client.get(need_url("card", story["counter"]), headers=HX)  # type: ignore[arg-type]
    assert counter.status_code == 404  # as for a need that does not exist


def test_the_parties_see_what_is_theirs_on_the_same_pages(
    client: Client, story: dict[str, object], alice: User, bob: User
) -> None:
    """The same story from inside: the secrets above are there, each for its own person."""
    agreement = story["agreement"]
    assert isinstance(agreement, Agreement)
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    assert "ALICE DRAFT" in page and "ALICE PRIVATE NOTE" in page
    assert "BOB PRIVATE NOTE" not in page and "BOB HIDDEN REASON" not in page
    client.force_login(bob)
    page = html(client.get(url("version", agreement, 1)))
    assert "BOB PRIVATE NOTE" in page and "ALICE PRIVATE NOTE" not in page


# Every party action refuses a facilitator -------------------------------------------------


def test_a_facilitator_can_do_nothing_but_comment(
    client: Client, story: dict[str, object], alice: User, dana: User
) -> None:
    from agreements.models import PrivateNote
    from checkins.models import Schedule, TalkAbout

    agreement, hidden = story["agreement"], story["hidden"]
    assert isinstance(agreement, Agreement)
    carried = story["carried"]
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email="e@x.org")
    waiting = invite_facilitator(agreement, person("Olive"), inviter=alice)
    a = agreement.public_id
    posts = [
        url("need-new", agreement),
        need_url("edit", hidden),  # type: ignore[arg-type]
        need_url("put-down", hidden),  # type: ignore[arg-type]
        need_url("respond", hidden),  # type: ignore[arg-type]
        need_url("withdraw", hidden),  # type: ignore[arg-type]
        need_url("reopen", hidden),  # type: ignore[arg-type]
        need_url("drop", hidden),  # type: ignore[arg-type]
        need_url("offer-again", carried),  # type: ignore[arg-type]
        need_url("delete", hidden),  # type: ignore[arg-type]
        need_url("note", hidden),  # type: ignore[arg-type]
        url("sign", agreement),
        url("respond-by", agreement),
        url("renegotiate", agreement),
        url("invite", agreement),
        url("invitation-resend", agreement, invitation.pk),
        url("invitation-revoke", agreement, invitation.pk),
        agree_url(waiting),
        end_url(waiting),
        reverse("checkins:rhythm", args=[a]),
        reverse("checkins:submit", args=[a, 1]),
        reverse("checkins:talk", args=[a, hidden.pk]),  # type: ignore[attr-defined]
    ]
    data = {
        "answer": "accept",
        "body": "x",
        "statement": "x",
        "email": "f@x.org",
        "reason": "x",
        "respond_by": "2099-01-01",
        "rhythm": "weekly",
    }
    client.force_login(dana)
    before = snapshot()
    notes = PrivateNote.objects.count()
    for path in posts:
        response = client.post(path, data)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:  # refused with a message, back to the page
            assert response["Location"].startswith(detail_url(agreement)), path
    for path in (
        url("need-new", agreement),
        url("invite", agreement),
        url("renegotiate", agreement),
    ):
        assert client.get(path).status_code == 404, path
    assert snapshot() == before
    assert PrivateNote.objects.count() == notes
    assert not TalkAbout.objects.exists() and not Schedule.objects.exists()


def test_a_facilitator_sees_check_ins_only_once_revealed_and_never_a_form(
    client: Client, agreement: Agreement, alice: User, bob: User, dana: User
) -> None:
    sealed = timezone.now() - datetime.timedelta(days=8)
    opened = sealed + datetime.timedelta(days=7, hours=1)
    calls = put_down(agreement, alice, "Call when you are late.", to=[bob])
    answer(calls, bob)
    dishes = put_down(agreement, bob, "Dishes on Sundays.", to=[alice])
    answer(dishes, alice)
    seal(agreement, alice, bob)
    checkins.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=sealed)
    checkins.check_ins_open_due(now=opened)
    check_in = CheckIn.objects.get()
    checkins.check_in_submit(
        check_in=check_in,
        party=alice,
        ratings={(calls.pk, bob.pk): ("missed", "ALICE UNREVEALED NOTE")},
        now=opened,
    )
    add_facilitator(agreement, dana)
    client.force_login(dana)
    pages = [
        client.get(reverse("checkins:list", args=[agreement.public_id])),
        client.get(reverse("checkins:session", args=[agreement.public_id]) + "?since=2000-01-01"),
    ]
    for response in pages:
        assert "ALICE UNREVEALED NOTE" not in html(response)
        assert 'name="verdict-' not in html(response)
    checkins.check_in_submit(
        check_in=check_in, party=bob, ratings={(dishes.pk, alice.pk): ("kept", "")}, now=opened
    )
    for path in (
        reverse("checkins:list", args=[agreement.public_id]),
        reverse("checkins:session", args=[agreement.public_id]) + "?since=2000-01-01",
    ):
        assert "ALICE UNREVEALED NOTE" in html(client.get(path))
