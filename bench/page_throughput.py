"""Requests per second of the agreement page (4 parties, 50 needs with answers and comments)
against a cheap view through the same middleware, same server, same run, and their ratio.

    .venv/bin/python bench/page_throughput.py [seconds per view]   (default 20)

The cheap view is the unread-notifications count (`/notifications/count/`), as the navigation
fetches it: the whole middleware stack (session, user, CSRF, locale, CSP…), one count query and a
one-line template. Nothing changes during the run, so the agreement page is served as kept
(agreements/kept.py). A kept page is keyed by what changed, not by its query string, so the page
rendered after a change is measured apart, in bench/render_after_change.py. One uvicorn
worker, DEBUG off, 8 concurrent clients logged in as one party; the views take turns in slices
so that a change in the machine's load hits them alike.
Uses BENCH_DATABASE_URL (default: a fresh SQLite file) and REDIS_URL when set.
"""

import asyncio
import logging
import os
import sys
import time

import httpx
from _setup import bench_database, machine_speed, percentile

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
SLICES = 4  # turns each view takes
CONCURRENCY = 8


async def load(client: httpx.AsyncClient, url: str, seconds: float) -> tuple[list[float], int]:
    """Keep CONCURRENCY requests in flight for `seconds`: latencies (ms) and non-200 count."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get(url)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies, errors


async def compare(urls: dict[str, str], cookie: str) -> dict[str, tuple[float, float, float, int]]:
    """For each view: req/s, p50 ms, p95 ms, errors."""
    latencies: dict[str, list[float]] = {name: [] for name in urls}
    elapsed = dict.fromkeys(urls, 0.0)
    errors = dict.fromkeys(urls, 0)
    async with httpx.AsyncClient(cookies={"sessionid": cookie}, timeout=60) as client:
        for url in urls.values():
            await client.get(url)  # warm up: templates, connections
        for _ in range(SLICES):
            for name, url in urls.items():
                started = time.monotonic()
                taken, failed = await load(client, url, SECONDS / SLICES)
                elapsed[name] += time.monotonic() - started
                latencies[name] += taken
                errors[name] += failed
    return {
        name: (
            len(latencies[name]) / elapsed[name],
            percentile(latencies[name], 0.5),
            percentile(latencies[name], 0.95),
            errors[name],
        )
        for name in urls
    }


def main() -> None:
    load_before = os.getloadavg()  # what else the machine was doing, before this bench added to it
    speed = machine_speed()
    database = bench_database()
    from _agreement import make_agreement, session_cookie
    from django.db import connection

    from tests.support.asgi_server import AsgiServer

    agreement, people = make_agreement(50)
    cookie = session_cookie(people[1])  # Bob: a party with needs waiting on him
    connection.close()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    redis = os.environ.get("REDIS_URL", "")
    paths = {
        "agreement page": f"/a/{agreement.public_id}/",
        "notifications count": "/notifications/count/",
    }

    server = AsgiServer(database=database, redis=redis, production=True).start()
    try:
        results = asyncio.run(compare({n: server.url + p for n, p in paths.items()}, cookie))
    finally:
        server.stop()

    print(f"page_throughput: uvicorn, 1 worker, DEBUG off, "
          f"{'PostgreSQL' if database.startswith('postgres') else 'SQLite'}, "
          f"{'Redis' if redis else 'no Redis'}, {CONCURRENCY} concurrent clients, "
          f"{SECONDS:.0f} s per view in {SLICES} turns")  # fmt: skip
    print("  load average before the run: " + ", ".join(f"{x:.2f}" for x in load_before))
    print(f"  machine speed: {speed:.1f} ms for bench/_setup.py's fixed loop (lower is faster)")
    for name, (rps, p50, p95, errors) in results.items():
        print(f"  {name:20} {paths[name]:32} {rps:7.1f} req/s  p50 {p50:6.1f} ms  "
              f"p95 {p95:6.1f} ms  errors {errors}")  # fmt: skip
    page, bare = (results[name][0] for name in paths)
    print(f"  ratio (agreement page / notifications count): {page / bare:.3f}  (target: 0.5)")


if __name__ == "__main__":
    main()
