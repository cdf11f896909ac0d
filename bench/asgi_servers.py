"""uvicorn against granian, one worker each, DEBUG off, on the same machine and data:
the agreement page (4 parties, 50 needs with answers and comments) and the event stream.

    .venv/bin/python bench/asgi_servers.py [seconds per page run]   (default 10)

Uses BENCH_DATABASE_URL (default: a fresh SQLite file) and REDIS_URL when set.
"""

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable

import httpx
from _setup import bench_database, percentile

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
CONCURRENCY = 8
STREAMS = 50
CHANGES = 20


async def page_run(url: str, cookie: str) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + SECONDS

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get(url)
            if response.status_code != 200:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    async with httpx.AsyncClient(cookies={"sessionid": cookie}, timeout=30) as client:
        await client.get(url)  # warm up
        started = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
        elapsed = time.monotonic() - started
    return len(latencies) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.95), errors


async def stream_run(
    base: str, stream_path: str, cookie: str, act: Callable[[int], Awaitable[None]]
) -> tuple[float, float, float]:
    """Open STREAMS streams for one person, make CHANGES changes, time until every stream heard."""
    heard: list[list[float]] = [[] for _ in range(STREAMS)]
    ready = asyncio.Event()
    opened = 0

    async def listen(index: int, client: httpx.AsyncClient) -> None:
        nonlocal opened
        async with client.stream("GET", base + stream_path) as response:
            async for line in response.aiter_lines():
                if line.startswith(": connected") or line.startswith("retry"):
                    opened += 1
                    if opened == STREAMS:
                        ready.set()
                # A comment changes one card: announced as "need-<id>".
                if line == "event: changed" or line.startswith("event: need-"):
                    heard[index].append(time.perf_counter())

    limits = httpx.Limits(max_connections=STREAMS + 5)
    async with httpx.AsyncClient(cookies={"sessionid": cookie}, timeout=None, limits=limits) as c:
        started = time.perf_counter()
        tasks = [asyncio.create_task(listen(i, c)) for i in range(STREAMS)]
        await asyncio.wait_for(ready.wait(), 30)
        connect_ms = (time.perf_counter() - started) * 1000
        await asyncio.sleep(0.5)
        delays: list[float] = []
        for n in range(CHANGES):
            before = [len(h) for h in heard]
            sent = time.perf_counter()
            await act(n)
            deadline = time.monotonic() + 10
            while any(len(h) <= b for h, b in zip(heard, before, strict=True)):
                if time.monotonic() > deadline:
                    missing = sum(len(h) <= b for h, b in zip(heard, before, strict=True))
                    raise RuntimeError(f"change {n}: {missing} of {STREAMS} streams never heard it")
                await asyncio.sleep(0.002)
            delays.append((max(h[-1] for h in heard) - sent) * 1000)
        for task in tasks:
            task.cancel()
    return connect_ms, percentile(delays, 0.5), percentile(delays, 0.95)


def main() -> None:
    database = bench_database()
    from _agreement import make_agreement, session_cookie
    from django.db import connection

    from tests.support.asgi_server import AsgiServer

    agreement, people = make_agreement(50)
    alice, bob = people[0], people[1]
    cookies = {person.pk: session_cookie(person) for person in (alice, bob)}
    connection.close()
    need_ids = list(agreement.versions.get().needs.values_list("pk", flat=True))
    path = f"/a/{agreement.public_id}/"
    redis = os.environ.get("REDIS_URL", "")

    print(f"asgi_servers: {'PostgreSQL' if database.startswith('postgres') else 'SQLite'}, "
          f"{'Redis' if redis else 'in-process'} hub, 1 worker, DEBUG off, {len(need_ids)} needs, "
          f"{CONCURRENCY} concurrent clients for {SECONDS:.0f} s")  # fmt: skip
    for name in ("uvicorn", "granian"):
        server = AsgiServer(database=database, redis=redis, server=name, production=True).start()
        try:
            rps, p50, p95, errors = asyncio.run(page_run(server.url + path, cookies[alice.pk]))

            async def comment(n: int, base: str = server.url) -> None:
                async with httpx.AsyncClient(cookies={"sessionid": cookies[bob.pk]}) as c:
                    page = await c.get(base + path)
                    token = page.text.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
                    need = need_ids[n % len(need_ids)]
                    await c.post(
                        f"{base}{path}needs/{need}/comment/",
                        data={"body": f"Comment {n}"},
                        headers={"X-CSRFToken": token, "HX-Request": "true"},
                    )

            connect, s50, s95 = asyncio.run(
                stream_run(server.url, f"{path}live/", cookies[alice.pk], comment)
            )
        finally:
            server.stop()
        print(f"  {name:8} page: {rps:6.1f} req/s  p50 {p50:5.0f} ms  p95 {p95:5.0f} ms  "
              f"errors {errors}   stream: {STREAMS} opened in {connect:4.0f} ms, change heard "
              f"by all in p50 {s50:4.0f} ms  p95 {s95:4.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
