"""The agreement page rendered after a change to one of its needs, as every reader's next request
finds it: the other cards and history lines come from the cache, the changed ones are made anew.
In the process, no server: the time of `render_page` for one reader (4 parties, 50 needs), after
a comment on one need, over many rounds.

    .venv/bin/python bench/render_after_change.py [rounds]   (default 60)

Uses BENCH_DATABASE_URL (default: a fresh SQLite file) and REDIS_URL when set.
"""

import statistics
import sys
import time

from _setup import bench_database, machine_speed, percentile

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 60


def main() -> None:
    speed = machine_speed()
    database = bench_database()
    from _agreement import make_agreement
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from agreements import services
    from agreements.models import Participant
    from agreements.views.agreement import render_page

    agreement, people = make_agreement(50, prefix="render")
    reader = people[1]
    participant = Participant.objects.select_related("agreement").get(
        agreement=agreement, user=reader
    )
    version = agreement.versions.get()
    needs = list(version.needs.order_by("pk"))

    def render() -> float:
        request = RequestFactory().get(f"/a/{agreement.public_id}/")
        request.user = reader
        request.htmx = False  # type: ignore[attr-defined]
        request.session = {}  # type: ignore[assignment]
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        started = time.perf_counter()
        render_page(request, participant, version)  # type: ignore[arg-type]
        return (time.perf_counter() - started) * 1000

    render()  # warm: templates, every card and line in the cache
    after_change, unchanged = [], []
    for n in range(ROUNDS):
        need = needs[n % len(needs)]
        services.need_comment(need=need, author=need.author, body=f"Round {n}")
        after_change.append(render())
        unchanged.append(render())
    print(f"render_after_change: {'PostgreSQL' if database.startswith('postgres') else 'SQLite'},"
          f" 50 needs, {ROUNDS} rounds")  # fmt: skip
    print(f"  machine speed: {speed:.1f} ms for bench/_setup.py's fixed loop (lower is faster)")
    for name, values in (("after a change", after_change), ("nothing changed", unchanged)):
        print(f"  {name:16} median {statistics.median(values):6.1f} ms"
              f"  p95 {percentile(values, 0.95):6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
