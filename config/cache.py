"""Django's Redis cache, made to carry on while Redis is away.

Nothing we keep in the cache is the only copy: rendered need cards are rendered again, and rate
limits count again once Redis is back. So an unreachable Redis reads as a miss and a write that
went nowhere, never as a failed page. While it is away the rate limits let requests through.
"""

import logging
import threading
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import redis
from django.core.cache.backends import redis as django_redis

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
Key = str | bytes | memoryview


def _away(error: Exception) -> None:
    logger.warning("cache unreachable, carrying on without it: %s", error)


class TolerantRedisCacheClient(django_redis.RedisCacheClient):
    """There is one of these per process (`RedisCache._cache`), so Django's own table of
    connection pools holds one pool per server for the whole process."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis: dict[int, redis.Redis] = {}

    def get_client(self, key: Key | None = None, *, write: bool = False) -> redis.Redis:
        """The process's client for the server: Django makes a new one for every operation,
        and setting one up (its table of reply handlers) costs more than a small GET."""
        client: Any = self  # Django's client keeps these private and untyped
        index = client._get_connection_pool_index(write)
        found = self._redis.get(index)
        if found is None:
            found = self._redis.setdefault(index, super().get_client(key, write=write))
        return found

    def add(self, key: Key, value: Any, timeout: Any) -> bool:
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE as error:
            _away(error)
            return True  # as if stored: a lock is taken, a counter starts

    def get(self, key: Key, default: Any) -> Any:
        try:
            return super().get(key, default)
        except UNREACHABLE as error:
            _away(error)
            return default

    def set(self, key: Key, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        except UNREACHABLE as error:
            _away(error)

    def touch(self, key: Key, timeout: Any) -> bool:
        try:
            return super().touch(key, timeout)
        except UNREACHABLE as error:
            _away(error)
            return False

    def delete(self, key: Key) -> bool:
        try:
            return super().delete(key)
        except UNREACHABLE as error:
            _away(error)
            return False

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Any]:
        try:
            return super().get_many(keys)
        except UNREACHABLE as error:
            _away(error)
            return {}

    def has_key(self, key: Key) -> bool:
        try:
            return super().has_key(key)
        except UNREACHABLE as error:
            _away(error)
            return False

    def incr(self, key: Key, delta: int) -> Any:
        try:
            return super().incr(key, delta)
        except UNREACHABLE as error:
            _away(error)
            return delta  # a counter that starts again

    def set_many(self, data: Mapping[Key, Any], timeout: Any) -> None:
        try:
            super().set_many(data, timeout)
        except UNREACHABLE as error:
            _away(error)

    def delete_many(self, keys: Iterable[Key]) -> None:
        try:
            super().delete_many(keys)
        except UNREACHABLE as error:
            _away(error)


# One cache client per server list and options for the process.
_CACHE_CLIENTS: dict[str, TolerantRedisCacheClient] = {}
_CACHE_CLIENTS_LOCK = threading.Lock()


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient

    @cached_property
    def _cache(self) -> TolerantRedisCacheClient:
        """The process's client. Under ASGI Django makes a cache object for each request, and
        a client with it, whose set-up asks the installed packages for redis-py's version (a
        read of its metadata from disk): most of a millisecond of every page that uses the
        cache. With a pool of its own, each would also open, and greet, a new connection to
        Redis: about 3 ms more."""
        cache: Any = self  # Django keeps these private and untyped
        key = repr((cache._servers, sorted(cache._options.items())))
        client = _CACHE_CLIENTS.get(key)
        if client is None:
            with _CACHE_CLIENTS_LOCK:
                made = cache._class(cache._servers, **cache._options)
                client = _CACHE_CLIENTS.setdefault(key, made)
        return client
