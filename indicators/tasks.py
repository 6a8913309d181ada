"""Celery tasks of the indicators app: thin adapters around ``indicators.services``."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from .exceptions import IngestionError, TransientFetchError
from .models import Source
from .services import SourceBusy, due_sources_enqueue, source_ingest


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TransientFetchError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=getattr(settings, "INDICATORS_TASK_SOFT_TIME_LIMIT", 600),
)
def ingest_source_task(
    self: Any, source_id: int, trigger: str = "schedule", user_id: int | None = None
) -> dict[str, Any]:
    """Ingest one source. Safe to run twice: the second run of the same payload changes nothing.

    Only ``TransientFetchError`` (timeout, 429, 5xx) is retried, with exponential backoff; every
    attempt leaves its own run in the log. Permanent failures are recorded on the run and end
    the task; a disabled or deleted source, or one already running, is skipped.
    """
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return {"source": source_id, "status": "skipped", "reason": "missing or disabled"}
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = source_ingest(source=source, trigger=trigger, triggered_by=user)
    except SourceBusy:
        return {"source": source_id, "status": "skipped", "reason": "already running"}
    except TransientFetchError:
        raise
    except IngestionError as exc:
        return {"source": source_id, "status": "failed", "error": exc.message}
    return {
        "source": source_id,
        "run": run.pk,
        "status": run.status,
        "inserted": run.inserted,
        "updated": run.updated,
        "unchanged": run.unchanged,
    }


@shared_task(soft_time_limit=60)
def ingest_due_sources_task() -> dict[str, Any]:
    """Beat fan-out: queue ``ingest_source_task`` for each source whose schedule is due."""
    return {"queued": due_sources_enqueue()}
