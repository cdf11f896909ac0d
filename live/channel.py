"""Live updates: "agreement X changed" goes to everyone in it, once the change is committed.

Each person has one channel. A rule function records an Event; after commit, `publish` sends
{"agreement": public id, "event": event id} to the channel of every current participant. Open
pages hold a Server-Sent Events stream on their person's channel and re-fetch what changed with
ordinary, permission-checked GETs, so a message never carries anything a person may not see.

With REDIS_URL the channels are Redis pub/sub (any number of web processes); without it they live
in this process (the embedded default serves from one process). Presence (who has an agreement
page open right now) is kept the same way: a Redis sorted set, or a dict in this process.
"""

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
PRESENCE_TTL_SECONDS = 45.0
# A stream that lost Redis subscribes again after this long, doubling up to the second figure.
RESUBSCRIBE_SECONDS = (0.25, 4.0)
# Open streams one person may hold (tabs, windows, devices): opening one more closes the oldest.
MAX_STREAMS = 10


@dataclass(frozen=True)
class Message:
    agreement: str  # public id
    event: int  # Event.pk: also the SSE id, so a reconnecting browser says what it last saw
    # "changed", "presence", "need" (only one need's card changed), "comment" (one need's card
    # and the history changed), "notified" (a person's own notifications; with no agreement),
    # or "resumed" (the channel was lost for a while and is back: whatever was sent meanwhile
    # never arrived; with no agreement), or "close" (one of the person's streams is to close:
    # they opened too many; with no agreement)
    kind: str = "changed"
    need: int = 0  # with kind "need" or "comment": which one
    connection: str = ""  # with kind "close": which stream

    def dumps(self) -> str:
        return json.dumps(
            {
                "agreement": self.agreement,
                "event": self.event,
                "kind": self.kind,
                "need": self.need,
                "connection": self.connection,
            }
        )

    @classmethod
    def loads(cls, raw: str | bytes) -> "Message":
        data = json.loads(raw)
        return cls(
            agreement=str(data["agreement"]),
            event=int(data["event"]),
            kind=str(data["kind"]),
            need=int(data.get("need") or 0),
            connection=str(data.get("connection") or ""),
        )


class Hub(Protocol):
    def publish(self, user_ids: Iterable[int], message: Message) -> None: ...

    def subscribe(self, user_id: int) -> Any: ...  # async context manager -> asyncio.Queue

    def subscribers(self, user_id: int) -> int: ...

    def present(self, agreement: str) -> set[int]: ...

    def arrive(self, agreement: str, user_id: int, connection: str) -> None: ...

    def leave(self, agreement: str, user_id: int, connection: str) -> None: ...

    def open_stream(self, user_id: int, connection: str) -> None: ...

    def close_stream(self, user_id: int, connection: str) -> None: ...


def _close(hub: Hub, user_id: int, connections: Iterable[str]) -> None:
    """Ask the person's streams in `connections` to close, wherever they are served."""
    for connection in connections:
        hub.publish([user_id], Message(agreement="", event=0, kind="close", connection=connection))


class LocalHub:
    """Channels inside this process. Publishing is thread-safe: sync views run in threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]]] = (
            defaultdict(set)
        )
        self._presence: dict[str, dict[str, int]] = defaultdict(dict)
        self._streams: dict[int, list[str]] = defaultdict(list)  # oldest first

    def publish(self, user_ids: Iterable[int], message: Message) -> None:
        with self._lock:
            targets = [pair for uid in user_ids for pair in self._queues.get(uid, ())]
        for loop, queue in targets:
            # RuntimeError: that page's event loop is gone; its stream is closing anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(queue.put_nowait, message)

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._queues[user_id].add(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._queues[user_id].discard(entry)
                if not self._queues[user_id]:
                    del self._queues[user_id]

    def subscribers(self, user_id: int) -> int:
        with self._lock:
            return len(self._queues.get(user_id, ()))

    def present(self, agreement: str) -> set[int]:
        with self._lock:
            return set(self._presence.get(agreement, {}).values())

    def arrive(self, agreement: str, user_id: int, connection: str) -> None:
        with self._lock:
            self._presence[agreement][connection] = user_id

    def leave(self, agreement: str, user_id: int, connection: str) -> None:
        with self._lock:
            here = self._presence.get(agreement, {})
            here.pop(connection, None)
            if not here:  # nobody left on that page: forget the agreement
                self._presence.pop(agreement, None)

    def open_stream(self, user_id: int, connection: str) -> None:
        """Count a newly opened stream of the person's; the oldest beyond MAX_STREAMS close."""
        with self._lock:
            streams = self._streams[user_id]
            streams.append(connection)
            oldest = streams[:-MAX_STREAMS]
            del streams[:-MAX_STREAMS]
        _close(self, user_id, oldest)

    def close_stream(self, user_id: int, connection: str) -> None:
        with self._lock:
            streams = self._streams.get(user_id, [])
            if connection in streams:
                streams.remove(connection)
            if not streams:
                self._streams.pop(user_id, None)


class RedisHub:
    """Channels in Redis pub/sub, shared by every web process. While Redis is away, publishing
    and presence do nothing (the change itself is committed), and open streams subscribe again
    once it is back and then say "resumed", so their pages catch up from the Event log."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    @staticmethod
    def channel(user_id: int) -> str:
        return f"accord:live:user:{user_id}"

    @staticmethod
    def presence_key(agreement: str) -> str:
        return f"accord:live:presence:{agreement}"

    @staticmethod
    def streams_key(user_id: int) -> str:
        return f"accord:live:streams:{user_id}"

    def publish(self, user_ids: Iterable[int], message: Message) -> None:
        payload = message.dumps()
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for uid in user_ids:
                    pipe.publish(self.channel(uid), payload)
                pipe.execute()
        except redis.RedisError as error:
            # Nobody hears it now; every open stream lost Redis too and catches up when back.
            logger.warning("live update not published: %s", error)

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        tried = asyncio.Event()
        task = asyncio.create_task(self._listen(self.channel(user_id), queue, tried))
        # Whatever is published once the first attempt has subscribed reaches the queue; if it
        # failed (Redis is away), the stream opens anyway and hears "resumed" later.
        try:
            await tried.wait()
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(
        self, channel: str, queue: asyncio.Queue[Message], tried: asyncio.Event
    ) -> None:
        """Pass the channel's messages to `queue`; when Redis goes away, subscribe again until
        it is back, then put "resumed" in the queue."""
        lost, pause = False, RESUBSCRIBE_SECONDS[0]
        while True:
            # No retries inside redis-py: a reconnection it made on its own would hide the gap.
            client = aioredis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 0))
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel)
                tried.set()
                if lost:
                    queue.put_nowait(Message(agreement="", event=0, kind="resumed"))
                lost, pause = False, RESUBSCRIBE_SECONDS[0]
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        queue.put_nowait(Message.loads(item["data"]))
            except (redis.RedisError, OSError):
                tried.set()
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                    await client.aclose()
            lost = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, RESUBSCRIBE_SECONDS[1])

    def subscribers(self, user_id: int) -> int:
        counts = self._client.pubsub_numsub(self.channel(user_id))
        return int(counts[0][1]) if counts else 0

    def present(self, agreement: str) -> set[int]:
        try:
            members = self._client.zrangebyscore(self.presence_key(agreement), time.time(), "+inf")
        except redis.RedisError as error:
            logger.warning("presence unknown: %s", error)
            return set()
        return {int(str(m, "utf-8").split(":", 1)[0]) for m in members}  # type: ignore[arg-type]

    def arrive(self, agreement: str, user_id: int, connection: str) -> None:
        key = self.presence_key(agreement)
        try:
            with self._client.pipeline(transaction=False) as pipe:
                pipe.zadd(key, {f"{user_id}:{connection}": time.time() + PRESENCE_TTL_SECONDS})
                pipe.zremrangebyscore(key, "-inf", time.time())
                pipe.expire(key, int(PRESENCE_TTL_SECONDS * 2))
                pipe.execute()
        except redis.RedisError as error:  # renewed by the next keep-alive
            logger.warning("presence not recorded: %s", error)

    def leave(self, agreement: str, user_id: int, connection: str) -> None:
        try:
            self._client.zrem(self.presence_key(agreement), f"{user_id}:{connection}")
        except redis.RedisError as error:  # the lease runs out by itself
            logger.warning("presence not cleared: %s", error)

    def open_stream(self, user_id: int, connection: str) -> None:
        """Count a newly opened stream of the person's, in every web process; the oldest beyond
        MAX_STREAMS close. A stream lost with its process is among the oldest, so it is the
        first to go and never holds a place for long."""
        key = self.streams_key(user_id)
        try:
            with self._client.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {connection: time.time_ns()})
                pipe.zrange(key, 0, -MAX_STREAMS - 1)
                pipe.zremrangebyrank(key, 0, -MAX_STREAMS - 1)
                pipe.expire(key, 24 * 60 * 60)
                oldest = pipe.execute()[1]
        except redis.RedisError as error:  # the stream works; it is just not counted
            logger.warning("stream not counted: %s", error)
            return
        _close(self, user_id, [str(member, "utf-8") for member in oldest])

    def close_stream(self, user_id: int, connection: str) -> None:
        try:
            self._client.zrem(self.streams_key(user_id), connection)
        except redis.RedisError as error:  # the oldest are closed first when it comes to that
            logger.warning("stream not uncounted: %s", error)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def hub() -> Hub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = RedisHub(settings.REDIS_URL) if settings.REDIS_URL else LocalHub()
        return _hub


def new_connection_id() -> str:
    return uuid.uuid4().hex


def sse(event: str, data: str = "", *, id: int | None = None) -> str:
    """One Server-Sent Event, as text."""
    lines = [f"event: {event}"]
    if id is not None:
        lines.append(f"id: {id}")
    lines.append(f"data: {data}")
    return "\n".join(lines) + "\n\n"


# Events after which only the need's own card looks different (its place on the page may follow).
CARD_EVENTS = {"accepted", "declined", "reworded", "reopened"}


def publish_event(agreement_id: int, event_id: int, event_kind: str, need_id: int | None) -> None:
    """After commit: a change to one need's card is announced as such, so pages can refresh just
    that card at once (and the rest of the region a little later); a comment too, and it changes
    nothing else but the history (no need's state, nothing that waits on anyone); anything else
    as a change to the agreement. Naming the need must not give away what is hidden: then it is
    a change to the agreement too."""
    if need_id and event_kind == "commented" and not _names_a_secret(event_kind, need_id):
        publish_change(agreement_id, event_id, kind="comment", need=need_id)
    elif need_id and event_kind in CARD_EVENTS and not _names_a_secret(event_kind, need_id):
        publish_change(agreement_id, event_id, kind="need", need=need_id)
    else:
        publish_change(agreement_id, event_id)


def _names_a_secret(event_kind: str, need_id: int) -> bool:
    """Whether announcing this need would tell the others what "answer independently" hides:
    which need was just answered while its answers are hidden, or that a counter-proposal
    (an answer too) exists while it is hidden from all but its author."""
    from django.db.models import Q

    from agreements.models import Need, hidden_answers
    from agreements.negotiation import ANSWER_EVENTS

    secret = hidden_answers()
    if event_kind in ANSWER_EVENTS:
        secret |= Q(answers_hidden=True)
    return Need.objects.filter(secret, pk=need_id).exists()


def publish_change(agreement_id: int, event_id: int, kind: str = "changed", need: int = 0) -> None:
    """Tell everyone now in the agreement that it changed. Called after commit."""
    from agreements.models import Participant

    # One query: every moment between the commit and the pages hearing of it counts. Only
    # those who may read it: a facilitator waiting for every party's agreement hears nothing.
    people = Participant.objects.readers().filter(agreement_id=agreement_id)
    rows = list(people.values_list("user_id", "agreement__public_id"))
    if not rows:  # nobody is in it any more
        return
    message = Message(agreement=rows[0][1], event=event_id, kind=kind, need=need)
    hub().publish([user_id for user_id, _ in rows], message)


def publish_notified(user_id: int) -> None:
    """A reminder landed in someone's notifications: their pages refresh the unread count."""
    hub().publish([user_id], Message(agreement="", event=0, kind="notified"))


def publish_presence(agreement_id: int) -> None:
    """Someone opened or closed the agreement page."""
    publish_change(agreement_id, 0, kind="presence")


def publish_presence_and_close(agreement_id: int) -> None:
    """publish_presence from a stream, which must give its database connection back."""
    try:
        publish_presence(agreement_id)
    finally:
        close_connections()


def close_connections() -> None:
    """Return this thread's database connections to the pool (not inside a transaction: tests
    run in one)."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()
