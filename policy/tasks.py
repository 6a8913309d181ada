"""Celery tasks of the program: thin adapters around services."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from celery import shared_task
from django.db import transaction

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


# --- Briefings -------------------------------------------------------------------------------


@shared_task(bind=True, soft_time_limit=300, time_limit=360, acks_late=True)
def briefing_generate_task(self: Any, briefing_id: int) -> dict[str, object]:
    """Generate one briefing; a failure is recorded on the row and retried with backoff."""
    from django.conf import settings

    from .exceptions import BriefingError
    from .models import BriefingKind
    from .services.briefing import briefing_generate

    try:
        briefing = briefing_generate(briefing_id=briefing_id)
    except BriefingError as exc:
        raise self.retry(
            exc=exc,
            countdown=60 * 2**self.request.retries,
            max_retries=settings.BRIEFING_MAX_RETRIES,
        ) from exc
    if briefing is None:
        return {"id": briefing_id, "status": "skipped"}
    if briefing.kind != BriefingKind.ON_DEMAND:
        transaction.on_commit(lambda: briefing_mail_task.delay(briefing_id))
    return {"id": briefing_id, "status": briefing.status, "pages": briefing.page_count}


@shared_task(soft_time_limit=60)
def briefing_schedule_task(kind: str) -> dict[str, object]:
    """From beat: queue the last complete week's or month's briefings (fans out per language)."""
    from .services.briefing import briefing_schedule

    return {"kind": kind, "queued": briefing_schedule(kind=kind)}


@shared_task(
    soft_time_limit=120,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def briefing_mail_task(briefing_id: int) -> dict[str, object]:
    """Email a ready briefing to its subscribers once (SMTP errors are retried)."""
    from .services.briefing import briefing_mail_subscribers

    return {"id": briefing_id, "sent": briefing_mail_subscribers(briefing_id=briefing_id)}
