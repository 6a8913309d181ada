"""A Redis cache that fails open: when Redis cannot be reached, every read is a miss.

The cache only ever holds what can be rebuilt (page bodies, the revision token, throttle
counters), so an unreachable Redis must cost speed, not availability. Django's own RedisCache
raises on every call (pages answered a bare 500) and, with no socket time-out, a Redis host that
drops packets held a web worker for as long as the kernel kept trying. Here every connection and
read has a short time-out (``CACHE_TIMEOUT``), a failure is logged once, and for
``RETRY_AFTER`` seconds the process does not try again (each page would otherwise pay the
time-out once per cache call); reads return their default and writes are dropped meanwhile.
``ping()`` bypasses all of that for ``/readyz/``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
RETRY_AFTER = 30.0  # seconds a process serves without the cache after a failure
DEFAULT_TIMEOUT_SECONDS = 0.5


class FailOpenRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that degrades to "always a miss"."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        timeout = float(options.pop("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        super().__init__(server, {**params, "OPTIONS": options})
        self._down_until = 0.0

    def _guard(self, call: Callable[[], T], default: T) -> T:
        if time.monotonic() < self._down_until:
            return default
        try:
            return call()
        except CACHE_ERRORS as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning(
                "cache unreachable (%s: %s); serving uncached for %.0f s",
                type(exc).__name__,
                exc,
                RETRY_AFTER,
            )
            return default

    def ping(self) -> None:
        """Raise when Redis does not answer (for the readiness check; no fail-open here)."""
        self._cache.get_client(write=True).ping()

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: RedisCache.get(self, key, default, version), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: RedisCache.has_key(self, key, version), False)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._guard(lambda: RedisCache.add(self, key, value, timeout, version), False)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._guard(lambda: RedisCache.set(self, key, value, timeout, version), None)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard(lambda: RedisCache.set_many(self, data, timeout, version), [])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: RedisCache.delete(self, key, version), False)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guard(lambda: RedisCache.delete_many(self, keys, version), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        result: int | None = self._guard(lambda: RedisCache.incr(self, key, delta, version), None)
        if result is None:  # no sensible default for a counter: behave like a missing key
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def clear(self) -> None:
        self._guard(lambda: RedisCache.clear(self), None)
