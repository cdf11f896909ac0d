import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

from config.logs import hide_invitation_tokens

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sync views run in threads that share the GIL. A request making many short database round
# trips (a live update's card) waits for the GIL after each one, up to the switch interval
# (5 ms by default), while another thread renders a whole page: about 60 ms lost per card
# under that load. A shorter interval lets it through at a negligible cost.
sys.setswitchinterval(0.001)


def _threads() -> int:
    """As many request threads as the database pool has connections (DATABASE_POOL_MAX): a
    request waits for a thread, holding nothing, rather than for a connection in the pool."""
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    return int(pool["max_size"]) if isinstance(pool, dict) else 10


class Handler(ASGIHandler):
    """Django's ASGI handler, serving each request the way a threaded WSGI server does: the
    `request_started` signal, the middleware chain (built as under WSGI) with the view, and
    `request_finished` all run in one trip from the event loop to a thread of a fixed pool.

    Django's own handler crosses between the event loop and threads for each signal, at every
    async-capable middleware's process_request and process_response and around the view, and
    starts a new thread for every request: together more CPU than a small view itself. Our
    views are sync, except the live-update stream: an async view, run on the event loop from
    the chain (Django's sync handler does that), whose events are sent from the loop as Django
    sends them, until the browser leaves.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._threads = ThreadPoolExecutor(_threads(), thread_name_prefix="request")

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            set_script_prefix(get_script_prefix(scope))
            respond = sync_to_async(self._respond, thread_sensitive=False, executor=self._threads)
            response = await respond(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)  # closed already: see _respond
                return
            await self._stream(response, receive, send)

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """The response, in a request thread. A whole response is closed here, before it is
        sent (its content is in memory): `request_finished` gives the database connection back
        to the pool in the thread that took it."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error = self.create_request(scope, body_file)
        if request is None:
            assert error is not None, "no request without the response that says why"
            response: HttpResponseBase = error
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if response.streaming:
            close_old_connections()  # what the view used; the stream takes its own as it goes
        else:
            response.close()
        return response

    async def _stream(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """A streaming response, as Django sends it: stopped when the browser disconnects."""

        class Sent(Exception):
            pass

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.listen_for_disconnect(receive))
                await self.send_response(response, send)
                raise Sent
        except* (Sent, RequestAborted):
            pass
        await sync_to_async(response.close)()


django.setup(set_prefix=False)
hide_invitation_tokens()
application = Handler()
