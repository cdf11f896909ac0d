"""Shared set-up for bench scripts: a database of their own, migrated, with Django ready."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))


def bench_database() -> str:
    """A fresh, migrated database: BENCH_DATABASE_URL (a PostgreSQL database that is dropped
    and created again: never point it at real data) or a SQLite file under var/."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        _recreate_postgres(url)
    else:
        path = PROJECT / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    # Shared with the production-mode server the bench starts, so its logins are valid there.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=PROJECT,
        check=True,
        env=os.environ | {"DATABASE_URL": url},
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return url


def _recreate_postgres(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def machine_speed() -> float:
    """Milliseconds this machine takes for a fixed piece of pure Python (the best of five), to
    compare runs made on different days: the same machine here is not always as fast."""
    import timeit

    def work() -> int:
        total = 0
        for n in range(200_000):
            total += n * n % 7
        return total

    return min(timeit.repeat(work, number=1, repeat=5)) * 1000
