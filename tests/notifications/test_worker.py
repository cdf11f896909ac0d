"""Reminders through a real Celery worker on a real Redis, against the real database: sent once,
whatever runs twice or dies half-way. Transactional tests: the worker sees committed rows only."""

import datetime
import functools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection
from pytest_django.fixtures import Settings

from accounts.models import User
from agreements.models import Agreement, Version
from config.celery import app
from notifications import services
from notifications.models import Reason, Reminder
from notifications.tasks import enqueue_sends, send_reminder
from tests.agreements.factories import AgreementFactory, join_directly, open_version, put_down
from tests.conftest import require
from tests.notifications.conftest import MONDAY
from tests.support.asgi_server import database_url
from tests.support.processes import children_of
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)
PROJECT = Path(__file__).resolve().parents[2]


def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait for another process or thread to get somewhere (not a wait on time itself)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    """A queue of this test's own, so no other worker takes its tasks."""
    name = f"accord-test-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(  # type: ignore[attr-defined]
            name
        )


@pytest.fixture
def smtp(settings: Settings) -> Iterator[SmtpServer]:
    server = SmtpServer()
    settings.MAILERS = {"default": server.mailer()}
    yield server
    server.stop()


@pytest.fixture
def finished() -> Iterator[list[str]]:
    """What each send task run by the in-process worker returned."""
    outcomes: list[str] = []

    def record(sender: object = None, retval: object = None, **kwargs: object) -> None:
        if getattr(sender, "name", "") == send_reminder.name:
            outcomes.append(str(retval))

    task_postrun.connect(record, weak=False)
    yield outcomes
    task_postrun.disconnect(record)


@pytest.fixture
def waiting_reminder(alice: User, bob: User) -> Reminder:
    """Bob has owed Alice an answer since Monday; his first reminder is due Tuesday."""
    agreement: Agreement = AgreementFactory.create(creator=alice, title="Our home")
    join_directly(agreement, bob)
    version: Version = open_version(agreement)
    put_down(version, alice, "Tell me when you will be late.", now=MONDAY)
    return Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING)


def test_a_due_reminder_is_sent_exactly_once(
    waiting_reminder: Reminder, queue: str, smtp: SmtpServer, finished: list[str], bob: User
) -> None:
    enqueue = functools.partial(enqueue_sends, queue=queue)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        assert services.reminders_dispatch(now=MONDAY + DAY - DAY / 24, enqueue=enqueue) == 0
        assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueue) == 1
        assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueue) == 0
        eventually(lambda: finished == ["sent"], "the send ran")

    assert [m.recipients for m in smtp.delivered] == [[bob.email]]
    waiting_reminder.refresh_from_db()
    assert waiting_reminder.sent_at == MONDAY + DAY


def test_a_send_task_run_twice_sends_once(
    waiting_reminder: Reminder, queue: str, smtp: SmtpServer, finished: list[str]
) -> None:
    require(connection.vendor == "postgresql", "row locks and pg_stat_activity are PostgreSQL's")
    smtp.hold_next()
    when = (MONDAY + DAY).isoformat()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, queues=[queue]):
        send_reminder.apply_async((waiting_reminder.pk, when), queue=queue)
        send_reminder.apply_async((waiting_reminder.pk, when), queue=queue)
        assert smtp.holding.wait(20), "the first send never reached the mail server"
        # The second run waits on the row lock the first holds while its email is on its way.
        eventually(lambda: _waiting_on_locks() >= 1, "the second run waits on the row lock")
        smtp.release()
        eventually(lambda: len(finished) == 2, "both runs finished")

    assert sorted(finished) == ["handled already", "sent"]
    assert len(smtp.delivered) == 1


def test_digest_mode_sends_one_email_with_all_due_items(
    alice: User, bob: User, queue: str, smtp: SmtpServer, finished: list[str]
) -> None:
    from notifications.models import Delivery, Preferences

    Preferences.objects.create(user=bob, need_waiting=Delivery.DIGEST)
    agreement: Agreement = AgreementFactory.create(creator=alice, title="Our home")
    join_directly(agreement, bob)
    for n in range(3):
        put_down(open_version(agreement), alice, f"Need number {n}", now=MONDAY)
    enqueue = functools.partial(enqueue_sends, queue=queue)
    digest_at = datetime.datetime(2026, 3, 4, 8, 0, tzinfo=datetime.UTC)  # Bob's clock is UTC
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueue) == 3
        eventually(lambda: finished == ["deferred"] * 3, "all three were held for the digest")
        assert services.reminders_dispatch(now=digest_at, enqueue=enqueue) == 3
        eventually(lambda: len(finished) == 6, "the digest went")

    assert sorted(finished[3:]) == ["handled already", "handled already", "sent a digest of 3"]
    assert len(smtp.delivered) == 1
    assert "Subject: [Accord] 3 things wait for you on Accord" in smtp.delivered[0].data


def _through_worker(queue: str, finished: list[str], *moments: datetime.datetime) -> None:
    """Run the dispatcher at each moment, as beat would, with a real worker sending."""
    enqueue = functools.partial(enqueue_sends, queue=queue)
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        for moment in moments:
            before = len(finished)
            claimed = services.reminders_dispatch(now=moment, enqueue=enqueue)
            eventually(lambda: len(finished) == before + claimed, "the sends ran")  # noqa: B023


def test_quiet_hours_defer_to_the_next_allowed_time_in_their_time_zone(
    waiting_reminder: Reminder, bob: User, queue: str, smtp: SmtpServer, finished: list[str]
) -> None:
    bob.time_zone = "Asia/Tokyo"  # Tuesday 12:00 UTC is 21:00 there: quiet from 21:00
    bob.save()
    morning = datetime.datetime(2026, 3, 3, 23, 0, tzinfo=datetime.UTC)  # 08:00 in Tokyo

    _through_worker(queue, finished, MONDAY + DAY, morning - datetime.timedelta(minutes=1))
    assert finished == ["deferred"]
    assert smtp.delivered == []
    waiting_reminder.refresh_from_db()
    assert waiting_reminder.send_after == morning

    _through_worker(queue, finished, morning)
    assert finished == ["deferred", "sent"]
    assert len(smtp.delivered) == 1


def test_unsubscribing_stops_that_reason(
    waiting_reminder: Reminder, bob: User, queue: str, smtp: SmtpServer, finished: list[str]
) -> None:
    from django.test import Client

    from notifications.emails import unsubscribe_token

    token = unsubscribe_token(bob, ["need_waiting"])
    assert Client().post(f"/unsubscribe/{token}/").status_code == 200

    _through_worker(queue, finished, MONDAY + DAY)

    assert finished == ["off"]
    assert smtp.delivered == []
    assert not Reminder.objects.pending().filter(user=bob).exists()


def test_answering_the_need_stops_its_reminders(
    waiting_reminder: Reminder, bob: User, queue: str, smtp: SmtpServer, finished: list[str]
) -> None:
    from agreements.models import Need
    from tests.agreements.factories import answer

    _through_worker(queue, finished, MONDAY + DAY)  # the first reminder goes out
    answer(Need.objects.get(), bob, "accept", now=MONDAY + 2 * DAY)
    _through_worker(queue, finished, MONDAY + 30 * DAY)  # long after every follow-up was due

    about_the_need = [m for m in smtp.delivered if "waiting for your answer" in m.data]
    assert len(about_the_need) == 1
    assert Reminder.objects.filter(reason=Reason.NEED_WAITING).count() == 1  # no follow-up
    # What it now calls for instead: both signatures (the version is settled).
    assert {m.recipients[0] for m in smtp.delivered} - {bob.email} == {"alice@example.com"}


def test_a_send_that_fails_is_counted_and_waits_rather_than_going_round(
    waiting_reminder: Reminder, queue: str, finished: list[str], settings: Settings, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "mail"  # mail set up wrong: a file where a folder should be
    not_a_folder.touch()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(not_a_folder)},
        }
    }

    _through_worker(queue, finished, MONDAY + DAY)

    assert len(finished) == 1 and finished[0].startswith("send failed")
    waiting_reminder.refresh_from_db()
    assert (waiting_reminder.failures, waiting_reminder.claimed_at) == (1, None)
    assert waiting_reminder.send_after == MONDAY + DAY + datetime.timedelta(minutes=1)


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# A worker in its own process, killed with SIGKILL in the middle of sending ----------------


class WorkerProcess:
    def __init__(self, queue: str, smtp: SmtpServer, redis_url: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
        env |= {
            "DEBUG": "true",
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": redis_url,
            "EMAIL_URL": smtp.url,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        assert self.process.stderr is not None
        self.log: list[str] = []
        for line in self.process.stderr:  # wait until it consumes
            self.log.append(line)
            if "ready." in line:
                break
        else:
            raise AssertionError("the worker did not start:\n" + "".join(self.log))
        # Keep reading what it logs, so a full pipe never stalls it (and a failure can show it).
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def children(self) -> list[int]:
        return children_of(self.process.pid)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def _sent(reminder: Reminder) -> bool:
    reminder.refresh_from_db()
    return reminder.sent_at is not None


@pytest.mark.parametrize("kill", ["the pool process", "the whole worker"])
def test_a_worker_killed_mid_send_and_started_again_sends_once(
    kill: str, waiting_reminder: Reminder, queue: str, smtp: SmtpServer, redis_url: str
) -> None:
    enqueue = functools.partial(enqueue_sends, queue=queue)
    worker = WorkerProcess(queue, smtp, redis_url)
    try:
        smtp.hold_next()
        assert services.reminders_dispatch(now=MONDAY + DAY, enqueue=enqueue) == 1
        assert smtp.holding.wait(30), "the send never reached the mail server"
        if kill == "the pool process":
            # The worker sees its child die and puts the task back (reject_on_worker_lost);
            # a fresh child sends it.
            [child] = worker.children()
            os.kill(child, signal.SIGKILL)
        else:
            worker.kill()
            worker = WorkerProcess(queue, smtp, redis_url)
            # The lost task sits unacknowledged in Redis; the dispatcher claims the row again
            # once its claim has gone stale and hands it to the new worker.
            later = MONDAY + DAY + services.CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
            assert services.reminders_dispatch(now=later, enqueue=enqueue) == 1
        try:
            eventually(lambda: _sent(waiting_reminder), "the reminder went out", timeout=20)
        except AssertionError:
            # Celery puts the task back on the queue when a pool process dies, but on a loaded
            # machine it has been seen not to come back; the database does not depend on it:
            # the stale claim is claimed again and the send still happens once.
            later = MONDAY + DAY + services.CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
            assert services.reminders_dispatch(now=later, enqueue=enqueue) == 1
            eventually(lambda: _sent(waiting_reminder), "the reminder went out", timeout=30)
    finally:
        worker.kill()

    assert smtp.abandoned == 1  # the first attempt died before the server accepted it
    assert len(smtp.delivered) == 1
    # Should the lost task turn up again later, it finds the reminder sent.
    assert (
        services.reminder_deliver(reminder_id=waiting_reminder.pk, now=MONDAY + 2 * DAY)
        == "handled already"
    )
    assert len(smtp.delivered) == 1
