import os
import sys

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Sync views run in threads that share the GIL. A request making many short database round
# trips (a live update's card) waits for the GIL after each one, up to the switch interval
# (5 ms by default), while another thread renders a whole page: about 60 ms lost per card
# under that load. A shorter interval lets it through at a negligible cost.
sys.setswitchinterval(0.001)


class Handler(ASGIHandler):
    """Django's ASGI handler with the middleware chain built as under WSGI, then run in one
    worker thread: one trip from the event loop to a thread and back per request.

    Our views are sync, except the live-update stream. Built the ASGI way, the chain crosses
    between the event loop and threads at every async-capable middleware's process_request and
    process_response and again around the view: several trips per request, each costing more
    CPU than a small view itself. The stream, an async view, is run on the event loop from the
    chain (Django's sync handler does that), and its events are sent from the loop as before.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        chain = self._middleware_chain  # type: ignore[has-type]  # set by load_middleware
        self._middleware_chain = sync_to_async(chain, thread_sensitive=True)


django.setup(set_prefix=False)
application = Handler()
