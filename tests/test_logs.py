"""An invitation link's token is a key until it is used: no log keeps it, neither the web
server's access log nor Django's own warnings about a request."""

import logging
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from agreements import services
from config.logs import HideInvitationTokens
from tests.agreements.helpers import start
from tests.support.asgi_server import AsgiServer, database_url


class LoggingServer(AsgiServer):
    """uvicorn as it is shipped (docker-compose.yml, the Dockerfile): with its access log."""

    def command(self) -> list[str]:
        command = [part for part in super().command() if part != "--no-access-log"]
        command[command.index("--log-level") + 1] = "info"
        return command


@pytest.mark.django_db(transaction=True)
def test_no_log_of_a_real_server_keeps_an_invitation_token(alice: User, tmp_path: Path) -> None:
    agreement = start(alice)
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email="erin@example.org"
    )
    token = services.invitation_token(invitation)
    log = tmp_path / "server.log"
    server = LoggingServer(
        database=database_url(connection.settings_dict), redis=settings.REDIS_URL, log=log
    )
    server.start()
    try:
        for path in (f"/invitations/{token}/", f"/invitations/{token}x/"):  # working, broken
            try:
                urllib.request.urlopen(server.url + path, timeout=10).close()
            except urllib.error.HTTPError as error:
                assert error.code == 400
    finally:
        server.stop()
    written = log.read_text()
    assert '"GET /invitations/…/ HTTP/1.1" 302' in written  # the request is still logged
    assert "Bad Request: /invitations/…/" in written
    assert token.split(":")[0] not in written


def test_other_invitation_addresses_stay_readable() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s "%s %s"',
        ("-", "POST", "/invitations/12/join/"),
        None,
    )
    HideInvitationTokens().filter(record)
    assert record.getMessage() == '- "POST /invitations/12/join/"'
