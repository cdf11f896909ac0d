"""Celery tasks: each takes ids, loads what it needs and calls a service."""

import datetime

from celery import shared_task
from django.utils import timezone

from notifications import services


def _when(now: str | None) -> datetime.datetime:
    return datetime.datetime.fromisoformat(now) if now else timezone.now()


def enqueue_sends(ids: list[int], now: datetime.datetime, *, queue: str | None = None) -> None:
    """One send per claimed reminder, published over a single broker connection."""
    with send_reminder.app.producer_or_acquire() as producer:
        for pk in ids:
            send_reminder.apply_async(
                (pk, now.isoformat()),
                producer=producer,
                queue=queue or send_reminder.app.conf.task_default_queue,
            )


@shared_task(name="notifications.dispatch_reminders", ignore_result=True)
def dispatch_reminders(now: str | None = None) -> int:
    """Run by beat every minute: claim what is due and enqueue its sends."""
    return services.reminders_sweep(now=_when(now), enqueue=enqueue_sends)


@shared_task(
    name="notifications.send_reminder",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_reminder(reminder_id: int, now: str | None = None) -> str:
    """Send one reminder, once. When the send fails, for any reason, it is rolled back, logged,
    and the row waits in the database with backoff (no countdown sits in the broker)."""
    return services.reminder_send(reminder_id=reminder_id, now=_when(now))
