"""The production configuration, checked the way an operator would run it."""

import asyncio
import datetime
import gzip
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core import checks, signals
from django.core.cache import caches
from django.core.handlers.asgi import ASGIHandler
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.secret import development_secret_key
from live import channel
from tests.agreements.helpers import HX, comment, detail_url, put_down, start

PROJECT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-" + "x7Q!pL9#vR2$mN5&" * 3,
    "ALLOWED_HOSTS": "accord.example.org",
    "SITE_URL": "https://accord.example.org",
    "EMAIL_URL": "smtp://mailer:secret@mail.example.org:587/?tls=True",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# The model checks ask the database what it supports (on SQLite, with a query, the first time a
# connection is asked): run in a test of their own, they need the database like any other.
@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["08:00:00", "21:00:00"])
def test_the_checks_pass_at_any_time_of_day(moment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No default of ours looks like a mistaken "now" to Django (fields.W161): fixed times of
    day as defaults did, within seconds of 8:00 and 21:00 UTC, failing `check --deploy`."""
    at = datetime.datetime.combine(
        datetime.date(2026, 1, 5), datetime.time.fromisoformat(moment), tzinfo=datetime.UTC
    )
    monkeypatch.setattr(timezone, "now", lambda: at)
    assert [m for m in checks.run_checks() if m.id == "fields.W161"] == []


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_each_checkout_makes_its_own_development_secret_key(tmp_path: Path) -> None:
    key = development_secret_key(tmp_path / "one" / "secret_key")
    assert len(key) > 50
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert development_secret_key(tmp_path / "one" / "secret_key") == key  # read on later starts
    assert development_secret_key(tmp_path / "two" / "secret_key") != key
    files = {str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()}
    assert files == {"one/secret_key", "two/secret_key"}  # no draft left behind


def test_development_signs_with_this_checkout_s_key_which_git_ignores() -> None:
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = manage("shell", "-c", script, DEBUG="true")
    assert result.returncode == 0, result.stderr
    stored = PROJECT / "var" / "secret_key"
    assert result.stdout.strip().splitlines()[-1] == stored.read_text().strip()
    assert stored.stat().st_mode & 0o777 == 0o600
    ignored = subprocess.run(["git", "check-ignore", "-q", str(stored)], cwd=PROJECT, check=False)
    assert ignored.returncode == 0


def site_url(**env: str) -> str:
    script = "from django.conf import settings; print(settings.SITE_URL)"
    unset = {"SITE_URL", "HOST", "PORT", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=PROJECT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_in_development_links_point_where_make_run_serves() -> None:
    assert site_url(DEBUG="true") == "http://127.0.0.1:8000"
    assert site_url(DEBUG="true", PORT="8101") == "http://127.0.0.1:8101"
    assert site_url(DEBUG="true", HOST="::1", PORT="8101") == "http://[::1]:8101"
    chosen = "https://accord.example.org"
    assert site_url(DEBUG="true", PORT="8101", SITE_URL=chosen) == chosen
    # Production links go where SITE_URL says, wherever the server listens.
    assert site_url(**PRODUCTION_ENV, PORT="8101") == PRODUCTION_ENV["SITE_URL"]
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^export HOST \?=", makefile, re.MULTILINE)
    assert re.search(r"^export PORT \?=", makefile, re.MULTILINE)


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # The page's one script tag carries the nonce from the header.
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"'.encode() in response.content


@pytest.mark.django_db
def test_htmx_requests_carry_the_csrf_token(client: Client) -> None:
    response = client.get(reverse("account_login"))
    assert b"hx-headers='{&quot;X-CSRFToken&quot;" in response.content or (
        b'hx-headers=\'{"X-CSRFToken": "' in response.content
    )


def test_the_database_is_the_one_configured() -> None:
    expected = os.environ.get("DATABASE_URL", "sqlite")
    engine = settings.DATABASES["default"]["ENGINE"]
    assert ("postgresql" in engine) == expected.startswith("postgres")
    if "postgresql" in engine:
        assert settings.DATABASES["default"]["OPTIONS"]["pool"]


@pytest.mark.django_db
def test_healthz_answers(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_pages_are_gzipped_for_browsers_that_accept_it(client: Client) -> None:
    response = client.get(reverse("account_login"), headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"csrfmiddlewaretoken" in gzip.decompress(response.content)

    plain = client.get(reverse("account_login"))
    assert "Content-Encoding" not in plain.headers
    assert b"csrfmiddlewaretoken" in plain.content


@pytest.mark.django_db
def test_a_gzipped_page_s_length_says_nothing_reliable_about_it(client: Client) -> None:
    """Random filler in the gzip header (BREACH): the same page, compressed to many lengths,
    each of which reads back whole."""
    lengths = set()
    for _ in range(20):
        response = client.get(reverse("account_login"), headers={"Accept-Encoding": "gzip"})
        assert response.content[3] & gzip.FNAME
        assert b"</html>" in gzip.decompress(response.content)
        assert response.headers["Content-Length"] == str(len(response.content))
        lengths.add(len(response.content))
    assert len(lengths) > 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="the cache is Redis only when configured")
def test_every_cache_object_of_the_process_shares_one_redis_client_and_pool() -> None:
    """Under ASGI Django makes a cache object for each request: they must not each open a new
    connection to Redis, nor set up a client of their own."""
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    first.set("pool-check", 1)
    assert second.get("pool-check") == 1
    clients = [first._cache, second._cache]  # type: ignore[attr-defined]
    assert clients[0] is clients[1]
    pools = {id(client._get_connection_pool(write)) for client in clients for write in (0, 1)}
    assert len(pools) == 1
    redis_clients = {id(client.get_client(write=write)) for client in clients for write in (0, 1)}
    assert len(redis_clients) == 1


def test_the_compose_redis_has_a_memory_ceiling_and_drops_only_keys_that_expire() -> None:
    compose = (PROJECT / "docker-compose.yml").read_text()
    command = next(line for line in compose.splitlines() if "redis-server" in line)
    assert re.search(r"--maxmemory \S+", command), command
    assert "--maxmemory-policy volatile-lru" in command, command


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")  # pages are kept only there
def test_everything_the_app_keeps_in_redis_expires(
    redis_url: str, client: Client, alice: User, bob: User
) -> None:
    """The broker's queues never expire, so under volatile-lru (docker-compose.yml) Redis can
    only make room with what the app keeps: every key of ours must expire, or a full Redis would
    refuse new tasks instead of dropping cache entries."""
    agreement = start(alice, bob)
    need = put_down(agreement, alice, to=[bob])
    comment(need, bob)
    client.force_login(bob)
    assert client.get(detail_url(agreement)).status_code == 200  # the page, cards, history
    assert client.get(detail_url(agreement), headers=HX).status_code == 200  # the region
    channel.hub().arrive(agreement.public_id, bob.pk, "a-tab")  # presence
    client.logout()
    refused = client.post(reverse("account_login"), {"login": bob.email, "password": "wrong"})
    assert refused.status_code == 200  # a failed login, counted by the rate limit

    redis = caches["default"]._cache.get_client(write=False)  # type: ignore[attr-defined]
    keys = {key.decode(): redis.ttl(key) for key in redis.scan_iter("accord:*")}
    kinds = {"page", "card", "line", "presence", "rl"}  # pages, cards, history lines, rate limits
    assert {kind for kind in kinds if any(kind in key for key in keys)} == kinds, sorted(keys)
    assert {key: ttl for key, ttl in keys.items() if ttl <= 0} == {}


def _crossings(
    application: ASGIHandler, path: str, monkeypatch: pytest.MonkeyPatch
) -> Counter[str]:
    """Serve one GET under ASGI: how often it crossed from the event loop to a thread and back."""
    crossings: Counter[str] = Counter()
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self: SyncToAsync[..., object], *args: object, **kw: object) -> Any:
        crossings["to a thread"] += 1
        return await to_thread(self, *args, **kw)

    def counted_to_loop(self: AsyncToSync[..., object], *args: object, **kw: object) -> Any:
        crossings["to the loop"] += 1
        return to_loop(self, *args, **kw)

    async def get() -> int:
        scope = {
            "type": "http", "method": "GET", "path": path, "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")], "http_version": "1.1", "scheme": "http",
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 40000),
        }  # fmt: skip
        server = ApplicationCommunicator(application, scope)
        await server.send_input({"type": "http.request", "body": b""})
        start = await server.receive_output(10)
        await server.receive_output(10)
        return int(start["status"])

    with monkeypatch.context() as patch, ThreadPoolExecutor(1) as thread:
        patch.setattr(SyncToAsync, "__call__", counted_to_thread)
        patch.setattr(AsyncToSync, "__call__", counted_to_loop)
        # An event loop of its own: after the browser tests this thread has one running.
        assert thread.submit(asyncio.run, get()).result() == 200
    return crossings


@pytest.mark.django_db(transaction=True)
def test_a_request_goes_from_the_event_loop_to_a_thread_once_for_all_its_middleware(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """config.asgi runs the request_started signal, the whole middleware chain with the view,
    and request_finished in one worker thread: one crossing, where Django's own handler crosses
    for each signal, at every async-capable middleware and around the view."""
    from config.asgi import application

    ours = _crossings(application, reverse("account_login"), monkeypatch)
    django_s = _crossings(ASGIHandler(), reverse("account_login"), monkeypatch)
    assert ours == {"to a thread": 1}
    assert django_s["to a thread"] + django_s["to the loop"] > 6  # what the test would catch


@pytest.mark.django_db(transaction=True)
def test_requests_are_served_by_a_fixed_set_of_threads_each_giving_its_connection_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No new thread per request; `request_finished` runs in the thread that started the
    request, which is the one holding its database connection."""
    from config.asgi import application

    started: list[str] = []
    finished: list[str] = []

    def on_started(**_: object) -> None:
        started.append(threading.current_thread().name)

    def on_finished(**_: object) -> None:
        finished.append(threading.current_thread().name)

    signals.request_started.connect(on_started)
    signals.request_finished.connect(on_finished)
    try:
        for _ in range(3):
            _crossings(application, reverse("account_login"), monkeypatch)
    finally:
        signals.request_started.disconnect(on_started)
        signals.request_finished.disconnect(on_finished)
    assert len(started) == 3 and started == finished
    # Threads of the handler's pool (Django's handler starts a "ThreadPoolExecutor-…" thread
    # per request).
    assert all(name.startswith("request_") for name in started), started
