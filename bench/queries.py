"""Queries per request of each main page, for an agreement of 5, 50 and 500 needs (4 parties,
answers and comments): the counts must be equal across sizes.

    BENCH_DATABASE_URL=postgres://…/accord_bench .venv/bin/python bench/queries.py [sizes…]

Uses BENCH_DATABASE_URL (default: a fresh SQLite file). Exits non-zero if a count grows.
"""

import sys

from _setup import bench_database

SIZES = [int(size) for size in sys.argv[1:]] or [5, 50, 500]
HX = {"HX-Request": "true"}


def pages(agreement_id: str, need_id: int) -> dict[str, tuple[str, dict[str, str], int]]:
    """Each page, and which request to it is counted: the second, after a first that warms the
    session, unless said otherwise. The agreement page and its region are kept in the cache
    while nothing on them changes (agreements/kept.py): counted rendered, then kept."""
    from django.urls import reverse

    detail = reverse("agreements:detail", args=[agreement_id])
    return {
        "dashboard": (reverse("home"), {}, 2),
        "agreement page, rendered": (detail, {}, 2),  # a visit written down ("new since")
        "agreement page, kept": (detail, {}, 3),  # nothing changed since
        "agreement region (htmx), rendered": (detail, HX, 1),
        "agreement region (htmx), kept": (detail, HX, 2),
        "need card (htmx)": (reverse("agreements:need-card", args=[agreement_id, need_id]), HX, 2),
        "answer a need": (reverse("agreements:need-respond", args=[agreement_id, need_id]), {}, 2),
        "version history": (reverse("agreements:versions", args=[agreement_id]), {}, 2),
        "check-ins": (reverse("checkins:list", args=[agreement_id]), {}, 2),
        "notifications": (reverse("notifications:list"), {}, 2),
        "navigation count": (reverse("live:waiting"), HX, 2),
    }


def main() -> None:
    database = bench_database()
    from _agreement import make_agreement
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, list[int]] = {}
    for size in SIZES:
        agreement, people = make_agreement(needs=size, prefix=f"q{size}")
        viewer = people[1]
        need = agreement.versions.get().needs.filter(addressees=viewer).first()
        assert need is not None
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(viewer)
        made: dict[tuple[str, bool], int] = {}  # requests so far to each URL, htmx or not
        for name, (url, headers, counted) in pages(agreement.public_id, need.pk).items():
            while made.get((url, bool(headers)), 0) < counted - 1:
                client.get(url, headers=headers)
                made[url, bool(headers)] = made.get((url, bool(headers)), 0) + 1
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, headers=headers)
            made[url, bool(headers)] = counted
            assert response.status_code == 200, (name, response.status_code)
            counts.setdefault(name, []).append(len(queries.captured_queries))

    print(f"database: {connection.vendor} ({database.rsplit('/', 1)[-1]})")
    print(f"{'page':<36}" + "".join(f"{f'{size} needs':>12}" for size in SIZES))
    grew = []
    for name, row in counts.items():
        print(f"{name:<36}" + "".join(f"{count:>12}" for count in row))
        if len(set(row)) > 1:
            grew.append(name)
    if grew:
        print(f"GROWS WITH THE AGREEMENT: {', '.join(grew)}")
        sys.exit(1)
    print("every page makes the same number of queries at every size")


if __name__ == "__main__":
    main()
