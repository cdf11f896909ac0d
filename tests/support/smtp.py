"""A small SMTP server for tests: it speaks enough SMTP for Django's backend, counts a message as
delivered only once it has answered 250 to it, and can hold a message mid-send (after DATA,
before the reply) so a test can kill the sender right there."""

import select
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    recipients: list[str]
    data: str


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    delivered: list[Received] = field(default_factory=list)
    abandoned: int = 0  # messages whose sender went away before the reply
    holding: threading.Event = field(default_factory=threading.Event)
    _hold: int = 0
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._socket = socket.create_server((self.host, self.port))
        self.port = self._socket.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}/?timeout=30"

    def mailer(self) -> dict[str, object]:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": self.host, "port": self.port, "timeout": 30},
        }

    def hold_next(self) -> None:
        """Keep the next message waiting for its reply until `release` (or the sender dies)."""
        with self._lock:
            self._hold += 1
            self.holding.clear()
            self._release.clear()

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self._stopped = True
        self._release.set()
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopped:
            try:
                client, _address = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        send = client.sendall
        recipients: list[str] = []
        try:
            send(b"220 test SMTP\r\n")
            while raw := reader.readline():
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb in {"EHLO", "HELO"}:
                    send(b"250 test\r\n")
                elif verb == "MAIL":
                    recipients = []
                    send(b"250 OK\r\n")
                elif verb == "RCPT":
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    send(b"250 OK\r\n")
                elif verb == "DATA":
                    send(b"354 go on\r\n")
                    lines = []
                    while (body := reader.readline()) not in {b".\r\n", b".\n", b""}:
                        lines.append(body.decode("utf-8", "replace"))
                    if not self._reply_after_hold(client):
                        with self._lock:
                            self.abandoned += 1
                        return
                    send(b"250 queued\r\n")
                    with self._lock:
                        self.delivered.append(Received(recipients, "".join(lines)))
                elif verb == "QUIT":
                    send(b"221 bye\r\n")
                    return
                else:  # RSET, NOOP and the rest
                    send(b"250 OK\r\n")
        except OSError:
            return
        finally:
            client.close()

    def _reply_after_hold(self, client: socket.socket) -> bool:
        """False if the sender went away while the message was held."""
        with self._lock:
            if not self._hold:
                return True
            self._hold -= 1
        self.holding.set()
        while not self._release.wait(0.05):
            readable, _w, _x = select.select([client], [], [], 0)
            if readable and not client.recv(1, socket.MSG_PEEK):
                return False  # the connection closed: the sender died mid-send
        return True
