"""A party who joins after a facilitator was let in: the facilitator's reading pauses until the
newcomer agrees too, and the newcomer's invitation says a facilitator is there."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core import mail
from django.test import AsyncClient, Client, TestCase
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, Participant
from live import channel
from tests.agreements.helpers import (
    detail_url,
    invite,
    invite_facilitator,
    join,
    person,
    put_down,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fiona() -> User:
    return person("Fiona")


@pytest.fixture
def agreement(alice: User) -> Agreement:
    """Alice alone, with Fiona as the facilitator she invited: reading, as Alice is the only
    party and inviting is agreeing."""
    return start(alice)


@pytest.fixture
def reading(agreement: Agreement, alice: User, fiona: User) -> Participant:
    facilitator = invite_facilitator(agreement, fiona, inviter=alice)
    assert Participant.objects.get(pk=facilitator.pk).may_read
    return facilitator


def fresh(participant: Participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


def test_a_new_party_pauses_the_facilitator_until_they_agree(
    client: Client, agreement: Agreement, reading: Participant, alice: User, bob: User, fiona: User
) -> None:
    join(agreement, bob)
    put_down(agreement, bob, "Tell me when you will be late")
    assert not fresh(reading).may_read
    client.force_login(fiona)
    page = text(client.get(detail_url(agreement)))
    assert "Waiting for Bob to agree" in page
    assert "Tell me when you will be late" not in page
    assert client.get(url("versions", agreement)).status_code == 404

    services.facilitator_consent(facilitator=reading, party=bob)
    assert fresh(reading).may_read
    assert "Tell me when you will be late" in text(client.get(detail_url(agreement)))


def test_the_history_says_the_facilitator_waits_for_the_newcomer(
    client: Client, agreement: Agreement, reading: Participant, alice: User, bob: User
) -> None:
    join(agreement, bob)
    kinds = list(agreement.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["joined", "facilitator_paused"]
    paused = agreement.events.get(kind="facilitator_paused")
    assert paused.actor is None
    client.force_login(alice)
    assert "Someone new joined, so Fiona, the facilitator, waits until they agree too" in text(
        client.get(detail_url(agreement))
    )


def test_the_newcomer_is_asked_to_agree(
    client: Client, agreement: Agreement, reading: Participant, bob: User
) -> None:
    join(agreement, bob)
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Fiona has joined as your facilitator" in page
    assert "Agreed: Alice. Still to agree: you." in page


def test_a_party_who_comes_back_agrees_afresh(
    agreement: Agreement, reading: Participant, alice: User, bob: User
) -> None:
    join(agreement, bob)
    services.facilitator_consent(facilitator=reading, party=bob)
    services.agreement_leave(agreement=agreement, user=bob)
    assert fresh(reading).may_read
    join(agreement, bob)
    assert not fresh(reading).may_read


def test_the_invitation_page_and_email_say_a_facilitator_is_there(
    client: Client, agreement: Agreement, reading: Participant, alice: User, bob: User
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = invite(agreement, bob.email)
    sent = mail.outbox[-1]
    assert "Fiona takes part as a facilitator" in str(sent.body)
    html_part = str(sent.alternatives[0][0])  # type: ignore[union-attr]
    assert "Fiona takes part as a facilitator" in html_part
    client.force_login(bob)
    path = reverse("agreements:invitation", args=[services.invitation_token(invitation)])
    page = text(client.get(path, follow=True))
    assert "Fiona takes part as a facilitator" in page
    assert "only once you agree too" in page


def test_an_invitation_without_a_facilitator_says_nothing_of_one(
    client: Client, agreement: Agreement, bob: User
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        invitation = invite(agreement, bob.email)
    assert "facilitator" not in str(mail.outbox[-1].body)
    client.force_login(bob)
    path = reverse("agreements:invitation", args=[services.invitation_token(invitation)])
    assert "facilitator" not in text(client.get(path, follow=True))


def test_a_waiting_facilitator_sees_no_version_or_state_on_the_dashboard(
    client: Client, agreement: Agreement, reading: Participant, bob: User, fiona: User
) -> None:
    join(agreement, bob)
    client.force_login(fiona)
    page = text(client.get(reverse("home")))
    assert "Our home" in page
    assert "version 1" not in page
    assert "Negotiating" not in page
    assert "Waiting for everyone to agree" in page
    services.facilitator_consent(facilitator=reading, party=bob)
    page = text(client.get(reverse("home")))
    assert "version 1" in page
    assert "Waiting for everyone to agree" not in page


async def _read_for(stream: AsyncIterator[bytes], seconds: float) -> str:
    seen = ""
    with contextlib.suppress(TimeoutError, StopAsyncIteration):
        while True:
            chunk = await asyncio.wait_for(anext(stream), timeout=seconds)
            seen += chunk.decode() if isinstance(chunk, bytes) else chunk
    return seen


def test_a_waiting_facilitator_hears_nothing_live(
    agreement: Agreement,
    reading: Participant,
    alice: User,
    bob: User,
    fiona: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channel, "_hub", channel.LocalHub())
    join(agreement, bob)

    def change() -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            put_down(agreement, bob, "Call me back")

    async def scenario() -> tuple[str, str]:
        streams = []
        for user in (fiona, alice):
            client = AsyncClient()
            await client.aforce_login(user)
            response = await client.get(reverse("live:stream"))
            streams.append(response.streaming_content)  # type: ignore[attr-defined]
        for stream in streams:
            seen = ""
            while ": connected" not in seen:
                seen += (await asyncio.wait_for(anext(stream), 3)).decode()
        await sync_to_async(change)()
        return await _read_for(streams[0], 0.5), await _read_for(streams[1], 0.5)

    fiona_saw, alice_saw = async_to_sync(scenario)()
    assert "event: waiting" in alice_saw
    assert "event: waiting" not in fiona_saw
    assert Event.objects.filter(kind="put_down").exists()


def test_a_facilitator_sees_only_masked_addresses_of_those_invited(
    client: Client, agreement: Agreement, reading: Participant, alice: User, fiona: User
) -> None:
    invite(agreement, "carol@example.com")
    client.force_login(fiona)
    page = text(client.get(detail_url(agreement)))
    assert "c…@example.com (invited)" in page
    assert "carol@example.com" not in page
    region = text(client.get(detail_url(agreement), headers={"HX-Request": "true"}))
    assert "c…@example.com (invited)" in region
    client.force_login(alice)
    assert "carol@example.com (invited)" in text(client.get(detail_url(agreement)))


def test_the_waiting_page_hears_when_everyone_has_agreed(
    agreement: Agreement,
    reading: Participant,
    bob: User,
    fiona: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channel, "_hub", channel.LocalHub())
    join(agreement, bob)

    def agree() -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.facilitator_consent(facilitator=reading, party=bob)

    async def scenario() -> str:
        client = AsyncClient()
        await client.aforce_login(fiona)
        response = await client.get(reverse("live:stream"))
        stream = response.streaming_content  # type: ignore[attr-defined]
        seen = ""
        while ": connected" not in seen:
            seen += (await asyncio.wait_for(anext(stream), 3)).decode()
        await sync_to_async(agree)()
        return await _read_for(stream, 0.5)

    assert "event: waiting" in async_to_sync(scenario)()
