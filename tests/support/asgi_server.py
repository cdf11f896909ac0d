"""Run the app in a real ASGI server process, for tests and bench scripts that need one
(live updates need ASGI; Django's test server speaks WSGI)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]


# The last line of a traceback in a server's log: `module.Error: message`.
LOGGED_CAUSE = re.compile(r"^[\w.]+(Error|Exception|Timeout)\b.*:")


def logged_causes(log: Path, since: int = 0) -> list[str]:
    """The exceptions a server wrote to its log after `since` bytes of it, one line each."""
    with open(log, "rb") as f:
        f.seek(since)
        lines = f.read().decode(errors="replace").splitlines()
    return [line for line in lines if LOGGED_CAUSE.match(line)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database the calling process uses (the test database in tests)."""
    if "sqlite" in settings_dict["ENGINE"]:
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class AsgiServer:
    """One server process; `start` again after `stop` to simulate a restart on the same port."""

    def __init__(
        self,
        *,
        database: str,
        redis: str = "",
        port: int | None = None,
        server: str = "uvicorn",
        workers: int = 1,
        production: bool = False,
        log: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        # Where the server's output goes (appended to, across restarts); by default ours.
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = server
        self.workers = workers
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL"}
        }
        self.env |= {"DEBUG": os.environ.get("DEBUG", "true"), "DATABASE_URL": database}
        if redis:
            self.env["REDIS_URL"] = redis
        if production:
            # Production settings (DEBUG off), minus what needs TLS, which loopback lacks.
            self.env |= {
                "DEBUG": "false",
                "SECRET_KEY": os.environ["SECRET_KEY"],
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_HSTS_SECONDS": "0",
            }
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=PROJECT,
                env=self.env,
                check=True,
            )
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        if self.server == "granian":
            return [
                sys.executable, "-m", "granian", "--interface", "asginl",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--log-level", "warning",
                "config.asgi:application",
            ]  # fmt: skip
        return [
            sys.executable, "-m", "uvicorn", "config.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "--timeout-graceful-shutdown", "1", "--log-level", "warning", "--no-access-log",
            # As docker-compose.yml: longer than a browser's pause between two clicks, so the
            # server does not close a kept-alive connection just as the next request is sent.
            "--timeout-keep-alive", "75",
            # As everywhere: forwarded headers are the app's to judge (TRUSTED_PROXIES).
            "--no-proxy-headers",
        ]  # fmt: skip

    def start(self, timeout: float = 30.0) -> "AsgiServer":
        output = None
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            output = open(self.log, "ab")  # noqa: SIM115 (the child keeps its own copy)
        try:
            self.process = subprocess.Popen(
                self.command(), cwd=PROJECT, env=self.env, stdout=output, stderr=output
            )
        finally:
            if output is not None:
                output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the ASGI server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the ASGI server did not answer in time")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
