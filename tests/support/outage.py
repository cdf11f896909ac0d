"""Servers of our own that a failure test may stop and start at will: a PostgreSQL cluster, a
Redis server and a Celery worker, each in its own process on a free port. Never the shared
ones: other test runs use those."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.support.asgi_server import PROJECT, free_port
from tests.support.processes import children_of

PG_BIN = os.environ.get("PG_BIN", "")


def _pg(tool: str) -> str:
    found = shutil.which(tool, path=PG_BIN or None) or shutil.which(tool)
    if not found:
        raise FileNotFoundError(tool)
    return found


def available() -> list[str]:
    """What is missing to run a failure test (empty when everything is there)."""
    missing = [tool for tool in ("initdb", "pg_ctl") if not _found(tool)]
    return missing + ([] if shutil.which("redis-server") else ["redis-server"])


def _found(tool: str) -> bool:
    try:
        _pg(tool)
    except FileNotFoundError:
        return False
    return True


class Postgres:
    """A throw-away cluster in a temporary folder, listening on 127.0.0.1 only. PostgreSQL
    refuses to run as root, so as root it runs as the `postgres` account."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="accord-pg-"))
        self.data = self.folder / "data"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")
        self._run(_pg("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as, *command], check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c max_connections=100"
        )
        log = str(self.folder / "log")
        self._run(_pg("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (what a restart does to the app's connections)."""
        self._run(_pg("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # it was not running
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A redis-server that keeps nothing on disk: stopping it loses every queued message, as a
    restart of a Redis without persistence does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(10)
        self.process = None


class CeleryWorker:
    """`celery worker` in its own process group, consuming one queue."""

    def __init__(self, env: dict[str, str], queue: str, concurrency: int = 1) -> None:
        self.env = env
        self.queue = queue
        self.concurrency = concurrency
        self.process: subprocess.Popen[str] | None = None
        self.log: list[str] = []

    def start(self) -> "CeleryWorker":
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
            "--concurrency", str(self.concurrency), "-Q", self.queue, "--without-gossip",
            "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        assert self.process.stderr is not None
        for line in self.process.stderr:  # wait until it consumes
            self.log.append(line)
            if "ready." in line:
                break
        else:
            raise RuntimeError("the worker did not start:\n" + "".join(self.log))
        # Keep reading what it logs, so a full pipe never stalls it.
        threading.Thread(target=self._drain, args=(self.process,), daemon=True).start()
        return self

    def _drain(self, process: "subprocess.Popen[str]") -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.log.append(line)

    def children(self) -> list[int]:
        """The pool's processes."""
        assert self.process is not None
        return children_of(self.process.pid)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool at once: no chance to put anything back."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None
