"""One reminder dispatcher pass over a large database: its time and its number of queries.

    BENCH_DATABASE_URL=postgres://…/accord_bench REDIS_URL=redis://… \\
        .venv/bin/python bench/reminder_sweep.py [agreements] [needs per agreement]

Defaults: 20,000 agreements with 5 open needs each (100,000 needs, each waiting on someone, so
100,000 pending reminders). Each pass claims due rows (FOR UPDATE SKIP LOCKED, at most
DISPATCH_BATCH) and publishes one send task per row to Redis; the tasks go to a queue of the
bench's own, deleted afterwards, so no worker sends anything. Then the send itself runs here on
the first SENDS reminders claimed (emails kept in memory): each must be sent, not dropped as no
longer holding, or the bench exits 1.
"""

import datetime
import os
import sys
import time
import uuid
from collections import Counter

from _setup import bench_database

AGREEMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
PER_AGREEMENT = int(sys.argv[2]) if len(sys.argv) > 2 else 5
CHUNK = 5_000
SENDS = 200


def build(now: datetime.datetime) -> None:
    """Agreements, parties, needs and their reminders, inserted in bulk (the rules are tested
    elsewhere; here only the volume matters)."""
    from accounts.models import User
    from agreements.models import Agreement, Need, Participant, Version, Wait
    from notifications.models import Reason, Reminder

    users = User.objects.bulk_create(
        [User(email=f"p{n}@bench.example", password="!") for n in range(2 * AGREEMENTS)],
        batch_size=CHUNK,
    )
    agreements = Agreement.objects.bulk_create(
        [Agreement(title=f"Bench {n}", created_by=users[2 * n]) for n in range(AGREEMENTS)],
        batch_size=CHUNK,
    )
    Participant.objects.bulk_create(
        [
            Participant(agreement=agreement, user=users[2 * n + side])
            for n, agreement in enumerate(agreements)
            for side in (0, 1)
        ],
        batch_size=CHUNK,
    )
    versions = Version.objects.bulk_create(
        [Version(agreement=agreement, number=1) for agreement in agreements], batch_size=CHUNK
    )
    needs = Need.objects.bulk_create(
        [
            Need(
                version=version,
                author=users[2 * n],
                statement=f"Need {k}",
                status=Need.Status.PUT_DOWN,
                put_down_at=now,
            )
            for n, version in enumerate(versions)
            for k in range(PER_AGREEMENT)
        ],
        batch_size=CHUNK,
    )
    Through = Need.addressees.through
    Through.objects.bulk_create(
        [
            Through(need=need, user=users[2 * (i // PER_AGREEMENT) + 1])
            for i, need in enumerate(needs)
        ],
        batch_size=CHUNK,
    )
    # Who waits on whom, as `agreements.services.settle` would store it after each need was put
    # down (settling agreement by agreement would take longer than the sweep being measured):
    # the send reads these rows to ask whether a reminder still holds.
    Wait.objects.bulk_create(
        [
            Wait(
                agreement_id=need.version.agreement_id,
                user=users[2 * (i // PER_AGREEMENT) + 1],
                reason=Wait.Reason.ANSWER,
                subject=need.pk,
                since=now,  # when it was put down
            )
            for i, need in enumerate(needs)
        ],
        batch_size=CHUNK,
    )
    # Due times spread over the next day, as needs put down over a day would have them.
    spread = datetime.timedelta(days=1) / len(needs)
    Reminder.objects.bulk_create(
        [
            Reminder(
                user=users[2 * (i // PER_AGREEMENT) + 1],
                reason=Reason.NEED_WAITING,
                agreement_id=need.version.agreement_id,
                subject=need.pk,
                due_at=now + i * spread,
                send_after=now + i * spread,
            )
            for i, need in enumerate(needs)
        ],
        batch_size=CHUNK,
    )


def settled_as_stored(now: datetime.datetime) -> bool:
    """Whether `services.settle` finds nothing to change on the first agreement: the rows
    inserted in bulk are what it would have stored."""
    from django.db import transaction

    from agreements.models import Agreement, Need, Wait
    from agreements.services import settle

    agreement = Agreement.objects.order_by("pk").first()
    assert agreement is not None

    def stored() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        needs = Need.objects.filter(version__agreement=agreement).order_by("pk")
        waits = Wait.objects.filter(agreement=agreement).order_by("pk")
        wait_fields = ("pk", "user_id", "email", "reason", "subject", "since", "until")
        return (
            list(needs.values_list("pk", "state", "answers_hidden")),
            list(waits.values_list(*wait_fields)),
        )

    before = stored()
    with transaction.atomic():
        settle(agreement, now=now, announce=False)  # the stored facts only: reminders as they are
    return stored() == before


def sends(ids: list[int], now: datetime.datetime) -> tuple[Counter[str], float]:
    """Run the send task's service on each reminder: what happened to them, and the time."""
    from notifications.services import reminder_send

    began = time.perf_counter()
    outcomes = Counter(reminder_send(reminder_id=pk, now=now) for pk in ids)
    return outcomes, time.perf_counter() - began


def main() -> None:
    # The sends below build real emails: keep them in memory, never hand them to a server.
    os.environ["EMAIL_URL"] = "memorymail://"
    database = bench_database()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.celery import app
    from notifications import services
    from notifications.models import Reminder
    from notifications.tasks import enqueue_sends

    now = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
    started = time.perf_counter()
    build(now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"database: {connection.vendor} ({database.rsplit('/', 1)[-1]})")
    print(
        f"built {AGREEMENTS:,} agreements, {AGREEMENTS * PER_AGREEMENT:,} open needs and "
        f"{Reminder.objects.count():,} pending reminders in {time.perf_counter() - started:.1f} s"
    )
    if not settled_as_stored(now):
        sys.exit("settling the first agreement changed what the bench stored: fix build()")

    redis = bool(os.environ.get("REDIS_URL"))
    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    published: list[int] = []
    publishing = [0.0]

    def enqueue(ids: list[int], when: datetime.datetime) -> None:
        began = time.perf_counter()
        if redis:
            enqueue_sends(ids, when, queue=queue)
        published.extend(ids)
        publishing[0] = time.perf_counter() - began

    print(f"publishing to: {'Redis' if redis else 'nowhere (REDIS_URL unset: claims only)'}")
    print(
        f"{'due within':>10} {'rows due':>9} {'claimed':>8} {'queries':>8} {'pass (s)':>9}"
        f" {'of which publishing':>20}"
    )
    hour = datetime.timedelta(hours=1)
    # An hour's worth due, then a backlog of a whole day (every row due at once).
    for label, moment in (("1 hour", now + hour), ("1 day", now + 25 * hour)):
        due = Reminder.objects.pending().filter(send_after__lte=moment).count()
        Reminder.objects.update(claimed_at=None)
        published.clear()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            claimed = services.reminders_dispatch(now=moment, enqueue=enqueue)
            elapsed = time.perf_counter() - began
        assert claimed == len(published)
        count = len(queries.captured_queries)
        print(
            f"{label:>10} {due:>9,} {claimed:>8,} {count:>8} {elapsed:>9.2f} {publishing[0]:>20.2f}"
        )
    if redis:
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(  # type: ignore[attr-defined]
                queue
            )
    print(
        f"at most {services.DISPATCH_BATCH:,} rows per pass; the beat's task runs passes one "
        f"after another for up to {services.SWEEP_SECONDS:.0f} s while passes come back full"
    )
    tried = published[:SENDS]
    outcomes, elapsed = sends(tried, moment)
    print(
        f"sends of the first {len(tried):,} claimed (the worker's task, run here): "
        + ", ".join(f"{outcome} {times:,}" for outcome, times in outcomes.most_common())
        + f"; {elapsed / len(tried) * 1000:.1f} ms each"
    )
    if outcomes["sent"] != len(tried):
        sys.exit("some reminders were not sent: the send no longer finds who waits on whom")


if __name__ == "__main__":
    main()
