"""The live-update stream (Server-Sent Events) and the small fragments it asks pages to refresh."""

import asyncio
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from agreements.dashboard import waiting_count
from agreements.models import Agreement, Event, Participant
from agreements.views import participant_for
from live import channel


async def _release_database() -> None:
    """A stream lasts as long as the page is open: it must not hold a database connection
    meanwhile (the pool would run dry). The ORM's async calls run in this request's thread,
    so close that thread's connections, which returns them to the pool."""
    await sync_to_async(channel.close_connections)()


def _int(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


async def stream(request: HttpRequest, public_id: str | None = None) -> StreamingHttpResponse:
    """One stream per open page: `waiting` when anything of yours changed (the navigation count
    follows), and on an agreement page `changed`, `settle`, `need-N`, `history` and `presence`
    for that agreement, whose region brings the navigation count with it."""
    user = await request.auser()
    if not user.is_authenticated:
        raise Http404
    agreement = None
    if public_id is not None:
        participant = await (
            Participant.objects.readers()  # a facilitator waiting for consent hears nothing
            .select_related("agreement")
            .filter(agreement__public_id=public_id, user_id=user.pk)
            .afirst()
        )
        if participant is None:
            raise Http404
        agreement = participant.agreement
    await _release_database()
    # The page says which change it was rendered after; a reconnecting browser says which
    # change it saw last. Whatever happened since is announced at once.
    since = max(_int(request.GET.get("since")), _int(request.headers.get("Last-Event-ID")))
    response = StreamingHttpResponse(
        _events(user.pk, agreement, since), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


def _is_still_in(agreement: Agreement, user_id: int) -> bool | None:
    try:
        readers = Participant.objects.readers()  # ended access ends the stream at once
        return readers.filter(agreement=agreement, user_id=user_id).exists()
    except DatabaseError:
        # No connection to be had (a busy pool, PostgreSQL restarting): unknown, not "gone".
        return None
    finally:
        channel.close_connections()


async def _still_in(agreement: Agreement, user_id: int) -> bool | None:
    """Whether the person may still read the agreement; None when that cannot be checked now.
    One trip to a worker thread for the check and for giving the connection back: a change is
    announced only after this, and each trip may wait for a busy thread to let go."""
    return await sync_to_async(_is_still_in)(agreement, user_id)


async def _latest(agreement: Agreement) -> int:
    latest = (await Event.objects.filter(agreement=agreement).aaggregate(n=Max("pk")))["n"]
    await _release_database()
    return int(latest or 0)


async def _events(user_id: int, agreement: Agreement | None, since: int) -> AsyncIterator[str]:
    hub = channel.hub()
    connection = channel.new_connection_id()
    async with hub.subscribe(user_id) as queue:
        # Everything from counting the stream on is inside the `try`: a page closed at the
        # first message is let go like any other.
        try:
            # Subscribed first: a stream opened after this one may already ask it to close.
            await sync_to_async(hub.open_stream)(user_id, connection)
            if agreement is not None:
                await sync_to_async(hub.arrive)(agreement.public_id, user_id, connection)
                await sync_to_async(channel.publish_presence_and_close)(agreement.pk)
                latest = await _latest(agreement)
                if latest > since:
                    yield channel.sse("changed", id=latest)
            # Reconnect quickly after a drop (the browser's default wait is several seconds).
            yield "retry: 1000\n: connected\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), channel.KEEPALIVE_SECONDS)
                except TimeoutError:
                    if agreement is not None:
                        # Unknown (no database connection now) is checked again next time:
                        # a keep-alive tells nothing. An outsider is told "gone".
                        if await _still_in(agreement, user_id) is False:
                            yield channel.sse("gone")
                            return
                        await sync_to_async(hub.arrive)(agreement.public_id, user_id, connection)
                    yield ": keep-alive\n\n"
                    continue
                if message.kind == "notified":
                    yield channel.sse("notified")
                    continue
                if message.kind == "close":
                    if message.connection == connection:
                        # The person opened too many: this, their oldest, stops for good
                        # ("gone" tells the page not to reconnect).
                        yield channel.sse("gone")
                        return
                    continue
                if message.kind == "resumed":
                    # The channel was lost for a while: what was announced meanwhile never
                    # came, so announce the latest change (the page skips it if it has it).
                    if agreement is not None:
                        still_in = await _still_in(agreement, user_id)
                        if not still_in:
                            if still_in is False:
                                yield channel.sse("gone")
                            return  # unknown: the page reconnects and catches up
                        if latest := await _latest(agreement):
                            yield channel.sse("changed", id=latest)
                    yield channel.sse("waiting")
                    yield channel.sse("notified")
                    continue
                if agreement is not None and message.agreement == agreement.public_id:
                    still_in = await _still_in(agreement, user_id)
                    if still_in is False:
                        yield channel.sse("gone")
                        return
                    if still_in is None:
                        if message.kind == "presence":
                            continue  # who else is here can wait for the next one
                        # A change is never announced unchecked: end the stream; the page
                        # reconnects in a second and catches up from what it saw last.
                        return
                    if message.kind == "presence":
                        yield channel.sse("presence")
                    elif message.kind == "need":
                        # The card first, at once; then the region settles (groups, counts,
                        # and the navigation count, which it brings along).
                        yield channel.sse(f"need-{message.need}", id=message.event)
                        yield channel.sse("settle", id=message.event)
                    elif message.kind == "comment":
                        # The card at once; then the history, which alone has a new line.
                        yield channel.sse(f"need-{message.need}", id=message.event)
                        yield channel.sse("history", id=message.event)
                    else:
                        yield channel.sse("changed", id=message.event)
                    continue  # the region's refresh brings the navigation count along
                if message.kind in ("changed", "need"):
                    yield channel.sse("waiting")
        finally:
            # The page closed (or the server is stopping): no awaiting here, the task may be
            # cancelled; the others hear about it from a worker thread.
            hub.close_stream(user_id, connection)
            if agreement is not None:
                hub.leave(agreement.public_id, user_id, connection)
                asyncio.get_running_loop().run_in_executor(
                    None, channel.publish_presence_and_close, agreement.pk
                )


@login_required
def presence(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Who else has this agreement open right now."""
    participant = participant_for(request, public_id)
    present = sorted(channel.hub().present(participant.agreement.public_id) - {request.user.pk})
    here = (
        Participant.objects.active()
        .filter(agreement_id=participant.agreement_id, user_id__in=present)
        .select_related("user")
        .order_by("pk")
    )
    others = [p.user for p in here]
    return render(
        request, "live/_presence.html", {"others": others, "agreement": participant.agreement}
    )


@login_required
def waiting(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The number in the navigation: how many things wait on you."""
    count = waiting_count(request.user)
    return render(request, "agreements/_waiting_count.html", {"count": count})
