from __future__ import annotations

import datetime as dt

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
