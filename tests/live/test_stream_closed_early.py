"""A page closed while its live stream sends its first message: the stream is let go like any
other (the person is no longer shown as here, the stream no longer counted)."""

from collections.abc import AsyncGenerator

import pytest
from asgiref.sync import async_to_sync

from accounts.models import User
from live import channel, streams
from tests.agreements.helpers import start

pytestmark = pytest.mark.django_db


def test_a_stream_closed_at_its_first_message_is_let_go(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = channel.LocalHub()
    monkeypatch.setattr(channel, "_hub", hub)
    agreement = start(alice)

    async def scenario() -> tuple[str, set[int], set[int]]:
        events = streams._events(alice.pk, agreement, since=0)
        assert isinstance(events, AsyncGenerator)
        first = await anext(events)  # "changed": the page missed the agreement's first change
        here = hub.present(agreement.public_id)
        # What the server does when the page has gone while that message was on its way.
        await events.aclose()
        return first, here, hub.present(agreement.public_id)

    first, while_open, after = async_to_sync(scenario)()
    assert first.startswith("event: changed")
    assert while_open == {alice.pk}
    assert after == set()
    assert alice.pk not in hub._streams  # no longer counted against MAX_STREAMS
