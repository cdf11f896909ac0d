"""The core tells the apps above it what changed through signals sent inside the change's
transaction (`agreements.signals`): a change and what follows from it commit together or not
at all, and each recorded event is told once."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.dispatch import Signal

from accounts.models import User
from agreements import services, signals
from agreements.models import Agreement, Event, Need, NeedState, Response, Version, Wait
from notifications.models import Reason, Reminder
from tests.agreements.factories import put_down, reload


class Listener:
    """Connected to one signal for one test; fails when told to."""

    def __init__(self, signal: Signal, fail: bool = False) -> None:
        self.signal, self.fail = signal, fail
        self.heard: list[dict[str, Any]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        self.heard.append(kwargs)
        if self.fail:
            raise RuntimeError("the receiver is down")


@pytest.fixture
def listen() -> Iterator[Any]:
    connected: list[Listener] = []

    def connect(signal: Signal, fail: bool = False) -> Listener:
        listener = Listener(signal, fail)
        signal.connect(listener, weak=False, dispatch_uid=f"test-{id(listener)}")
        connected.append(listener)
        return listener

    yield connect
    for listener in connected:
        listener.signal.disconnect(dispatch_uid=f"test-{id(listener)}")


@pytest.fixture
def need(version: Version, alice: User, bob: User) -> Need:
    return put_down(version, alice, to=[bob])


def test_each_change_is_recorded_once_with_its_event(
    listen: Any, agreement: Agreement, need: Need, bob: User
) -> None:
    recorded = listen(signals.recorded)
    settled = listen(signals.settled)

    services.need_respond(need=need, party=bob, answer="accept")

    event = Event.objects.filter(agreement=agreement).latest("pk")
    assert event.kind == Event.Kind.ACCEPTED
    assert recorded.heard == [{"signal": signals.recorded, "event": event, "agreement": agreement}]
    [told] = settled.heard
    assert told["agreement"] == agreement
    assert told["loaded"].state_of(need) == NeedState.AGREED


def test_a_comment_is_recorded_but_settles_nothing(listen: Any, need: Need, alice: User) -> None:
    recorded = listen(signals.recorded)
    settled = listen(signals.settled)

    services.need_comment(need=need, author=alice, body="Thank you.")

    assert [told["event"].kind for told in recorded.heard] == [Event.Kind.COMMENTED]
    assert settled.heard == []


@pytest.mark.parametrize("signal", [signals.recorded, signals.settled], ids=["recorded", "settled"])
def test_a_receiver_that_fails_takes_the_change_back_with_it(
    listen: Any, signal: Signal, agreement: Agreement, need: Need, bob: User
) -> None:
    waits = list(Wait.objects.filter(agreement=agreement).values_list())
    reminders = list(Reminder.objects.values_list())
    events = Event.objects.count()
    listen(signal, fail=True)

    with pytest.raises(RuntimeError, match="the receiver is down"):
        services.need_respond(need=need, party=bob, answer="accept")

    assert not Response.objects.filter(need=need).exists()
    assert reload(need).state == NeedState.OPEN
    assert Event.objects.count() == events
    assert list(Wait.objects.filter(agreement=agreement).values_list()) == waits
    assert list(Reminder.objects.values_list()) == reminders


def test_the_reminders_follow_in_the_same_change(need: Need, bob: User) -> None:
    waiting = Reminder.objects.pending().filter(user=bob, reason=Reason.NEED_WAITING)
    assert waiting.exists()

    services.need_respond(need=need, party=bob, answer="accept")

    assert not waiting.exists()
