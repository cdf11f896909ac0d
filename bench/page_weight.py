"""Bytes a first visit to the agreement page (4 parties, 50 needs with answers and comments)
transfers, with an empty cache, as a browser makes it.

    .venv/bin/python bench/page_weight.py

Logged in as one party, it fetches the page and then what the page makes a browser fetch from
this host: stylesheets, scripts, icons and images (`link`, `script`, `img`, `url()` in the
stylesheet) and the fragments htmx loads at once (`hx-trigger="load"`), each once, all sending
`Accept-Encoding: gzip, br`. The live-update stream the page also opens is left out: it stays
open and sends a few bytes per change. For each resource: its size, the bytes of its body on the
wire (compressed or not, as served) and its response headers; for a body served uncompressed,
what Django's GZipMiddleware would send instead (it leaves bodies under 200 bytes alone). One
uvicorn worker, DEBUG off, collected static files served by WhiteNoise. Uses BENCH_DATABASE_URL
(default: a fresh SQLite file) and REDIS_URL when set.
"""

import gzip
import logging
import os
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
from _setup import bench_database
from django.utils.text import compress_string

ACCEPT_ENCODING = "gzip, br"
TARGET = 60 * 1024


class References(HTMLParser):
    """What a browser fetches from a page on its first visit (besides the live stream)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(found.get("href") or "")
        elif tag in {"script", "img"}:
            self.urls.append(found.get("src") or "")
        if found.get("hx-get") and "load" in (found.get("hx-trigger") or "").split(", "):
            self.urls.append(found.get("hx-get") or "")


def fetch(client: httpx.Client, url: str) -> tuple[bytes, int, int, str]:
    """The decoded body (empty if it cannot be decoded here), wire body bytes, header bytes and
    the content encoding."""
    with client.stream("GET", url) as response:
        assert response.status_code == 200, (url, response.status_code)
        wire = b"".join(response.iter_raw())
        headers = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n\r\n")
        headers += sum(len(name) + len(value) + 4 for name, value in response.headers.raw)
        encoding = response.headers.get("Content-Encoding", "")
    body = gzip.decompress(wire) if encoding == "gzip" else b"" if encoding else wire
    return body, len(wire), headers, encoding or "none"


def gzipped_size(body: bytes) -> int | None:
    """What Django's GZipMiddleware would send instead, if it would compress this body at all."""
    compressed = compress_string(body, max_random_bytes=100)
    return len(compressed) if len(body) >= 200 and len(compressed) < len(body) else None


def main() -> None:
    load_before = os.getloadavg()  # what else the machine was doing, before this bench added to it
    database = bench_database()
    from _agreement import make_agreement, session_cookie
    from django.db import connection

    from tests.support.asgi_server import AsgiServer

    agreement, people = make_agreement(50)
    cookie = session_cookie(people[1])  # Bob: a party with needs waiting on him
    connection.close()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    redis = os.environ.get("REDIS_URL", "")

    rows: list[tuple[str, int, int, int, str, int | None]] = []
    server = AsgiServer(database=database, redis=redis, production=True).start()
    try:
        page = f"{server.url}/a/{agreement.public_id}/"
        headers = {"Accept-Encoding": ACCEPT_ENCODING}
        with httpx.Client(cookies={"sessionid": cookie}, headers=headers, timeout=30) as browser:
            queue, seen = [page], {page}
            while queue:
                url = queue.pop(0)
                body, wire, header_bytes, encoding = fetch(browser, url)
                would_be = gzipped_size(body) if encoding == "none" else None
                rows.append((url, len(body), wire, header_bytes, encoding, would_be))
                if url == page:
                    parser = References()
                    parser.feed(body.decode())
                    found = parser.urls
                elif url.endswith(".css"):
                    found = re.findall(r"""url\(["']?([^"')]+)""", body.decode())
                else:
                    found = []
                for reference in found:
                    absolute = urljoin(url, reference)
                    if urlsplit(absolute).netloc == urlsplit(page).netloc and absolute not in seen:
                        seen.add(absolute)
                        queue.append(absolute)
    finally:
        server.stop()

    print(f"page_weight: first visit to the agreement page (50 needs, 4 parties), empty cache, "
          f"Accept-Encoding: {ACCEPT_ENCODING}; uvicorn, DEBUG off, "
          f"{'PostgreSQL' if database.startswith('postgres') else 'SQLite'}")  # fmt: skip
    print("  load average before the run: " + ", ".join(f"{x:.2f}" for x in load_before))
    print(f"  {'resource':44} {'size':>9} {'body sent':>10} {'headers':>8}  encoding  "
          f"{'gzip would send':>15}")  # fmt: skip
    for url, size, wire, header_bytes, encoding, would_be in rows:
        path = urlsplit(url).path
        path = path if len(path) <= 44 else "…" + path[-43:]
        gzipped = f"{would_be:>15,}" if would_be is not None else ""
        print(f"  {path:44} {size:>9,} {wire:>10,} {header_bytes:>8,}  {encoding:8}  {gzipped}")
    sent = sum(row[2] + row[3] for row in rows)
    if_gzipped = sum((row[5] or row[2]) + row[3] for row in rows)
    print(f"  total transferred (bodies and headers, {len(rows)} responses): {sent:,} bytes "
          f"({sent / 1024:.1f} KB); target under {TARGET // 1024} KB: "
          f"{'met' if sent < TARGET else 'NOT met'}")  # fmt: skip
    if if_gzipped != sent:
        print(f"  with the pages gzipped by GZipMiddleware: {if_gzipped:,} bytes "
              f"({if_gzipped / 1024:.1f} KB)")  # fmt: skip


if __name__ == "__main__":
    main()
