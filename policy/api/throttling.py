"""API rate limits (ninja's throttles): bad bearer tokens per client address, writes per user.

A wrong token is answered 401 before ninja runs its throttles, so guessing tokens would never
be slowed down; ``BadTokenThrottle`` is therefore consulted by the token authentication itself:
once an address has sent ``API_THROTTLE_BAD_TOKENS`` bad tokens it is answered 429 (even with a
good one) until the window has passed. Writes are limited per user by ``WriteThrottle``, set on
the API. Counters live in the cache, so several web processes share them (and an unreachable
cache lets requests through rather than refusing them).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import SimpleRateThrottle

from ..security import client_ip

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class _SettingsRate(SimpleRateThrottle):
    """A throttle whose rate is read from a setting on each request (tests and deployments
    change it without re-importing the API)."""

    setting = ""

    def __init__(self) -> None:  # the rate is resolved per request, not at import
        self.rate = None
        self.num_requests, self.duration = None, None

    def _load_rate(self) -> None:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)


class BadTokenThrottle(_SettingsRate):
    scope = "bad_token"
    setting = "API_THROTTLE_BAD_TOKENS"

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def _history(self, request: HttpRequest) -> tuple[list[float], int, int]:
        """This address's recent failures, newest first, with the budget and its window."""
        self._load_rate()
        allowed, window = self.num_requests or 0, self.duration or 60
        self.key = self.get_cache_key(request)
        self.now = time.time()
        history = [t for t in self.cache.get(self.key, []) if t > self.now - window]
        return history, allowed, window

    def check(self, request: HttpRequest) -> None:
        """Raise ``Throttled`` while this address is over its budget of bad tokens."""
        history, allowed, window = self._history(request)
        if len(history) >= allowed:
            raise Throttled(wait=int(window - (self.now - history[-1])) + 1)

    def record_failure(self, request: HttpRequest) -> None:
        history, _allowed, window = self._history(request)
        history.insert(0, self.now)
        self.cache.set(self.key, history, window)


class WriteThrottle(_SettingsRate):
    """``API_THROTTLE_WRITES`` non-safe requests per user (reads are never limited here)."""

    scope = "write"
    setting = "API_THROTTLE_WRITES"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        pk = getattr(getattr(request, "auth", None), "pk", None)
        ident = f"user-{pk}" if pk else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: HttpRequest) -> bool:
        self._load_rate()
        return super().allow_request(request)


bad_tokens = BadTokenThrottle()
