"""Load: 200 people negotiating at once against the production server setup, driven by locust.

    .venv/bin/python bench/load.py [seconds at full load] [people]   (default 60, 200)

Seeds 50 agreements of four parties (10 to 20 needs each, most answered, with comments), signs
the 200 people in, starts uvicorn as docker-compose.yml runs it (DEBUG off, WEB_WORKERS workers,
default 2) on PostgreSQL and Redis, and runs locust headless in one process on the same machine
(bench/locustfile.py says what each person does). People arrive 20 a second; the figures count
from the moment all 200 are there, for the given number of seconds. Prints requests per second,
p50, p95, p99 and errors per kind of request and in total, and the CPU the server, locust and
everything else (PostgreSQL, Redis, other jobs) used meanwhile.

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/accord_load, dropped and
created again) and REDIS_URL (default redis://127.0.0.1:6379/7).
"""

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from _setup import PROJECT, bench_database, machine_speed

from tests.support.asgi_server import AsgiServer, logged_causes

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
PEOPLE = int(sys.argv[2]) if len(sys.argv) > 2 else 200
AGREEMENTS = PEOPLE // 4
SPAWN_RATE = 5  # people arriving a second
WARM_UP = 20  # seconds after the last arrival before the figures start
WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
TICKS = os.sysconf("SC_CLK_TCK")
SERVER_LOG = PROJECT / "var" / "load-server.log"


def seed() -> list[dict[str, str]]:
    """The agreements, and for each person their session cookie and their agreement."""
    from _agreement import make_agreement, session_cookie
    from django.test import override_settings

    people = []
    # Nobody signs in with a password here: hashing 200 of them properly would take minutes.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for n in range(AGREEMENTS):
            agreement, parties = make_agreement(10 + n * 7 % 11, prefix=f"load{n}")
            for person in parties:
                people.append({"session": session_cookie(person), "agreement": agreement.public_id})
    return people


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children still running."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except FileNotFoundError:  # it ended meanwhile
        pass
    return total


def machine_seconds() -> tuple[float, float]:
    """CPU seconds the machine spent busy and in all, summed over its cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def run_locust(url: str, people_file: str, out: Path) -> tuple[int, float]:
    """locust's exit code and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    ramp = PEOPLE // SPAWN_RATE
    with open(out / "locust.log", "w") as log:
        done = subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(PROJECT / "bench" / "locustfile.py"),
                "--headless", "--host", url, "-u", str(PEOPLE), "-r", str(SPAWN_RATE),
                "-t", f"{SECONDS + ramp + WARM_UP}s", "--reset-stats", "--csv", str(out / "load"),
                "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
            ],
            env=os.environ
            | {
                "ACCORD_LOAD_PEOPLE": people_file,
                "ACCORD_LOAD_STREAMS": str(out / "streams.json"),
                "ACCORD_LOAD_WARM_UP": str(WARM_UP),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return done.returncode, used


def server_errors(log: Path) -> None:
    """What the server logged: how many failed requests and streams, and the causes."""
    lines = log.read_text(errors="replace").splitlines()
    failed = sum(line.startswith("Internal Server Error") for line in lines)
    streams = sum("Exception in ASGI application" in line for line in lines)
    causes = Counter(logged_causes(log))
    print(f"  server log ({log.relative_to(PROJECT)}): {failed} requests failed (500), "
          f"{streams} live streams broke off (ramp-up included)")  # fmt: skip
    for cause, times in causes.most_common(3):
        print(f"    {times} x {cause}")


def report(out: Path) -> int:
    """Print the figures per kind of request; return how many requests were counted."""
    with open(out / "load_stats.csv") as f:
        rows = list(csv.DictReader(f))
    print(
        f"  {'request':36} {'count':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}"
    )
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", -int(r["Request Count"]))):
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"  {name:36} {row['Request Count']:>6} {float(row['Requests/s']):7.1f} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {row['Failure Count']:>6}"
        )
    with open(out / "load_failures.csv") as f:
        failures = list(csv.DictReader(f))
    for failure in failures:
        print(f"  error: {failure['Name']}: {failure['Error']} ({failure['Occurrences']} times)")
    streams = json.loads((out / "streams.json").read_text())
    print(f"  live streams that dropped once open (errors too): {streams['dropped']}")
    return sum(int(row["Request Count"]) for row in rows if row["Name"] == "Aggregated")


def main() -> None:
    load_before = os.getloadavg()  # what else the machine was doing, before this bench added to it
    speed = machine_speed()
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/accord_load")
    redis = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    database = bench_database()
    from django.db import connection

    started = time.monotonic()
    people = seed()
    seeded = time.monotonic() - started
    connection.close()

    with tempfile.TemporaryDirectory(prefix="accord-load-") as folder:
        out = Path(folder)
        people_file = out / "people.json"
        people_file.write_text(json.dumps(people))
        # The server's errors go to a file: under overload it writes thousands of tracebacks,
        # which would bury the figures.
        SERVER_LOG.unlink(missing_ok=True)
        server = AsgiServer(
            database=database, redis=redis, production=True, workers=WORKERS, log=SERVER_LOG
        ).start()
        assert server.process is not None
        pid = server.process.pid
        # The CPU used while the figures are counted, from when they start (the arrivals and
        # the warm-up over) to the end: per request, it says what each one costs.
        window: dict[str, float] = {}
        counting = threading.Timer(
            PEOPLE / SPAWN_RATE + WARM_UP,
            lambda: window.update(server=cpu_seconds(pid), machine=machine_seconds()[0]),
        )
        try:
            server_before, machine_before = cpu_seconds(pid), machine_seconds()
            counting.start()
            code, locust_cpu = run_locust(server.url, str(people_file), out)
            counting.cancel()
            server_after, machine_after = cpu_seconds(pid), machine_seconds()
            server_cpu = server_after - server_before
            busy, total = (b - a for a, b in zip(machine_before, machine_after, strict=True))
        finally:
            server.stop()
        if code != 0 or not (out / "load_stats.csv").exists():
            print((out / "locust.log").read_text(), file=sys.stderr)
            raise SystemExit(f"locust exited with {code}")

        cores = os.cpu_count() or 1
        wall = total / cores
        print(
            f"load: {PEOPLE} people in {AGREEMENTS} agreements of 4 (10 to 20 needs each, "
            f"seeded in {seeded:.0f} s); uvicorn, {WORKERS} workers, DEBUG off, PostgreSQL, "
            f"Redis; locust (1 process, same machine), {PEOPLE} users arriving "
            f"{SPAWN_RATE}/s, figures over {SECONDS} s from {WARM_UP} s after the last arrived; "
            "times in ms"
        )
        print("  load average before the run: " + ", ".join(f"{x:.2f}" for x in load_before))
        print(f"  machine speed: {speed:.1f} ms for bench/_setup.py's fixed loop (lower is faster)")
        counted = report(out)
        server_errors(SERVER_LOG)
        print(f"  CPU during the run ({wall:.0f} s, {cores} cores): server {server_cpu:.0f} s "
              f"({server_cpu / wall:.0%} of a core), locust {locust_cpu:.0f} s "
              f"({locust_cpu / wall:.0%}), everything else {busy - server_cpu - locust_cpu:.0f} s "
              f"({(busy - server_cpu - locust_cpu) / wall:.0%}), idle "
              f"{total - busy:.0f} s")  # fmt: skip
        if window and counted:
            rate = counted / SECONDS
            server_ms = (server_after - window["server"]) / counted * 1000
            machine_ms = (machine_after[0] - window["machine"]) / counted * 1000
            print(f"  while counting: {rate:.1f} req/s, {rate / PEOPLE:.2f} a person; CPU per "
                  f"request: server {server_ms:.1f} ms, whole machine {machine_ms:.1f} ms "
                  "(locust, PostgreSQL and Redis included)")  # fmt: skip
        print("  target: no errors, p95 under 150 ms")


if __name__ == "__main__":
    main()
