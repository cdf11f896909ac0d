import gzip
import secrets

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
