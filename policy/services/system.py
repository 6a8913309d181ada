"""System housekeeping: the heartbeat (a worker proves it runs tasks) and session cleanup."""

from __future__ import annotations

import datetime as dt
import os
import socket

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.core.management import call_command
from django.utils import timezone

from ..models import WorkerPing


def worker_ping_record(
    *, source: str, worker: str, requested_at: dt.datetime | None
) -> WorkerPing:
    """Store one heartbeat and keep only the latest 50 (the table must not grow forever)."""
    ping = WorkerPing.objects.create(
        source=source, worker=worker, requested_at=requested_at or timezone.now()
    )
    stale = WorkerPing.objects.order_by("-done_at").values_list("pk", flat=True)[50:]
    WorkerPing.objects.filter(pk__in=list(stale)).delete()
    return ping


@shared_task(base=DjangoTask, name="policy.tasks.heartbeat_task", soft_time_limit=30)
def heartbeat_task(source: str = "beat", requested_at: str | None = None) -> dict[str, object]:
    """Record that a worker ran a task (from beat every 5 minutes, or the system page)."""
    when = dt.datetime.fromisoformat(requested_at) if requested_at else None
    ping = worker_ping_record(
        source=source, requested_at=when, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    return {"id": ping.pk, "worker": ping.worker}


@shared_task(base=DjangoTask, name="policy.tasks.sessions_clear_task", soft_time_limit=300)
def sessions_clear_task() -> dict[str, object]:
    """From beat, daily: delete expired sessions (they would otherwise pile up for ever)."""
    call_command("clearsessions")
    return {"cleared": True}
