"""One sweep of the reminder dispatcher, for people who run it from cron instead of beat."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from notifications import services


class Command(BaseCommand):
    help = "Send every reminder that is due now (one dispatcher pass, sending in this process)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO date and time to treat as now (default: now).")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the sends to the Celery workers instead of sending here.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = datetime.datetime.fromisoformat(options["now"]) if options["now"] else None
        outcomes: list[str] = []

        def send_here(ids: list[int], when: datetime.datetime) -> None:
            for pk in ids:
                outcomes.append(services.reminder_send(reminder_id=pk, now=when))

        if options["queue"]:
            from notifications.tasks import enqueue_sends

            claimed = services.reminders_sweep(now=now or timezone.now(), enqueue=enqueue_sends)
            self.stdout.write(f"Claimed {claimed} due reminder(s) and queued their sends.")
            return
        claimed = services.reminders_sweep(now=now or timezone.now(), enqueue=send_here)
        sent = sum(1 for outcome in outcomes if outcome.startswith("sent"))
        failed = sum(1 for outcome in outcomes if outcome.startswith(("send failed", "gave up")))
        self.stdout.write(f"Claimed {claimed} due reminder(s); {sent} email(s) sent.")
        if failed:
            self.stderr.write(f"{failed} could not be sent; the log says why.")
