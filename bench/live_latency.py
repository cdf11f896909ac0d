"""Time from B's click to A's page showing the change, over a real ASGI server and browser.

    .venv/bin/python bench/live_latency.py [trials]     (default 50)

Uses BENCH_DATABASE_URL (default: a fresh SQLite file) and REDIS_URL when set. Prints p50/p95.
"""

import os
import sys
import time

from _setup import bench_database, percentile

TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
PAUSE = 2.5  # seconds between trials
SERVER = os.environ.get("BENCH_SERVER", "uvicorn")

# Runs in A's page: note when the need's card first shows B's answer.
WATCH = """(statement) => {
  window.seenAt = undefined;
  const shows = () => [...document.querySelectorAll("article")].some(
    (card) => card.textContent.includes(statement) && card.textContent.includes("Picked it up"));
  const observer = new MutationObserver(() => {
    if (shows()) {
      window.seenAt = performance.timeOrigin + performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


# Runs in B's page: the moment Playwright is asked to click, and the moment the page gets the
# press (after Playwright's checks that the button is visible, stable and not covered).
CLICK = """() => {
  window.clickedAt = performance.timeOrigin + performance.now();
  document.addEventListener("pointerdown", () => {
    window.pressedAt = performance.timeOrigin + performance.now();
  }, {capture: true, once: true});
}"""


def main() -> None:
    database = bench_database()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop shares this thread
    from django.db import connection
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from accounts.models import User
    from agreements import services
    from agreements.models import Participant
    from tests.support.asgi_server import AsgiServer

    alice = User.objects.create_user("alice@bench.example", "bench-password-1")
    bob = User.objects.create_user("bob@bench.example", "bench-password-1")
    agreement = services.agreement_create(creator=alice, title="Bench")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    for n in range(TRIALS):
        need = services.need_draft(version=version, author=alice, statement=f"Need number {n}.")
        services.need_put_down(need=need, actor=alice)
    connection.close()

    redis = os.environ.get("REDIS_URL", "")
    assert WORKERS == 1 or redis, "several web processes need REDIS_URL"
    server = AsgiServer(
        database=database, redis=redis, workers=WORKERS, server=SERVER, production=True
    ).start()
    latencies: list[float] = []
    from_press: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            pages = []
            for user in (alice, bob):
                client = Client()
                client.force_login(user)
                context = browser.new_context()
                context.add_cookies(
                    [{"name": "sessionid", "value": client.cookies["sessionid"].value,
                      "url": server.url}]
                )  # fmt: skip
                page = context.new_page()
                page.goto(f"{server.url}/a/{agreement.public_id}/")
                pages.append(page)
            a, b = pages
            time.sleep(1)
            for n in range(TRIALS):
                statement = f"Need number {n}."
                button = b.locator("article", has_text=statement).get_by_role(
                    "button", name="Accept"
                )
                button.wait_for()
                # Both pages live in one browser on one machine: one clock. A's page notes the
                # moment the answer shows; B's page notes the moment of the click.
                a.evaluate(WATCH, statement)
                b.evaluate(CLICK)
                button.click()
                # Waiting polls inside A's page: polling from here would load the two cores.
                a.wait_for_function("() => window.seenAt !== undefined", timeout=10_000)
                seen = a.evaluate("window.seenAt")
                clicked, pressed = b.evaluate("[window.clickedAt, window.pressedAt]")
                latencies.append(seen - clicked)
                from_press.append(seen - pressed)
                # Let both pages settle (regroup, navigation count) before the next click, so
                # each trial measures one change, not the tail of the previous one.
                time.sleep(PAUSE)
            browser.close()
    finally:
        server.stop()
    hub = "Redis" if os.environ.get("REDIS_URL") else "in-process"
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    print(
        f"live_latency: {TRIALS} trials, {SERVER} x{WORKERS} (DEBUG off), {engine}, {hub} hub, "
        f"{TRIALS} needs on the page"
    )
    print(f"  p50 {percentile(latencies, 0.5):.0f} ms   p95 {percentile(latencies, 0.95):.0f} ms"
          f"   max {max(latencies):.0f} ms")  # fmt: skip
    print(f"  from the page's own pointerdown: p50 {percentile(from_press, 0.5):.0f} ms   "
          f"p95 {percentile(from_press, 0.95):.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
