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


@shared_task(soft_time_limit=300)
def reminders_send_task(day: str | None = None) -> dict[str, object]:
    """Send the daily reminder emails (owners: due soon and overdue; leads: overdue digest)."""
    from django.utils import timezone

    from .services.reminders import reminders_send

    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return reminders_send(today=today).as_dict()
