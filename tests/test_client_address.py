"""Which address a request comes from: every per-address limit counts by it, so only a proxy
named in TRUSTED_PROXIES may say that a request came from someone else."""

import http.cookiejar
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from ipaddress import ip_network
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from records.views import VERIFY_LIMIT
from tests.support.asgi_server import AsgiServer, database_url

PROJECT = Path(__file__).resolve().parent.parent
CODE = {"agreement": "abcdefgh", "version": "1", "code": "NOT-A-CODE"}
LOGIN_LIMIT = 20  # ACCOUNT_RATE_LIMITS["login"]


class Visitor:
    """Someone talking to a real server straight, with a cookie jar, like a script would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.opener.open(base + reverse("records:verify"), timeout=10).read().decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match
        self.token = match.group(1)

    def post(self, path: str, data: dict[str, str], **headers: str) -> int:
        body = urllib.parse.urlencode(data | {"csrfmiddlewaretoken": self.token}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code


@pytest.mark.django_db(transaction=True)
def test_naming_another_address_escapes_no_limit_on_a_real_server() -> None:
    server = AsgiServer(database=database_url(connection.settings_dict), redis=settings.REDIS_URL)
    server.env.pop("TRUSTED_PROXIES", None)
    server.start()
    try:
        visitor = Visitor(server.url)
        verify = [
            visitor.post(reverse("records:verify"), CODE, **{"X-Forwarded-For": f"203.0.113.{n}"})
            for n in range(VERIFY_LIMIT + 5)
        ]
        login = [
            visitor.post(
                reverse("account_login"),
                {"login": f"guess{n}@example.com", "password": "wrong"},
                **{"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}"},
            )
            for n in range(LOGIN_LIMIT + 3)
        ]
    finally:
        server.stop()
    assert verify[:VERIFY_LIMIT] == [200] * VERIFY_LIMIT
    assert set(verify[VERIFY_LIMIT:]) == {429}
    assert login[:LOGIN_LIMIT] == [200] * LOGIN_LIMIT
    assert set(login[LOGIN_LIMIT:]) == {429}


def verify_as(client: Client, forwarded_for: str) -> int:
    response = client.post(
        reverse("records:verify"), CODE, headers={"X-Forwarded-For": forwarded_for}
    )
    return response.status_code


@pytest.mark.django_db
def test_a_trusted_proxy_s_word_on_the_client_s_address_is_taken(
    client: Client, settings: Settings
) -> None:
    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1"), ip_network("10.0.0.0/8")]
    # Many people behind the one proxy (the test client's 127.0.0.1) are not one address.
    assert {verify_as(client, f"203.0.113.{n}") for n in range(VERIFY_LIMIT + 5)} == {200}
    # Each of them is: the right-most address no trusted proxy wrote, whatever the client
    # put to the left of it.
    statuses = [
        verify_as(client, f"192.0.2.{n}, 198.51.100.7, 10.1.2.3") for n in range(VERIFY_LIMIT + 1)
    ]
    assert statuses[:VERIFY_LIMIT] == [200] * VERIFY_LIMIT
    assert statuses[VERIFY_LIMIT] == 429
    assert verify_as(client, "198.51.100.7") == 429


@pytest.mark.django_db
def test_https_is_believed_only_from_a_trusted_proxy(client: Client, settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    path = reverse("records:verify")
    untrusted = client.get(path, headers={"X-Forwarded-Proto": "https"})
    assert untrusted.status_code == 301
    assert untrusted["Location"].startswith("https://")

    settings.TRUSTED_PROXIES = [ip_network("127.0.0.0/8")]
    assert client.get(path, headers={"X-Forwarded-Proto": "https"}).status_code == 200
    assert client.get(path, headers={"X-Forwarded-Proto": "http"}).status_code == 301


@pytest.mark.django_db
def test_forwarded_headers_from_elsewhere_are_logged_now_and_then(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="config.middleware"):
        for n in range(5):
            client.get(reverse("records:verify"), headers={"X-Forwarded-For": f"203.0.113.{n}"})
        client.get(reverse("records:verify"))
    warnings = [r.getMessage() for r in caplog.records if r.name == "config.middleware"]
    assert len(warnings) == 1
    assert "127.0.0.1" in warnings[0] and "TRUSTED_PROXIES" in warnings[0]


def test_the_servers_we_ship_leave_forwarded_headers_to_the_app() -> None:
    """uvicorn would believe them from anyone (docker-compose.yml said '*') or from loopback
    (its default), before the app could tell a proxy from a client."""
    shipped = {name: (PROJECT / name).read_text() for name in ("docker-compose.yml", "Dockerfile")}
    shipped["Makefile"] = (PROJECT / "Makefile").read_text()
    shipped["AsgiServer"] = " ".join(AsgiServer(database="sqlite://").command())
    for name, text in shipped.items():
        assert "--no-proxy-headers" in text, name
        assert "--proxy-headers" not in text.replace("--no-proxy-headers", ""), name
        assert "forwarded-allow-ips" not in text, name
    assert re.search(r"^\s+TRUSTED_PROXIES: \S", shipped["docker-compose.yml"], re.MULTILINE)
