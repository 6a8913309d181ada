"""Readiness: can this web process serve pages right now? Database, cache and broker each answer.

``/healthz/`` stays the cheap liveness check (no query, no I/O); ``/readyz/`` runs these checks,
each bounded by a short time-out, so a load balancer stops sending requests to a process whose
dependencies are down and an operator sees which one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .celery import app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2  # seconds to connect to the broker


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """A real round trip: the fail-open cache would otherwise hide an outage as a miss."""
    ping = getattr(cache, "ping", None)
    if callable(ping):
        ping()
        return
    cache.set("readyz:probe", "1", 10)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("the cache did not return what was just written")


def check_broker() -> None:
    if app.conf.broker_url == "filesystem://":
        folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not os.access(folder, os.W_OK):
            raise RuntimeError(f"broker folder {folder} is not writable")
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> dict[str, str]:
    """``{"database": "ok" | "down", ...}``; the reason of a failure goes to the log only."""
    result = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency means "not ready"
            logger.warning("readiness: %s is down: %s: %s", name, type(exc).__name__, exc)
            result[name] = "down"
        else:
            result[name] = "ok"
    return result
