"""What one person does while negotiating, for locust (bench/load.py starts it).

Each simulated person is already signed in (a session cookie from bench/load.py) and is a party
to one agreement of four. They open the dashboard, open their agreement, and from then on work
through it: answer a need that waits on them (mostly accept, sometimes decline or
counter-propose), comment on a need, now and then put down a new need, look at the dashboard
again or reload the page. Every request is the one the browser makes: the full page and the
fragments htmx loads with it (`/waiting/`, `/notifications/count/`, the presence line), and the
buttons' htmx posts with the `HX-Request` and `X-CSRFToken` headers the page sets.

The agreement page also keeps its live-update stream open (Server-Sent Events). The stream is
read in the background: opening it counts as a request (until its headers arrive), what follows
does not, as it lasts as long as the page is open. What it makes the page fetch is counted, as
the browser (static/js/live.js) fetches it: a changed need's card at once, then the negotiation
region (after a comment, only the history) 1.5 to 2.25 s after the last change (live.js spreads
the delays at random); after any other change, the region at once. The region brings the
navigation count along. Nothing the page already shows (the person's own action brought it),
and nothing while their own action is on its way. A stream that fails to open or drops counts
as an error (drops apart, as they have no response time).

Think time: 5 to 15 s between steps, as someone who sat down to negotiate works through the
list: reading a need, what it looks like and the answers so far takes several seconds before a
click. A comment, a counter-proposal or a new need adds 10 to 20 s of typing before the post.
"""

import html
import http.client
import itertools
import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser, ResponseContextManager

# Written by bench/load.py: [{"session": sessionid cookie, "agreement": public id}, ...]
PEOPLE: Iterator[dict[str, str]] = itertools.cycle(
    json.loads(Path(os.environ["ACCORD_LOAD_PEOPLE"]).read_text())
    if "ACCORD_LOAD_PEOPLE" in os.environ
    else [{}]
)

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
APPLIED = re.compile(r'id="negotiation"[^>]*?data-event="(\d+)"')
RESPOND = re.compile(r'hx-post="([^"]*/needs/(\d+)/respond/)"')
COMMENT = re.compile(r'hx-post="([^"]*/needs/(\d+)/comment/)"')
REFRESH = re.compile(r'data-live-region="negotiation"[^>]*?hx-get="([^"]+)"')
ALERT = re.compile(r'role="alert">([^<]*)<')

REASONS = ["", "", "Fair enough.", "I can do that.", "Not every week, but mostly."]
COMMENTS = [
    "Can we talk about what this looks like on a busy week?",
    "This one matters to me, more than it may seem.",
    "I would like to try it for a month and see.",
]


class Person(FastHttpUser):
    wait_time = between(5, 15)

    def on_start(self) -> None:
        me = next(PEOPLE)
        self.client.cookiejar.set_cookie(_cookie("sessionid", me["session"], self.host))
        self.agreement = f"/a/{me['agreement']}/"
        self.csrf = ""
        self.applied = 0  # the change the page shows (the region's data-event)
        self.respondable: dict[int, str] = {}
        self.commentable: dict[int, str] = {}
        self.idle = Event()  # set while no action of the person's own is on its way
        self.idle.set()
        self.due: dict[str, float] = {}  # when each delayed refresh is to run
        self.refresh = self.agreement  # the region's own URL, as the page names it
        self.stream: gevent.Greenlet | None = None
        self.dashboard()
        self.open_agreement()
        self.stream = gevent.spawn(self.listen)

    def on_stop(self) -> None:
        if self.stream is not None:
            self.stream.kill(block=False)

    # What the person does ---------------------------------------------------------------

    @task(5)
    def answer(self) -> None:
        if not self.respondable:
            self.comment()
            return
        need, url = random.choice(list(self.respondable.items()))
        roll = random.random()
        if roll < 0.6:
            data = {"answer": "accept", "reason": random.choice(REASONS)}
        elif roll < 0.85:
            data = {"answer": "decline", "reason": "Not like this."}
        else:
            gevent.sleep(random.uniform(10, 20))  # writing the counter-proposal
            data = {
                "answer": "counter",
                "statement": "Once a week, on a day we choose together.",
                "looks_like": "",
                "reason": "Every day is too much for me.",
            }
        self.respondable.pop(need, None)
        self.act(url, data, "hx POST respond")

    @task(2)
    def comment(self) -> None:
        if not self.commentable:
            return
        url = random.choice(list(self.commentable.values()))
        gevent.sleep(random.uniform(10, 20))  # typing
        self.act(url, {"body": random.choice(COMMENTS)}, "hx POST comment")

    @task(1)
    def add_need(self) -> None:
        self.page(self.agreement + "needs/new/", "GET need form")
        gevent.sleep(random.uniform(10, 20))  # typing
        data = {
            "statement": "Tell me when something is on your mind, the same day.",
            "looks_like": "A message, or a word in the evening.",
            "category": "",
            "put_down": "1",
            "csrfmiddlewaretoken": self.csrf,
        }
        with self.client.post(
            self.agreement + "needs/new/",
            data=data,
            name="POST need (put down)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
        self.open_agreement()

    @task(1)
    def reload(self) -> None:
        self.open_agreement()

    @task(1)
    def look_at_dashboard(self) -> None:
        self.dashboard()
        self.open_agreement()

    # What the browser does for it -------------------------------------------------------

    def dashboard(self) -> None:
        self.page("/", "GET dashboard")

    def open_agreement(self) -> None:
        text = self.page(self.agreement, "GET agreement page", presence=True)
        self.read_region(text)

    def page(self, path: str, name: str, *, presence: bool = False) -> str:
        """A full page and, at the same time as htmx does on load, the fragments it loads."""
        with self.client.get(path, name=name, catch_response=True) as response:
            text = self.check(response)
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        loads = [
            gevent.spawn(self.fragment, "/waiting/", "hx GET waiting count"),
            gevent.spawn(self.fragment, "/notifications/count/", "hx GET notifications count"),
        ]
        if presence:
            loads.append(
                gevent.spawn(self.fragment, self.agreement + "presence/", "hx GET presence")
            )
        gevent.joinall(loads)
        return text

    def fragment(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, headers=self.htmx(), catch_response=True) as r:
            return self.check(r)

    def act(self, url: str, data: dict[str, str], name: str) -> None:
        """A button's htmx post: the negotiation region comes back and replaces the old one."""
        self.idle.clear()
        try:
            with self.client.post(
                url, data=data, name=name, headers=self.htmx(), catch_response=True
            ) as response:
                self.read_region(self.check(response))
        finally:
            self.idle.set()

    def htmx(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.csrf}

    def check(self, response: ResponseContextManager) -> str:
        """A 200 whose page says nothing went wrong; anything else is an error."""
        text = response.text or ""
        refused = ALERT.search(text)
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")  # type: ignore[no-untyped-call]
        elif refused:
            response.failure(f"refused: {refused.group(1).strip()}")  # type: ignore[no-untyped-call]
        return text

    def read_region(self, text: str) -> None:
        """What the page now shows: the needs waiting on this person, those open to comment."""
        found = APPLIED.search(text)
        if not found:
            return
        self.applied = max(self.applied, int(found.group(1)))
        refresh = REFRESH.search(text)
        if refresh:
            self.refresh = html.unescape(refresh.group(1))
        self.respondable = {int(pk): url for url, pk in RESPOND.findall(text)}
        self.commentable = {int(pk): url for url, pk in COMMENT.findall(text)}

    # The live-update stream -------------------------------------------------------------

    def listen(self) -> None:
        """Keep the agreement's stream open, reconnecting as the browser does after a drop."""
        last = self.applied
        while True:
            last = self.read_stream(last)
            gevent.sleep(1)  # the stream's `retry: 1000`

    def read_stream(self, last: int) -> int:
        parts = urlsplit(self.host or "")
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=120)
        started = time.perf_counter()
        opened = False
        try:
            connection.request(
                "GET",
                f"{self.agreement}live/?since={last}",
                headers={"Cookie": f"sessionid={self.session()}", "Accept": "text/event-stream"},
            )
            response = connection.getresponse()
            opened = response.status == 200
            _stream_opened(started, None if opened else f"status {response.status}")
            if not opened:
                return last
            kind, event_id = "", 0
            while line := response.readline():
                line = line.rstrip(b"\r\n")
                if line.startswith(b"event:"):
                    kind = line[6:].strip().decode()
                elif line.startswith(b"id:"):
                    event_id = int(line[3:].strip() or 0)
                elif not line and kind:
                    last = max(last, event_id)
                    self.announced(kind, event_id)
                    kind, event_id = "", 0
            STREAMS["dropped"] += 1
        except (OSError, http.client.HTTPException) as error:
            if opened:
                STREAMS["dropped"] += 1
            else:
                _stream_opened(started, repr(error))
        finally:
            connection.close()
        return last

    def session(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "sessionid":
                return cookie.value or ""
        return ""

    def announced(self, kind: str, event_id: int) -> None:
        if kind == "presence":
            gevent.spawn(self.fragment, self.agreement + "presence/", "hx GET presence")
        elif kind == "notified":
            gevent.spawn(self.fragment, "/notifications/count/", "hx GET notifications count")
        elif kind == "waiting":
            self.later("waiting", 0.7, self.fragment, "/waiting/", "hx GET waiting count")
        elif kind == "changed":
            gevent.spawn(self.refresh_region, event_id)
        elif kind == "settle":
            self.later("settle", 1.5, self.refresh_region, event_id)
        elif kind == "history":
            self.later("history", 1.5, self.refresh_history, event_id)
        elif kind.startswith("need-"):
            gevent.spawn(self.refresh_card, int(kind[5:]), event_id)

    def later(self, key: str, delay: float, function: Any, *args: Any) -> None:
        """Once, `delay` (and up to half as long again, at random, as live.js spreads pages
        out) after the last announcement of its kind: a burst costs one request."""
        delay *= 1 + random.random() / 2
        self.due[key] = due = time.monotonic() + delay

        def run() -> None:
            gevent.sleep(delay)
            if self.due.get(key) == due:  # no later announcement of the same kind
                function(*args)

        gevent.spawn(run)

    def shown(self, event_id: int) -> bool:
        """Whether the page already shows this change, once the person's own action is in."""
        self.idle.wait()
        return bool(event_id) and event_id <= self.applied

    def refresh_region(self, event_id: int) -> None:
        if self.shown(event_id):
            return
        with self.client.get(
            self.refresh,
            name="hx GET negotiation (live)",
            headers=self.htmx(),
            catch_response=True,
        ) as response:
            self.read_region(self.check(response))

    def refresh_history(self, event_id: int) -> None:
        if self.shown(event_id):
            return
        self.fragment(self.agreement + "history/", "hx GET history (live)")

    def refresh_card(self, need: int, event_id: int) -> None:
        if self.shown(event_id):
            return
        with self.client.get(
            f"{self.agreement}needs/{need}/card/",
            name="hx GET need card (live)",
            headers=self.htmx(),
            catch_response=True,
        ) as response:
            if response.status_code == 204:  # not shown to this person
                response.success()
            else:
                self.check(response)


def _cookie(name: str, value: str, host: str | None) -> Any:
    from http.cookiejar import Cookie

    domain = urlsplit(host or "").hostname or ""
    return Cookie(
        0, name, value, None, False, domain, False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


def _stream_opened(started: float, error: str | None) -> None:
    """Opening the stream is a short request like any other: until its headers arrive."""
    events.request.fire(  # type: ignore[no-untyped-call]
        request_type="GET",
        name="SSE open live stream",
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=RuntimeError(error) if error else None,
        context={},
    )


# Streams that dropped once open: not a request with a response time, so counted here and
# written where bench/load.py reads it.
STREAMS = {"dropped": 0}


def _reset_streams() -> None:
    STREAMS["dropped"] = 0


def _write_streams(**_: Any) -> None:
    if "ACCORD_LOAD_STREAMS" in os.environ:
        with open(os.environ["ACCORD_LOAD_STREAMS"], "w") as f:
            json.dump(STREAMS, f)


# Steady state: bench/load.py asks for the figures to start once everyone has arrived and
# settled in (their first dashboard, page and stream), not during the rush of arrivals.
WARM_UP = float(os.environ.get("ACCORD_LOAD_WARM_UP", "0"))
ENVIRONMENT: list[Any] = []


def _remember(environment: Any, **_: Any) -> None:
    ENVIRONMENT.append(environment)


def _start_counting(**_: Any) -> None:
    def reset() -> None:
        ENVIRONMENT[0].stats.reset_all()
        _reset_streams()

    if WARM_UP:
        gevent.spawn_later(WARM_UP, reset)


events.init.add_listener(_remember)  # type: ignore[no-untyped-call]
events.spawning_complete.add_listener(_start_counting)  # type: ignore[no-untyped-call]
events.reset_stats.add_listener(_reset_streams)  # type: ignore[no-untyped-call]
events.test_stop.add_listener(_write_streams)  # type: ignore[no-untyped-call]
