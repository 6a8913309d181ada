"""Error pages that need nothing that may be down: no database, no cache, no session.

Django's stock 500 is a bare English "Server Error (500)". Here an unhandled error renders a
Chinese page from the base layout (without the per-user navigation, which needs the database),
and a database that cannot be reached becomes a 503 that says so and asks to retry, since
nothing is wrong with the request itself.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30


def _database_unavailable() -> bool:
    exc = sys.exc_info()[1]  # Django calls handler500 inside its `except` block
    return isinstance(exc, OperationalError | InterfaceError)


def _page(template: str, fallback: str) -> str:
    try:
        return render_to_string(template)
    except Exception:  # the error page must not fail too (a missing static manifest, say)
        return f'<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8"><p>{fallback}</p>'


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 with Retry-After when the database is down, else a Chinese 500 page."""
    if _database_unavailable():
        body = _page("503.html", _("数据库暂时无法连接，请稍后刷新页面重试。"))
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(_page("500.html", _("系统出错，请稍后重试。")), status=500)
