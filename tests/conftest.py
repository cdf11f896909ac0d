"""Shared fixtures: named people, a clean cache, and services that CI insists on."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from pytest_django.fixtures import Settings

from accounts.models import User
from tests.accounts.factories import UserFactory

# SQLite test databases are files under var/ (so a server process can share them).
(settings.BASE_DIR / "var").mkdir(exist_ok=True)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a laptop; fail in CI, where it must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    require(bool(settings.REDIS_URL), "REDIS_URL is not set")
    return str(settings.REDIS_URL)


@pytest.fixture
def postgresql() -> None:
    """For what only PostgreSQL does here: pages kept under a stamp (a PostgreSQL function), and
    the query counts pinned for it. On SQLite, a laptop's default, these are skipped."""
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def chromium_path() -> str:
    require(shutil.which(CHROMIUM) is not None, f"no Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Settings) -> None:
    """Password hashing is deliberately slow; tests need it correct, not slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Rate-limit counters live in the cache (Redis in CI); each test starts from zero."""
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _sqlite_flush_keeps_the_record() -> Iterator[None]:
    """After a test whose transactions really commit, every table is emptied. PostgreSQL
    truncates, which the record's row triggers let pass; SQLite deletes row by row, which they
    refuse. So on SQLite they are taken off for the emptying and put back, in its transaction."""
    from django.db import connection
    from django.db.backends.base.operations import BaseDatabaseOperations

    from agreements.migrations._postgresql import RECORD_TRIGGERS, sqlite_drop, sqlite_record

    if connection.vendor != "sqlite":
        yield
        return
    operations = type(connection.ops)
    empty = operations.sql_flush

    def sql_flush(self: BaseDatabaseOperations, *args: Any, **kwargs: Any) -> list[str]:
        statements = empty(self, *args, **kwargs)
        if not statements:
            return statements
        return [*sqlite_drop(*RECORD_TRIGGERS), *statements, *sqlite_record()]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "sql_flush", sql_flush)
        yield


def _person(email: str, name: str) -> User:
    user = UserFactory.create(email=email, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def alice(db: None) -> User:
    return _person("alice@example.com", "Alice")


@pytest.fixture
def bob(db: None) -> User:
    return _person("bob@example.com", "Bob")


@pytest.fixture
def carol(db: None) -> User:
    return _person("carol@example.com", "Carol")
