"""What the live layer does when the core records a change: tell the pages, once it is committed."""

from typing import Any

from django.db import transaction

from agreements.models import Agreement, Event
from live import channel


def announce(sender: Any, *, agreement: Agreement, event: Event, **kwargs: Any) -> None:
    # Robust: the change is committed whatever happens to the live channel.
    transaction.on_commit(
        lambda: channel.publish_event(agreement.pk, event.pk, event.kind, event.need_id),
        robust=True,
    )
