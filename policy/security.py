"""Sign-in protection: django-axes wired in with a Chinese lock-out page and the real client IP.

Every login path (``/accounts/login/``, ``/admin/login/``) authenticates through
``django.contrib.auth.authenticate``, so the backend below sees each attempt: after
``AXES_FAILURE_LIMIT`` wrong passwords for one user name from one address the pair is locked
for ``AXES_COOLOFF_TIME`` and ``locked_out`` answers 429 with a page saying when to try again.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    """django-axes' check, skipped for calls without a request (shell, commands, tests).

    A request-less ``authenticate()`` cannot come from the web, so there is nothing to throttle;
    the stock backend raised instead and broke every script that checks a password.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The address of the person, not of our proxy: ``TRUSTED_PROXY_COUNT`` hops from the right
    of X-Forwarded-For (each trusted proxy appends the address it saw), else REMOTE_ADDR.

    Entries further left were written by the client and are ignored, so they cannot be forged.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in str(forwarded).split(",") if part.strip()]
    return addresses[-min(hops, len(addresses))] if addresses else remote


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lock-out answer: 429 and a Chinese page that says when to try again."""
    wait = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    until = timezone.localtime(timezone.now() + wait)
    context = {
        "minutes": max(1, round(wait.total_seconds() / 60)),
        "until": time_format(until, "H:i"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()))
    return response
