"""How the database pool checks a connection before it hands it out (settings: DATABASES)."""

from typing import Any

from psycopg_pool import ConnectionPool


def check_connection(conn: Any) -> None:
    """psycopg's own check; and when a connection turns out dead, every other one waiting in
    the pool is checked at once. After a restart of PostgreSQL all of them are dead, and the
    pool, checking them one by one as requests take them, waits 1, 2, 4… seconds between
    checks: with three or more of them, the first request after the restart ran out of its 5 s
    and got the error page."""
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        from django.db import connection  # not at import: the settings import this module

        pool = getattr(connection, "pool", None)  # PostgreSQL's wrapper has it
        if pool is not None:
            pool.check()  # discards the dead ones and opens new ones in the background
        raise
