"""The live stream, through Django's ASGI request handling, on both hubs (in-process and Redis)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import OperationalError
from django.test import AsyncClient, Client, TestCase
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Participant
from live import channel

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["local", "redis"])
def hub(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[channel.Hub]:
    chosen: channel.Hub
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        chosen = channel.RedisHub(url)
    else:
        chosen = channel.LocalHub()
    monkeypatch.setattr(channel, "_hub", chosen)
    yield chosen


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = services.agreement_create(creator=alice, title="Ours")
    Participant.objects.create(agreement=agreement, user=bob)
    return agreement


async def _open(user: User, url: str) -> AsyncIterator[bytes]:
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    return response.streaming_content  # type: ignore[attr-defined, no-any-return]


async def _read_until(stream: AsyncIterator[bytes], wanted: str, limit: float = 3.0) -> str:
    seen = ""
    while wanted not in seen:
        chunk = await asyncio.wait_for(anext(stream), timeout=limit)
        seen += chunk.decode() if isinstance(chunk, bytes) else chunk
    return seen


async def _hang_up(stream: AsyncIterator[bytes]) -> None:
    """A closed tab: the server cancels the task that streams the response."""
    reader = asyncio.create_task(_read_until(stream, "never sent", limit=60))
    await asyncio.sleep(0.05)
    reader.cancel()
    # A stream that already ended (a timed-out read cancels it too) has nothing left to close.
    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
        await reader
    await asyncio.sleep(0.1)


def run(coroutine: Callable[[], Any]) -> Any:
    return async_to_sync(coroutine)()


def test_outsiders_cannot_open_an_agreement_stream(
    agreement: Agreement, carol: User, hub: channel.Hub
) -> None:
    other = services.agreement_create(creator=carol, title="Carol's own")
    url = reverse("live:agreement", args=[agreement.public_id])

    async def attempt() -> list[int]:
        anonymous = AsyncClient()
        stranger = AsyncClient()
        await stranger.aforce_login(carol)  # a participant of another agreement
        return [(await c.get(url)).status_code for c in (anonymous, stranger)]

    assert run(attempt) == [404, 404]
    assert other.participants.filter(user=carol).exists()
    assert hub.subscribers(carol.pk) == 0


def test_the_stream_is_never_compressed(alice: User, hub: channel.Hub) -> None:
    """Pages are gzipped; each event must leave as it is written."""

    async def scenario() -> tuple[str, str]:
        client = AsyncClient()
        await client.aforce_login(alice)
        response = await client.get(reverse("live:stream"), headers={"Accept-Encoding": "gzip"})
        stream = response.streaming_content  # type: ignore[attr-defined]
        seen = await _read_until(stream, "retry")
        await _hang_up(stream)
        return response.headers.get("Content-Encoding", ""), seen

    encoding, seen = run(scenario)
    assert encoding == ""
    assert "retry" in seen


def test_a_change_reaches_an_open_page(
    agreement: Agreement, alice: User, bob: User, hub: channel.Hub
) -> None:
    url = reverse("live:agreement", args=[agreement.public_id])
    latest = agreement.events.latest("pk").pk

    async def scenario() -> tuple[str, str, int]:
        stream = await _open(alice, f"{url}?since={latest}")
        elsewhere = await _open(alice, reverse("live:stream"))  # her dashboard, say
        await _read_until(stream, ": connected")
        await _read_until(elsewhere, ": connected")
        need = await _draft_and_put_down(agreement, bob)
        seen = await _read_until(stream, "event: changed")
        with contextlib.suppress(TimeoutError):  # anything after it, for half a second
            seen += await _read_until(stream, "event: waiting", limit=0.5)
        seen_elsewhere = await _read_until(elsewhere, "event: waiting")
        await _hang_up(stream)
        await _hang_up(elsewhere)
        return seen, seen_elsewhere, need

    seen, seen_elsewhere, need_event = run(scenario)
    assert f"event: changed\nid: {need_event}" in seen
    # The agreement's page refreshes its region, which brings the navigation count: no
    # `waiting` for it there. Her other pages hear it.
    assert "event: waiting" not in seen
    assert "event: waiting" in seen_elsewhere


async def _draft_and_put_down(agreement: Agreement, author: User) -> int:
    """Act as another request would; the test's transaction never commits, so run the
    after-commit publishing by hand."""

    def act() -> int:
        with TestCase.captureOnCommitCallbacks(execute=True):
            version = agreement.versions.get()
            need = services.need_draft(version=version, author=author, statement="Call me back.")
            services.need_put_down(need=need, actor=author)
        return agreement.events.latest("pk").pk

    return await sync_to_async(act)()


def test_a_comment_refreshes_its_card_and_the_history_and_nothing_that_waits_on_anyone(
    agreement: Agreement, alice: User, bob: User, hub: channel.Hub
) -> None:
    """A comment changes no need's state and nothing anyone is waited on for: its card at once,
    then the history. An answer: its card at once, then the whole region settles (and brings
    the navigation count)."""
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=alice, statement="Call me back.")
    services.need_put_down(need=need, actor=alice)
    url = reverse("live:agreement", args=[agreement.public_id])
    latest = agreement.events.latest("pk").pk

    def act(rule: Callable[[], object]) -> int:
        with TestCase.captureOnCommitCallbacks(execute=True):  # as another request would
            rule()
        return agreement.events.latest("pk").pk

    async def scenario() -> tuple[str, int, int]:
        stream = await _open(alice, f"{url}?since={latest}")
        await _read_until(stream, ": connected")
        commented = await sync_to_async(act)(
            lambda: services.need_comment(need=need, author=bob, body="Within the hour?")
        )
        answered = await sync_to_async(act)(
            lambda: services.need_respond(need=need, party=bob, answer="accept")
        )
        seen = await _read_until(stream, "event: settle")
        with contextlib.suppress(TimeoutError):  # anything after it, for half a second
            seen += await _read_until(stream, "event: waiting", limit=0.5)
        await _hang_up(stream)
        return seen, commented, answered

    seen, commented, answered = run(scenario)
    assert seen.index(f"event: need-{need.pk}\nid: {commented}") < seen.index(
        f"event: history\nid: {commented}"
    )
    assert seen.index(f"event: need-{need.pk}\nid: {answered}") < seen.index(
        f"event: settle\nid: {answered}"
    )
    assert seen.count("event: settle") == 1 and seen.count("event: history") == 1
    assert "event: waiting" not in seen


def test_a_page_that_reconnects_hears_what_it_missed(
    agreement: Agreement, alice: User, hub: channel.Hub
) -> None:
    url = reverse("live:agreement", args=[agreement.public_id])
    latest = agreement.events.latest("pk").pk

    async def reconnect(since: int) -> str:
        stream = await _open(alice, f"{url}?since={since}")
        seen = await _read_until(stream, ": connected")
        with contextlib.suppress(TimeoutError):
            seen += await _read_until(stream, "event: changed", limit=0.5)
        await _hang_up(stream)
        return seen

    assert f"id: {latest}" in async_to_sync(reconnect)(latest - 1)
    assert "event: changed" not in async_to_sync(reconnect)(latest)


def test_closing_the_page_frees_its_subscription_and_presence(
    agreement: Agreement, alice: User, hub: channel.Hub
) -> None:
    url = reverse("live:agreement", args=[agreement.public_id])

    async def scenario() -> tuple[int, set[int], int, set[int]]:
        stream = await _open(alice, url)
        await _read_until(stream, ": connected")
        during = (hub.subscribers(alice.pk), hub.present(agreement.public_id))
        await _hang_up(stream)
        return (*during, hub.subscribers(alice.pk), hub.present(agreement.public_id))

    open_subs, open_present, closed_subs, closed_present = run(scenario)
    assert (open_subs, open_present) == (1, {alice.pk})
    assert (closed_subs, closed_present) == (0, set())


def test_someone_who_left_stops_hearing_at_once(
    agreement: Agreement, alice: User, bob: User, hub: channel.Hub
) -> None:
    url = reverse("live:agreement", args=[agreement.public_id])

    async def scenario() -> str:
        stream = await _open(bob, url)
        await _read_until(stream, ": connected")
        await sync_to_async(services.agreement_leave)(agreement=agreement, user=bob)
        # A message already on its way when they left is not passed on.
        hub.publish([bob.pk], channel.Message(agreement=agreement.public_id, event=10**9))
        seen = await _read_until(stream, "event: gone")
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(stream), timeout=2)
        return seen

    seen = run(scenario)
    assert "event: changed" not in seen


def test_when_membership_cannot_be_checked_nothing_is_announced_and_nobody_is_sent_away(
    agreement: Agreement, bob: User, hub: channel.Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No database connection to be had (a busy pool, PostgreSQL restarting): keep-alives go
    on; a change is not passed on unchecked: the stream ends, without "gone", so the page
    reconnects and catches up."""
    monkeypatch.setattr(channel, "KEEPALIVE_SECONDS", 0.05)
    url = reverse("live:agreement", args=[agreement.public_id])

    def unreachable() -> None:
        raise OperationalError("couldn't get a connection after 5.00 sec")

    async def scenario() -> str:
        stream = await _open(bob, url)
        seen = await _read_until(stream, ": connected")
        monkeypatch.setattr(Participant.objects, "readers", unreachable)
        seen += await _read_until(stream, ": keep-alive")
        seen += await _read_until(stream, ": keep-alive")
        hub.publish([bob.pk], channel.Message(agreement=agreement.public_id, event=10**9))
        with pytest.raises(StopAsyncIteration):
            while True:
                seen += (await asyncio.wait_for(anext(stream), timeout=2)).decode()
        return seen

    seen = run(scenario)
    assert "event: gone" not in seen
    assert "event: changed" not in seen.split(": connected", 1)[1]


def test_quiet_streams_send_keep_alives(
    agreement: Agreement, alice: User, hub: channel.Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "KEEPALIVE_SECONDS", 0.05)
    url = reverse("live:stream")

    async def scenario() -> str:
        stream = await _open(alice, url)
        seen = await _read_until(stream, ": keep-alive")
        await _hang_up(stream)
        return seen

    assert ": keep-alive" in run(scenario)


def test_a_reminder_in_the_notifications_refreshes_the_count_on_any_page(
    agreement: Agreement, alice: User, bob: User, hub: channel.Hub
) -> None:
    from notifications.models import Reason, Reminder
    from notifications.services import reminder_deliver

    async def scenario() -> str:
        stream = await _open(bob, reverse("live:stream"))
        await _read_until(stream, ": connected")
        await _draft_and_put_down(agreement, alice)

        def deliver() -> None:
            reminder = Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)
            # The in-app notification comes at once, even when quiet hours hold the email.
            with TestCase.captureOnCommitCallbacks(execute=True):
                reminder_deliver(reminder_id=reminder.pk, now=reminder.due_at)

        await sync_to_async(deliver)()
        seen = await _read_until(stream, "event: notified")
        await _hang_up(stream)
        return seen

    assert "event: notified" in run(scenario)


def test_the_presence_line_names_the_others_here_and_nobody_else(
    agreement: Agreement, alice: User, bob: User, carol: User, hub: channel.Hub
) -> None:
    Participant.objects.create(agreement=agreement, user=carol)
    gone = Participant.objects.create(
        agreement=agreement, user=User.objects.create(email="g@x.org")
    )
    stranger = User.objects.create(email="s@x.org", display_name="Stranger")
    client = Client()
    client.force_login(alice)
    path = reverse("live:presence", args=[agreement.public_id])
    assert "Bob" not in client.get(path).content.decode()  # nobody else has it open

    for user_id in (alice.pk, bob.pk, carol.pk, gone.user_id, stranger.pk):
        hub.arrive(agreement.public_id, user_id, f"tab-{user_id}")
    services.agreement_leave(agreement=agreement, user=gone.user)
    line = client.get(path).content.decode()
    assert "Bob" in line and "Carol" in line
    assert "Alice" not in line and "Stranger" not in line and "g@x.org" not in line
