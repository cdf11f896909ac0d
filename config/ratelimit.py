"""Our own rate limits (allauth keeps its own): a fixed window counted in the cache."""

import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _key(scope: str, window: int) -> str:
    return f"{scope}:{int(time.time() // window)}"


def within_limit(scope: str, limit: int, window: int) -> bool:
    """Count one more attempt for `scope` in the current window of `window` seconds; False once
    there have been more than `limit`. The count lives in the cache (Redis in production)."""
    key = _key(scope, window)
    cache.add(key, 0, window)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        return True


def limit_reached(scope: str, limit: int, window: int) -> bool:
    """Whether `scope` has had `limit` attempts in the current window already, without counting
    one: for limits on failures, counted only once an attempt has failed."""
    return int(cache.get(_key(scope, window)) or 0) >= limit


def too_many(request: HttpRequest, message: str = "") -> HttpResponse:
    """The one page for a limit reached: what happened, and that waiting a little is enough."""
    return render(request, "429.html", {"message": message}, status=429)
