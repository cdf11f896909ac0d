"""At most MAX_STREAMS open live streams per person: opening one more closes their oldest, on both
hubs (in-process and Redis)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from accounts.models import User
from live import channel

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["local", "redis"])
def hub(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[channel.Hub]:
    chosen: channel.Hub
    if request.param == "redis":
        chosen = channel.RedisHub(request.getfixturevalue("redis_url"))
    else:
        chosen = channel.LocalHub()
    monkeypatch.setattr(channel, "_hub", chosen)
    yield chosen


async def _open(client: AsyncClient) -> AsyncIterator[bytes]:
    response = await client.get(reverse("live:stream"))
    assert response.status_code == 200
    stream: AsyncIterator[bytes] = response.streaming_content  # type: ignore[attr-defined]
    await _read(stream, ": connected")
    return stream


async def _read(stream: AsyncIterator[bytes], wanted: str, limit: float = 3.0) -> str:
    """What the stream sends until `wanted`; "" and the end if it ends before."""
    seen = ""
    while wanted not in seen:
        try:
            chunk = await asyncio.wait_for(anext(stream), timeout=limit)
        except StopAsyncIteration:
            return seen + "<end>"
        seen += chunk.decode() if isinstance(chunk, bytes) else chunk
    return seen


async def _hang_up(stream: AsyncIterator[bytes]) -> None:
    reader = asyncio.create_task(_read(stream, "never sent", limit=60))
    await asyncio.sleep(0.05)
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
        await reader


def test_an_eleventh_stream_closes_the_oldest(alice: User, bob: User, hub: channel.Hub) -> None:
    assert channel.MAX_STREAMS == 10

    async def scenario() -> tuple[str, list[int], int]:
        client = AsyncClient()
        await client.aforce_login(alice)
        streams = [await _open(client) for _ in range(channel.MAX_STREAMS)]
        before = [hub.subscribers(alice.pk)]
        streams.append(await _open(client))  # the eleventh
        oldest = await _read(streams[0], "<end>")
        await asyncio.sleep(0.2)
        before.append(hub.subscribers(alice.pk))
        # Someone else's streams are their own: Bob's one stream stays open.
        other = AsyncClient()
        await other.aforce_login(bob)
        bobs = await _open(other)
        bob_count = hub.subscribers(bob.pk)
        for stream in [*streams[1:], bobs]:
            await _hang_up(stream)
        return oldest, before, bob_count

    oldest, counts, bob_count = async_to_sync(scenario)()
    # The oldest is told it is gone (so the page does not reconnect), then ends.
    assert "event: gone" in oldest and oldest.endswith("<end>")
    assert counts == [channel.MAX_STREAMS, channel.MAX_STREAMS]
    assert bob_count == 1


def test_closing_a_stream_frees_its_place(alice: User, hub: channel.Hub) -> None:
    async def scenario() -> str:
        client = AsyncClient()
        await client.aforce_login(alice)
        first = await _open(client)
        closed = await _open(client)
        await _hang_up(closed)
        await asyncio.sleep(0.1)
        streams = [await _open(client) for _ in range(channel.MAX_STREAMS - 1)]
        # Ten open, the closed one no longer counted: the first stays open.
        try:
            seen = await _read(first, "event: gone", limit=0.5)
        except TimeoutError:
            seen = ""
        for stream in [first, *streams]:
            await _hang_up(stream)
        return seen

    assert async_to_sync(scenario)() == ""
