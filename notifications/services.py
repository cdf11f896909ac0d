"""Reminder workflows: the dispatcher that claims what is due, the send that makes sure a
reminder goes out once, and the one-click unsubscribe."""

import datetime
import logging
import time
from collections.abc import Callable

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from accounts.models import User
from live import channel
from notifications import emails, planning
from notifications.models import Delivery, Notification, Preferences, Reminder

logger = logging.getLogger(__name__)

# A claimed reminder whose send has not finished by then is claimed again (its task was lost:
# a broker restart, a purged queue). The send re-checks under a row lock, so this never doubles.
# A claim whose hand-over to the broker failed outright is let go at once instead.
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
# One pass claims at most this many rows, so each pass (one transaction) stays short; a sweep
# runs passes while they come back full, for at most SWEEP_SECONDS, so a backlog drains at once.
DISPATCH_BATCH = 2000
SWEEP_SECONDS = 45.0
# A send that fails this many times in a row (about six hours of trying, with the backoff
# below) is given up: logged as an error and marked failed, never claimed again.
MAX_FAILURES = 12


def _due(now: datetime.datetime) -> "Q":
    return Q(send_after__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )


@transaction.atomic
def reminders_dispatch(
    *,
    now: datetime.datetime | None = None,
    enqueue: Callable[[list[int], datetime.datetime], None],
    limit: int = DISPATCH_BATCH,
) -> int:
    """Claim up to `limit` due reminders and hand their ids to `enqueue` once the claim is
    committed. Rows another dispatcher holds are skipped, so two beats never send twice."""
    now = now or timezone.now()
    ids = list(
        Reminder.objects.pending()
        .filter(_due(now))
        .order_by("send_after")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Reminder.objects.filter(pk__in=ids).update(claimed_at=now)
        transaction.on_commit(lambda: _hand_over(ids, now, enqueue))
    return len(ids)


def _hand_over(
    ids: list[int], now: datetime.datetime, enqueue: Callable[[list[int], datetime.datetime], None]
) -> None:
    """After the claim is committed, publish the sends. When the broker cannot be reached the
    claims are let go at once, so the next pass tries again rather than after CLAIM_TIMEOUT. A
    task published before the failure may then be published twice: the send locks the row and
    re-checks it, so the second run finds the reminder sent."""
    try:
        enqueue(ids, now)
    except Exception:
        Reminder.objects.pending().filter(pk__in=ids, claimed_at=now).update(claimed_at=None)
        raise


def retry_delay(failures: int) -> datetime.timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most an hour."""
    return datetime.timedelta(minutes=min(2 ** (failures - 1), 60))


def reminder_send(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """Send one reminder (`reminder_deliver`); when that fails, for whatever reason (the mail
    server, a header it refuses, a template), log it and count the attempt instead, so the row
    waits with backoff and is given up after MAX_FAILURES. Returns what happened."""
    now = now or timezone.now()
    try:
        return reminder_deliver(reminder_id=reminder_id, now=now)
    except Exception:
        logger.exception("Reminder %s could not be sent", reminder_id)
        return reminder_send_failed(reminder_id=reminder_id, now=now)


@transaction.atomic
def reminder_send_failed(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """A send failed (rolled back with everything it did): try again later, with backoff. The
    wait lives in the database (the dispatcher claims the row again), never in the broker.
    After MAX_FAILURES it is given up, and its next follow-up is planned as if it had gone, so
    a long mail server outage costs one reminder, not every one after it."""
    now = now or timezone.now()
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
    if reminder is None or reminder.is_handled:
        return "handled already"
    reminder.failures += 1
    reminder.claimed_at = None
    if reminder.failures >= MAX_FAILURES:
        reminder.dropped = Reminder.Dropped.FAILED
        reminder.save(update_fields=["failures", "claimed_at", "dropped"])
        _plan_follow_ups([reminder], now)
        logger.error("Reminder %s given up after %s failed sends", reminder.pk, reminder.failures)
        return f"gave up after {reminder.failures} failed sends"
    reminder.send_after = now + retry_delay(reminder.failures)
    reminder.save(update_fields=["failures", "send_after", "claimed_at"])
    return f"send failed; trying again at {reminder.send_after:%H:%M}"


def reminders_sweep(
    *,
    now: datetime.datetime | None = None,
    enqueue: Callable[[list[int], datetime.datetime], None],
    deadline: float = SWEEP_SECONDS,
) -> int:
    """Dispatcher passes one after another while they come back full (a backlog), within
    `deadline` seconds. Returns how many reminders were claimed in all."""
    started, total = time.monotonic(), 0
    while True:
        claimed = reminders_dispatch(now=now, enqueue=enqueue)
        total += claimed
        if claimed < DISPATCH_BATCH or time.monotonic() - started > deadline:
            return total


def _notify(reminder: Reminder, user: User, now: datetime.datetime) -> None:
    """The in-app copy, once per reminder, in the person's language."""
    if Notification.objects.filter(reminder=reminder).exists():
        return
    with translation.override(user.language):
        item = emails.item_for(reminder, quote=False)
    transaction.on_commit(lambda: channel.publish_notified(user.pk), robust=True)
    Notification.objects.create(
        user=user,
        reminder=reminder,
        reason=reminder.reason,
        agreement=reminder.agreement,
        text=item.text[:300],
        url=item.url[:300],
        created_at=now,
    )


def _holds(
    reminder: Reminder, now: datetime.datetime, known: dict[int, planning.Wanted] | None = None
) -> bool:
    """Whether the reason still holds; `known` keeps what each agreement calls for, so a digest
    of many reminders asks once per agreement."""
    known = {} if known is None else known
    if reminder.agreement_id not in known:
        known[reminder.agreement_id] = planning.wanted(reminder.agreement, now)
    return known[reminder.agreement_id].holds(reminder)


def _mark_sent(reminders: list[Reminder], now: datetime.datetime) -> None:
    Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(sent_at=now)
    _plan_follow_ups(reminders, now)


def _plan_follow_ups(reminders: list[Reminder], now: datetime.datetime) -> None:
    follow_ups = [row for r in reminders if (row := planning.follow_up(r, sent_at=now)) is not None]
    if follow_ups:
        Reminder.objects.bulk_create(follow_ups, ignore_conflicts=True)


def _drop_obsolete(
    reminders: list[Reminder], now: datetime.datetime, known: dict[int, planning.Wanted]
) -> None:
    """Drop reminders whose reason no longer holds (`known`: what their agreements call for).
    Their slot may only have passed (a review date gone by while nothing was sent): the slots
    still ahead for the same reason take their place, so the next one is not lost with them."""
    planning.withdraw_unread([r.pk for r in reminders])
    Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(
        dropped=Reminder.Dropped.OBSOLETE
    )
    ahead = [row for r in reminders for row in planning.ahead(r, known[r.agreement_id], now)]
    if ahead:
        Reminder.objects.bulk_create(ahead, ignore_conflicts=True)


@transaction.atomic
def reminder_deliver(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """Send one reminder if it is still due and still holds, exactly once: the row stays locked
    from the check of `sent_at` until the email has gone and `sent_at` is committed, so a
    second run of the same task waits and then finds it sent. Returns what happened."""
    now = now or timezone.now()
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("user", "agreement")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or reminder.is_handled:
        return "handled already"
    if reminder.user is not None and not reminder.user.is_active:
        # A deactivated account: let it go, and plan nothing after it.
        reminder.dropped = Reminder.Dropped.OBSOLETE
        reminder.save(update_fields=["dropped"])
        return "account deactivated"
    known: dict[int, planning.Wanted] = {}
    if not _holds(reminder, now, known):
        _drop_obsolete([reminder], now, known)
        return "obsolete"
    user = reminder.user
    if user is None:  # an invitee without an account: one plain reminder
        emails.build([reminder], to=reminder.email, user=None, preferences=None).send()
        _mark_sent([reminder], now)
        return "sent"
    # Digests for one person are put together one at a time.
    Preferences.objects.get_or_create(user=user)
    preferences = Preferences.objects.select_for_update().get(user=user)
    mode = preferences.delivery(reminder.reason)
    if mode == Delivery.OFF:
        reminder.dropped = Reminder.Dropped.OFF
        reminder.save(update_fields=["dropped"])
        return "off"
    _notify(reminder, user, now)
    if mode == Delivery.DIGEST and not reminder.in_digest:
        return _defer(reminder, preferences.next_digest(now), in_digest=True)
    later = preferences.next_allowed(now)
    if later > now:
        return _defer(reminder, later, in_digest=reminder.in_digest)
    if mode == Delivery.DIGEST:
        return _send_digest(reminder, user, preferences, now)
    emails.build([reminder], to=user.email, user=user, preferences=preferences).send()
    _mark_sent([reminder], now)
    return "sent"


def _defer(reminder: Reminder, when: datetime.datetime, *, in_digest: bool) -> str:
    reminder.send_after, reminder.in_digest, reminder.claimed_at = when, in_digest, None
    reminder.save(update_fields=["send_after", "in_digest", "claimed_at"])
    return "deferred"


def _send_digest(
    first: Reminder, user: User, preferences: Preferences, now: datetime.datetime
) -> str:
    """Everything of this person's that waits for the digest, in one email."""
    others = list(
        Reminder.objects.pending()
        .filter(user=user, in_digest=True, send_after__lte=now)
        .exclude(pk=first.pk)
        .select_related("user", "agreement")
        .select_for_update(of=("self",))
        .order_by("send_after", "pk")
    )
    batch: list[Reminder] = [first]
    obsolete: list[Reminder] = []
    off: list[int] = []
    known: dict[int, planning.Wanted] = {}
    for reminder in others:
        mode = preferences.delivery(reminder.reason)
        if not _holds(reminder, now, known):
            obsolete.append(reminder)
        elif mode == Delivery.OFF:
            off.append(reminder.pk)
        elif mode == Delivery.DIGEST:
            batch.append(reminder)
        # Switched to "right away" since: its own task sends it.
    if obsolete:
        _drop_obsolete(obsolete, now, known)
    Reminder.objects.filter(pk__in=off).update(dropped=Reminder.Dropped.OFF)
    emails.build(batch, to=user.email, user=user, preferences=preferences).send()
    _mark_sent(batch, now)
    return f"sent a digest of {len(batch)}"


@transaction.atomic
def preferences_unsubscribe(*, token: str) -> tuple[User, list[str]]:
    """Turn off what a one-click unsubscribe link stands for. BadSignature if it is not one."""
    user_id, fields = emails.read_unsubscribe_token(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise signing.BadSignature("no such person")
    preferences, _created = Preferences.objects.select_for_update().get_or_create(user=user)
    for name in fields:
        setattr(preferences, name, Delivery.OFF)
    preferences.save(update_fields=fields)
    return user, fields


def notifications_mark_read(*, user: User, now: datetime.datetime | None = None) -> int:
    return Notification.objects.unread().filter(user=user).update(read_at=now or timezone.now())
