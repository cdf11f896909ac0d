"""What is lost when Redis or PostgreSQL goes away for a while, or a worker dies mid-batch.

    .venv/bin/python bench/failures.py [redis] [postgres] [worker] [--json FILE]

Starts everything on free ports and stops it all at the end: a PostgreSQL cluster and a Redis
server of its own (never the shared ones, which it leaves alone), the app under uvicorn with
DEBUG off, a Celery worker and a small SMTP server. Runs the scenarios asked for (all three by
default) and prints what each showed. Reminders are counted by the SMTP server itself, one
recipient per reminder, so "duplicated" means a second email really went out. Exits 1 when
anything was lost or sent twice, or a request hung. The server's errors go to
var/failures-server.log; where a request fails that should not have, the report quotes the
exceptions the server logged for it.
"""

import datetime
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from _setup import PROJECT

from tests.support.asgi_server import AsgiServer, logged_causes
from tests.support.outage import CeleryWorker, Postgres, RedisServer
from tests.support.smtp import SmtpServer

# A Monday noon (UTC): reminders are planned from it and sent a day later, time passed in.
MONDAY = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
# Seconds: a request taking longer than this during an outage counts as hanging. A request
# waits for a database connection up to the pool's timeout (5 s), then gets the error page.
SLOW = 7.0


def eventually(check: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until `check` held, or None if it never did within `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.05)
    return round(time.monotonic() - started, 2)


@dataclass
class Stack:
    """Everything a scenario drives."""

    postgres: Postgres
    redis: RedisServer
    smtp: SmtpServer
    server: AsgiServer
    worker: CeleryWorker
    worker_env: dict[str, str]


# People, agreements and reminders (in this process, through the rules) ---------------------


def person(email: str, name: str, *, password: str | None = None) -> Any:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(email, password, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def waiting_people(prefix: str, count: int, due: datetime.datetime) -> list[str]:
    """`count` people each owing an answer to one need, their first reminder due at `due`.
    Returns their emails: one reminder each, so the SMTP server's recipients tell them apart."""
    from agreements import services
    from agreements.models import Participant

    author = person(f"author@{prefix}.example", "Author")
    agreement = services.agreement_create(creator=author, title=f"{prefix} agreement")
    emails = [f"p{n}@{prefix}.example" for n in range(count)]
    for email in emails:
        Participant.objects.create(agreement=agreement, user=person(email, email))
    need = services.need_draft(
        version=agreement.versions.get(), author=author, statement="Say so when you cannot come."
    )
    services.need_put_down(need=need, actor=author, now=due - DAY)
    return emails


def reminders_of(emails: list[str]) -> Any:
    from notifications.models import Reason, Reminder

    return Reminder.objects.filter(user__email__in=emails, reason=Reason.NEED_WAITING, attempt=0)


def dispatch(now: datetime.datetime) -> tuple[int, str]:
    """One dispatcher pass, as beat runs it: (claimed, error if the hand-over failed)."""
    from django.db import connections

    from notifications import services
    from notifications.tasks import enqueue_sends

    connections.close_all()  # as a worker starts each task: with a connection checked by the pool
    try:
        return services.reminders_dispatch(now=now, enqueue=enqueue_sends), ""
    except Exception as error:  # the broker is down: what the pass would log
        return -1, f"{type(error).__name__}: {error}"


def delivered_to(smtp: SmtpServer, emails: list[str]) -> Counter[str]:
    wanted = set(emails)
    return Counter(r for m in list(smtp.delivered) for r in m.recipients if r in wanted)


def tally(smtp: SmtpServer, emails: list[str]) -> dict[str, int]:
    seen = delivered_to(smtp, emails)
    return {
        "expected": len(emails),
        "delivered": len(seen),
        "lost": len(emails) - len(seen),
        "duplicated": sum(n - 1 for n in seen.values()),
    }


def all_sent(smtp: SmtpServer, emails: list[str]) -> Callable[[], bool]:
    return lambda: len(delivered_to(smtp, emails)) == len(emails)


# HTTP as a logged-in person ---------------------------------------------------------------


def session_for(user: Any) -> Any:
    from _agreement import session_cookie

    return {"sessionid": session_cookie(user)}


def browser(stack: Stack, user: Any, timeout: float = 30.0) -> Any:
    """An HTTP client with `user`'s session and a CSRF token for POSTs."""
    import httpx

    client = httpx.Client(base_url=stack.server.url, cookies=session_for(user), timeout=timeout)
    client.get("/notifications/")
    client.headers["X-CSRFToken"] = client.cookies.get("csrftoken") or ""
    return client


def timed(call: Callable[[], Any]) -> tuple[str, float]:
    """A request's status (or the error that ended it) and how long it took. A server error
    counts as answered cleanly ("500") only with the error page, never a traceback."""
    started = time.monotonic()
    try:
        response = call()
        status = str(response.status_code)
        if status == "500" and "Something went wrong" not in response.text:
            status = "500 without the error page"
    except Exception as error:
        status = type(error).__name__
    return status, round(time.monotonic() - started, 2)


class Stream:
    """An open live-update stream, as a page holds it; records each event's name and id."""

    def __init__(self, stack: Stack, user: Any, path: str) -> None:
        import httpx

        self.events: list[tuple[float, str, str]] = []  # (when, event, id)
        self.client = httpx.Client(
            base_url=stack.server.url, cookies=session_for(user), timeout=None
        )
        self.path = path
        self.connected = threading.Event()
        self.ended = ""
        threading.Thread(target=self._read, daemon=True).start()
        assert self.connected.wait(10), "the stream did not open"

    def _read(self) -> None:
        event, ident = "", ""
        try:
            with self.client.stream("GET", self.path) as response:
                for line in response.iter_lines():
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("id: "):
                        ident = line[4:]
                    elif line.startswith("data:"):
                        self.events.append((time.monotonic(), event, ident))
                        event, ident = "", ""
            self.ended = "closed by the server"
        except Exception as error:
            self.ended = type(error).__name__

    def heard(self, name: str, event_id: int, after: float = 0.0) -> bool:
        return any(e == name and i and int(i) >= event_id and t >= after for t, e, i in self.events)

    def close(self) -> None:
        self.client.close()


def comment(client: Any, agreement: Any, need: Any, body: str) -> Any:
    return client.post(f"/a/{agreement.public_id}/needs/{need.pk}/comment/", data={"body": body})


# Scenario 1: Redis stops and comes back -----------------------------------------------------


def redis_scenario(stack: Stack) -> dict[str, Any]:
    from django.db.models import Max

    from agreements import services
    from agreements.models import Event, Participant

    alice = person("alice@redis.example", "Alice")
    bob = person("bob@redis.example", "Bob")
    person("carol@redis.example", "Carol", password="failure-test-1")
    agreement = services.agreement_create(creator=alice, title="Redis outage")
    Participant.objects.create(agreement=agreement, user=bob)
    need = services.need_draft(version=agreement.versions.get(), author=alice, statement="Call.")
    services.need_put_down(need=need, actor=alice)
    # Two batches of reminders: one already queued in Redis when it goes (lost with it, since
    # it keeps nothing on disk), one coming due while it is away.
    queued = waiting_people("queued", 10, MONDAY + DAY)
    due_during = waiting_people("during", 10, MONDAY + DAY + datetime.timedelta(minutes=1))

    latest = Event.objects.filter(agreement=agreement).aggregate(n=Max("pk"))["n"]
    stream = Stream(stack, alice, f"/a/{agreement.public_id}/live/?since={latest}")
    bob_client = browser(stack, bob)

    # Queue the first batch while the worker is busy: it holds one send, the rest wait in Redis.
    stack.smtp.hold_next()
    claimed_queued, _error = dispatch(MONDAY + DAY)
    assert stack.smtp.holding.wait(20), "the worker never started sending"

    stack.redis.stop()
    stopped_at = time.monotonic()
    stack.smtp.release()
    requests = {
        "agreement page": timed(lambda: bob_client.get(f"/a/{agreement.public_id}/")),
        "dashboard": timed(lambda: bob_client.get("/")),
        "navigation count": timed(lambda: bob_client.get("/notifications/count/")),
        "presence": timed(lambda: bob_client.get(f"/a/{agreement.public_id}/presence/")),
        "comment (POST)": timed(lambda: comment(bob_client, agreement, need, "During the outage.")),
        "log in (POST)": timed(lambda: login(stack, "carol@redis.example", "failure-test-1")),
    }
    started = time.monotonic()
    try:  # a page opened while Redis is away still gets its stream
        late_stream: Stream | None = Stream(
            stack, bob, f"/a/{agreement.public_id}/live/?since={latest}"
        )
        requests["live stream opened"] = ("200", round(time.monotonic() - started, 2))
    except AssertionError:
        late_stream = None
        requests["live stream opened"] = ("no", round(time.monotonic() - started, 2))
    during_event = Event.objects.filter(agreement=agreement).aggregate(n=Max("pk"))["n"]
    claimed_during, dispatch_error = dispatch(MONDAY + DAY + datetime.timedelta(minutes=1))
    still_claimed = reminders_of(due_during).filter(claimed_at__isnull=False).count()
    time.sleep(max(0.0, 2.0 - (time.monotonic() - stopped_at)))  # Redis away for 2 s at least

    stack.redis.start()
    back_at = time.monotonic()
    caught_up = eventually(lambda: stream.heard("changed", during_event, back_at), 15)
    after = timed(lambda: comment(bob_client, agreement, need, "After the outage."))
    after_event = Event.objects.filter(agreement=agreement).aggregate(n=Max("pk"))["n"]
    later_heard = eventually(lambda: stream.heard("need-" + str(need.pk), after_event), 10)
    late_heard = late_stream and eventually(
        lambda: late_stream.heard("need-" + str(need.pk), after_event), 10
    )

    # The beat's next pass, a minute on; then one after a lost claim has gone stale.
    next_minute = MONDAY + DAY + datetime.timedelta(minutes=2)
    claimed_after, _error = dispatch(next_minute)
    during_sent = eventually(all_sent(stack.smtp, due_during), 30)
    during_tally = tally(stack.smtp, due_during)
    stale = next_minute + datetime_claim_timeout() + datetime.timedelta(minutes=1)
    reclaimed, _error = dispatch(stale)
    queued_sent = eventually(all_sent(stack.smtp, queued), 30)
    queued_tally = tally(stack.smtp, queued)
    time.sleep(1.0)  # anything sent twice would arrive about now
    during_tally["duplicated"] = tally(stack.smtp, due_during)["duplicated"]
    stream.close()
    if late_stream:
        late_stream.close()
    bob_client.close()
    return {
        "requests while Redis was down (status, seconds)": requests,
        "dispatcher pass while Redis was down": {
            "claimed": claimed_during,
            "error": dispatch_error,
            "claims left held": still_claimed,
        },
        "live: change made during the outage announced after Redis came back (s)": caught_up,
        "live: change made after Redis came back heard (s)": later_heard,
        "live: the same, on the stream opened while Redis was down (s)": late_heard,
        "comment after the outage": after,
        # Counted before any claim has gone stale: they must not wait for CLAIM_TIMEOUT.
        "reminders due during the outage": during_tally
        | {"claimed by the next pass": claimed_after, "all sent after (s)": during_sent},
        "reminders queued in Redis when it stopped": queued_tally
        | {
            "queued": claimed_queued,
            "claimed again once stale": reclaimed,
            "all sent after (s)": queued_sent,
        },
        "stream ended": stream.ended or "no (still open)",
    }


SERVER_LOG = PROJECT / "var" / "failures-server.log"


def server_log_size() -> int:
    return SERVER_LOG.stat().st_size if SERVER_LOG.exists() else 0


def datetime_claim_timeout() -> datetime.timedelta:
    from notifications.services import CLAIM_TIMEOUT

    return CLAIM_TIMEOUT


def login(stack: Stack, email: str, password: str) -> Any:
    import httpx

    with httpx.Client(base_url=stack.server.url, timeout=30) as client:
        client.get("/accounts/login/")
        return client.post(
            "/accounts/login/",
            data={"login": email, "password": password},
            headers={"X-CSRFToken": client.cookies.get("csrftoken") or ""},
        )


def redis_lost(result: dict[str, Any]) -> list[str]:
    problems = []
    requests = result["requests while Redis was down (status, seconds)"]
    for name, (status, seconds) in requests.items():
        if status not in {"200", "302"} or seconds > SLOW:
            problems.append(f"{name}: {status} in {seconds} s")
    if result["live: change made during the outage announced after Redis came back (s)"] is None:
        problems.append("the change made during the outage never reached the open page")
    if result["live: change made after Redis came back heard (s)"] is None:
        problems.append("a change after Redis came back never reached the open page")
    if result["live: the same, on the stream opened while Redis was down (s)"] is None:
        problems.append("a page opened while Redis was down never heard a change")
    if result["comment after the outage"][0] != "302":
        problems.append(f"comment after the outage: {result['comment after the outage']}")
    for batch in ("reminders due during the outage", "reminders queued in Redis when it stopped"):
        if result[batch]["lost"] or result[batch]["duplicated"]:
            problems.append(f"{batch}: {result[batch]}")
    return problems


# Scenario 2: PostgreSQL restarts under traffic ----------------------------------------------


def postgres_scenario(stack: Stack) -> dict[str, Any]:
    from django.db import connections

    from agreements import services
    from agreements.models import Participant

    alice = person("alice@pg.example", "Alice")
    bob = person("bob@pg.example", "Bob")
    agreement = services.agreement_create(creator=alice, title="PostgreSQL restart")
    Participant.objects.create(agreement=agreement, user=bob)
    after_restart = waiting_people("afterpg", 5, MONDAY + 2 * DAY)
    paths = [f"/a/{agreement.public_id}/", "/notifications/count/", "/healthz", "/"]
    server_pid = stack.server.process.pid if stack.server.process else 0
    log: list[tuple[float, str, float]] = []  # (started, status, seconds)
    stop = threading.Event()

    # First a restart while nothing is going on: the pool's idle connections are all dead.
    idle_client = browser(stack, bob)
    for path in paths:
        idle_client.get(path)
    # Requests at the same time, so that the pool holds several connections, all dead after
    # the restart.
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: idle_client.get(paths[0]), range(16)))
    connections.close_all()
    logged = server_log_size()
    stack.postgres.stop("fast")
    stack.postgres.start()
    idle: Counter[str] = Counter()
    idle_failures = []
    for path in paths * 5:
        status, seconds = timed(lambda p=path: idle_client.get(p))  # type: ignore[misc]
        idle[status] += 1
        if status != "200":
            idle_failures.append((path, status, seconds))
    idle_causes = logged_causes(SERVER_LOG, logged) if idle_failures else []
    idle_client.close()
    clients = [browser(stack, bob) for _ in range(4)]

    def traffic(n: int) -> None:
        client = clients[n]
        while not stop.is_set():
            started, path = time.monotonic(), paths[n % len(paths)]
            status, seconds = timed(lambda: client.get(path))  # noqa: B023
            log.append((started, status, seconds))
            n += 1
            time.sleep(0.05)
        client.close()

    threads = [threading.Thread(target=traffic, args=(n,)) for n in range(4)]
    connections.close_all()
    for thread in threads:
        thread.start()
    eventually(lambda: len(log) >= 8, 10)
    down_at = time.monotonic()
    stack.postgres.stop("fast")
    # Longer than the pool's timeout: the first requests get the error page, later ones wait.
    time.sleep(6.0)
    stack.postgres.start()
    up_at = time.monotonic()

    def settled() -> bool:  # two seconds of nothing but 200s
        recent = [s for t, s, _ in list(log) if t > time.monotonic() - 2.0]
        return time.monotonic() - up_at > 2.0 and bool(recent) and set(recent) == {"200"}

    recovered = eventually(settled, 30)
    stop.set()
    for thread in threads:
        thread.join(60)
    connections.close_all()

    during = [(s, d) for t, s, d in log if down_at <= t < up_at]
    after = [(t, s) for t, s, _ in log if t >= up_at]
    first_ok = next((round(t - up_at, 2) for t, s in after if s == "200"), None)
    failures_after = [(round(t - up_at, 2), s) for t, s in after if s != "200"]
    # The worker recovers too: reminders due after the restart go out.
    claimed, error = dispatch(MONDAY + 2 * DAY)
    sent = eventually(all_sent(stack.smtp, after_restart), 30)
    return {
        "requests before the stop": sum(1 for t, _s, _d in log if t < down_at),
        "requests while PostgreSQL was down": len(during),
        "their statuses": dict(Counter(s for s, _ in during)),
        "slowest of them (s)": max((d for _, d in during), default=0.0),
        "first 200 after PostgreSQL was back (s)": first_ok,
        "failures after it was back (s after, status)": failures_after[:10],
        "number of failures after it was back": len(failures_after),
        "only 200s again after (s)": recovered,
        "after a restart while idle, the next 20 requests": dict(idle),
        "of those, failed (path, status, seconds)": idle_failures,
        "the server's causes for them": idle_causes,
        "same server process": bool(
            stack.server.process
            and stack.server.process.pid == server_pid
            and stack.server.process.poll() is None
        ),
        "reminders after the restart": tally(stack.smtp, after_restart)
        | {"claimed": claimed, "error": error, "all sent after (s)": sent},
    }


def postgres_lost(result: dict[str, Any]) -> list[str]:
    problems = []
    if not result["requests while PostgreSQL was down"]:
        problems.append("no request was made while PostgreSQL was down")
    # A request may also wait out the restart and succeed.
    unclean = set(result["their statuses"]) - {"200", "500"}
    if unclean:
        problems.append(f"requests during the outage ended with {sorted(unclean)}")
    if result["slowest of them (s)"] > SLOW:
        problems.append(f"a request during the outage took {result['slowest of them (s)']} s")
    if result["only 200s again after (s)"] is None:
        problems.append("the app did not recover")
    if set(result["after a restart while idle, the next 20 requests"]) != {"200"}:
        problems.append("requests failed after a restart while idle")
    if not result["same server process"]:
        problems.append("the server process did not survive")
    if result["reminders after the restart"]["lost"]:
        problems.append(f"reminders after the restart: {result['reminders after the restart']}")
    return problems


# Scenario 3: a worker killed mid-batch -------------------------------------------------------


def worker_scenario(stack: Stack) -> dict[str, Any]:
    emails = waiting_people("batch", 60, MONDAY + 3 * DAY)
    now = MONDAY + 3 * DAY
    claimed, _error = dispatch(now)
    # Let a third go, then hold the next send open and kill the worker, pool and all.
    eventually(lambda: len(delivered_to(stack.smtp, emails)) >= 20, 30)
    stack.smtp.hold_next()
    assert stack.smtp.holding.wait(20), "no send reached the mail server"
    abandoned_before = stack.smtp.abandoned
    stack.worker.kill()
    sent_when_killed = len(delivered_to(stack.smtp, emails))
    stack.worker.start()
    # The new worker drains what was still queued; what the dead one held stays claimed.
    drained = eventually(lambda: reminders_of(emails).filter(sent_at__isnull=True).count() <= 4, 30)
    time.sleep(1.0)
    left = reminders_of(emails).filter(sent_at__isnull=True).count()
    reclaimed, _error = dispatch(now + datetime_claim_timeout() + datetime.timedelta(minutes=1))
    done = eventually(all_sent(stack.smtp, emails), 30)
    time.sleep(1.0)
    # Kill a pool process mid-send too: Celery puts its task back at once.
    pool_emails = waiting_people("pool", 10, MONDAY + 4 * DAY)
    stack.smtp.hold_next()
    pool_claimed, _error = dispatch(MONDAY + 4 * DAY)
    assert stack.smtp.holding.wait(20), "no send reached the mail server"
    os.kill(stack.worker.children()[0], 9)
    pool_done = eventually(all_sent(stack.smtp, pool_emails), 30)
    if pool_done is None:  # its task did not come back: the stale claim is claimed again
        dispatch(MONDAY + 4 * DAY + datetime_claim_timeout() + datetime.timedelta(minutes=1))
        pool_done = eventually(all_sent(stack.smtp, pool_emails), 30)
    time.sleep(1.0)
    return {
        "whole worker killed": tally(stack.smtp, emails)
        | {
            "claimed": claimed,
            "sent before the kill": sent_when_killed,
            "send cut off mid-way": stack.smtp.abandoned - abandoned_before,
            "queue drained by the new worker (s)": drained,
            "left claimed by the dead worker": left,
            "claimed again once stale": reclaimed,
            "all sent after (s)": done,
        },
        "one pool process killed": tally(stack.smtp, pool_emails)
        | {"claimed": pool_claimed, "all sent after (s)": pool_done},
    }


def worker_lost(result: dict[str, Any]) -> list[str]:
    return [
        f"{name}: {figures}"
        for name, figures in result.items()
        if figures["lost"] or figures["duplicated"]
    ]


SCENARIOS: dict[str, tuple[Callable[[Stack], dict[str, Any]], Callable[..., list[str]]]] = {
    "redis": (redis_scenario, redis_lost),
    "postgres": (postgres_scenario, postgres_lost),
    "worker": (worker_scenario, worker_lost),
}


def main() -> int:
    args = sys.argv[1:]
    report_to = ""
    if "--json" in args:
        at = args.index("--json")
        report_to = args[at + 1]
        del args[at : at + 2]
    wanted = args or list(SCENARIOS)
    postgres, redis, smtp = Postgres(), RedisServer(), SmtpServer()
    server: AsgiServer | None = None
    worker: CeleryWorker | None = None
    results: dict[str, Any] = {}
    started = time.monotonic()
    try:
        postgres.start()
        redis.start()
        database = postgres.create_database("accord")
        os.environ |= {
            "DATABASE_URL": database,
            "REDIS_URL": redis.url(0),
            "EMAIL_URL": smtp.url,
            "DEBUG": os.environ.get("DEBUG", "true"),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k" * 50),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT, check=True
        )
        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from config.celery import app

        queue = str(app.conf.task_default_queue)
        worker_env = dict(os.environ)
        # The errors an outage causes are what this measures: their tracebacks go to a file,
        # where the report quotes the causes of any that should not have happened.
        SERVER_LOG.unlink(missing_ok=True)
        server = AsgiServer(database=database, redis=redis.url(0), production=True, log=SERVER_LOG)
        server.env["LOG_LEVEL"] = os.environ.get("SERVER_LOG_LEVEL", "ERROR")
        server.start()
        logging.getLogger().setLevel(logging.CRITICAL)
        worker = CeleryWorker(worker_env, queue).start()
        stack = Stack(postgres, redis, smtp, server, worker, worker_env)
        print(f"set up in {time.monotonic() - started:.1f} s")
        for name in wanted:
            run, judge = SCENARIOS[name]
            began = time.monotonic()
            result = run(stack)
            result["problems"] = judge(result)
            result["seconds"] = round(time.monotonic() - began, 1)
            results[name] = result
            print(f"\n== {name} ({result['seconds']} s)")
            for key, value in result.items():
                if key not in {"problems", "seconds"}:
                    print(f"  {key}: {value}")
            print(f"  LOST OR DUPLICATED OR UNCLEAN: {result['problems'] or 'nothing'}")
    finally:
        if worker is not None:
            worker.kill()
        if server is not None:
            server.stop()
        smtp.stop()
        redis.stop()
        postgres.remove()
    print(f"\nall done in {time.monotonic() - started:.1f} s")
    if report_to:
        with open(report_to, "w") as out:
            json.dump(results, out, indent=2)
    return 1 if any(r["problems"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
