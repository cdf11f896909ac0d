import gzip
import logging
import secrets
import time
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Network, ip_address

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers


class GZipPagesMiddleware(GZipMiddleware):
    """Django's gzip for pages and fragments, at level 1, and never for a streaming response:
    the live-update stream sends each event as it is written. (Static files come compressed
    from WhiteNoise, which answers before this runs.)

    Level 1 is what nginx uses unless told otherwise: pages are compressed afresh for every
    response, and on the agreement page of 50 needs (220 KB of HTML) level 6, Django's, costs
    about 1 ms of CPU for 10 KB, level 1 a third of that for 15 KB. As Django does, each
    response carries a random number of filler bytes in its gzip header, so that its length
    says nothing reliable about its content (BREACH)."""

    level = 1

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not isinstance(response, HttpResponse) or response.has_header("Content-Encoding"):
            return response  # streaming, or encoded already
        content = response.content
        if len(content) < 200:  # not worth it
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = bytearray(gzip.compress(content, compresslevel=self.level, mtime=0))
        if len(compressed) >= len(content):
            return response
        compressed[3] = gzip.FNAME  # the filler goes where a file name would
        filler = b"a" * secrets.randbelow(self.max_random_bytes) + b"\x00"
        response.content = bytes(compressed[:10]) + filler + bytes(compressed[10:])
        response.headers["Content-Length"] = str(len(response.content))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):  # a strong ETag no longer holds for these bytes
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-store` on every response whose view chose nothing else.

    Every page Accord makes is for the one person who asked: their agreements, a secret link
    (the calendar feed's, an invitation's, an unsubscribe link's) or at least a form carrying
    their CSRF token. No shared cache may keep it, and no browser may keep it on disk once they
    sign out. Views that mean something else say so themselves (the calendar feed, the live
    stream); static files are answered by WhiteNoise, before this runs, with long lifetimes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response.headers["Cache-Control"] = "private, no-store"
        return response


# Headers a proxy sets to say who its client was. Only a trusted proxy's are believed.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)
# A peer sending forwarded headers without being trusted is logged once in this many seconds.
WARN_EVERY = 300.0

logger = logging.getLogger(__name__)


class ClientAddressMiddleware:
    """Settle, once and first, which address a request came from; every per-address limit
    (ours and allauth's) reads it from REMOTE_ADDR.

    The server reports the peer it talks to. When that peer is one of TRUSTED_PROXIES, the client
    is the right-most address in X-Forwarded-For that is not itself a trusted proxy (what's left
    of it was written by the client and proves nothing), and X-Forwarded-Proto says whether the
    client used https (SECURE_PROXY_SSL_HEADER). From anyone else these headers are removed
    unread: otherwise each request could pick a new address and escape every limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.warned: dict[str, float] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if self.is_trusted(peer):
            meta["REMOTE_ADDR"] = self.client_address(peer, meta.pop("HTTP_X_FORWARDED_FOR", ""))
        elif any(header in meta for header in FORWARDED_HEADERS):
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
            self.warn(peer)
        return self.get_response(request)

    def is_trusted(self, address: str) -> bool:
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        trusted: list[IPv4Network | IPv6Network] = settings.TRUSTED_PROXIES
        return any(ip in network for network in trusted)

    def client_address(self, peer: str, forwarded_for: str) -> str:
        """From the right, past the trusted proxies: the first address one of them was told."""
        for address in reversed([part.strip() for part in forwarded_for.split(",")]):
            if not self.is_trusted(address):
                try:
                    return str(ip_address(address))
                except ValueError:  # not an address: the chain says nothing we can use
                    return peer
        return peer

    def warn(self, peer: str) -> None:
        now = time.monotonic()
        if now - self.warned.get(peer, -WARN_EVERY) < WARN_EVERY:
            return
        if len(self.warned) > 1000:  # many peers: forget the old ones
            self.warned.clear()
        self.warned[peer] = now
        logger.warning(
            "Ignored forwarded headers from %s, which is not in TRUSTED_PROXIES. If it is your "
            "proxy, add its address there.",
            peer,
        )
