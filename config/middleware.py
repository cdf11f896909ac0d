from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class GZipPagesMiddleware(GZipMiddleware):
    """Django's gzip for pages and fragments, never for a streaming response: the live-update
    stream sends each event as it is written. (Static files come compressed from WhiteNoise,
    which answers before this runs.)"""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.streaming:
            return response
        return super().process_response(request, response)
