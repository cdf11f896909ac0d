"""Our own rate limits (allauth keeps its own): a fixed window counted in the cache."""

import time

from django.core.cache import cache


def within_limit(scope: str, limit: int, window: int) -> bool:
    """Count one more attempt for `scope` in the current window of `window` seconds; False once
    there have been more than `limit`. The count lives in the cache (Redis in production)."""
    key = f"{scope}:{int(time.time() // window)}"
    cache.add(key, 0, window)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        return True
