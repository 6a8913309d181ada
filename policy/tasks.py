"""Celery tasks of the program: thin adapters around services."""

from __future__ import annotations

import datetime as dt
import os
import socket

from celery import shared_task

from .services.system import worker_ping_record


@shared_task(soft_time_limit=30)
def heartbeat_task(source: str = "beat", requested_at: str | None = None) -> dict[str, object]:
    """Record that a worker ran a task (from beat every 5 minutes, or the system page)."""
    when = dt.datetime.fromisoformat(requested_at) if requested_at else None
    ping = worker_ping_record(
        source=source, requested_at=when, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    return {"id": ping.pk, "worker": ping.worker}
