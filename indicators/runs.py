"""Which ingestion runs are still alive: the worker's identity, a heartbeat, and the reaper.

A run is claimed by writing a RUNNING row (see ``services._run_start``). If the process doing it
dies (SIGKILL, out of memory, a host restart) nothing marks the row finished, and every later
run of the source was skipped as "already running". So each run records which process runs it
(``host:pid``) and a thread refreshes ``heartbeat_at`` while it works; a RUNNING row is dead when
its process is gone from this host or its heartbeat is older than
``INDICATORS_RUN_HEARTBEAT_TIMEOUT``. ``runs_reap`` marks dead rows failed with a message a
person can act on, and the claim calls it first, so the source can run again at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from policy.notifications.alerts import source_failure_alert

from .models import IngestionRun, RunStatus

logger = logging.getLogger(__name__)


def worker_identity() -> str:
    """``host:pid`` of this process, as stored on the runs it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_every() -> float:
    """Seconds between heartbeats: a third of the timeout, so one late beat is not fatal."""
    return max(1.0, heartbeat_timeout().total_seconds() / 3)


def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "INDICATORS_RUN_HEARTBEAT_TIMEOUT", 120))


def _process_gone(worker: str) -> bool:
    """True when ``worker`` names a process of this host that no longer exists."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host: only its heartbeat can tell
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: existence check only
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return False


def _is_dead(run: IngestionRun, now: dt.datetime) -> bool:
    last_sign = run.heartbeat_at or run.started_at
    return now - last_sign > heartbeat_timeout() or _process_gone(run.worker)


def runs_reap(*, source_id: int | None = None, now: dt.datetime | None = None) -> list[int]:
    """Mark RUNNING runs whose process died as failed; returns their ids.

    Safe to call from any process at any time: a row is changed only while it is still RUNNING
    (a conditional update), so a run that finishes meanwhile keeps its own result.
    """
    now = now or timezone.now()
    running = IngestionRun.objects.filter(status=RunStatus.RUNNING)
    if source_id is not None:
        running = running.filter(source_id=source_id)
    reaped = []
    for run in running.only("pk", "worker", "heartbeat_at", "started_at"):
        if not _is_dead(run, now):
            continue
        message = _(
            "执行这次采集的后台进程（%(worker)s）已中断（可能被终止、重启或内存不足），"
            "采集没有完成，也没有写入任何数据。可以立即重新运行；如反复出现，请检查后台任务进程的日志。"
        ) % {"worker": run.worker or _("未知进程")}
        changed = IngestionRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, finished_at=now, error=message
        )
        if changed:
            logger.warning("ingestion run %s reaped: its worker %s is gone", run.pk, run.worker)
            reaped.append(run.pk)
            run_failed_alert(IngestionRun.objects.select_related("source").get(pk=run.pk))
    return reaped


def run_failed_alert(run: IngestionRun) -> None:
    """After a run of a source failed: alert the administrators at its second failure in a row."""
    if run.pk is None or run.source_id is None or run.source is None:
        return
    statuses = list(
        IngestionRun.objects.filter(source_id=run.source_id)
        .exclude(status=RunStatus.RUNNING)
        .order_by("-started_at", "-pk")
        .values_list("status", flat=True)[:3]
    )
    source_failure_alert(source=run.source, statuses=statuses, error=run.error)


@contextmanager
def run_heartbeat(run: IngestionRun) -> Iterator[None]:
    """Refresh ``run.heartbeat_at`` from a thread while the body runs (no-op for unsaved runs)."""
    if not run.pk:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_every()):
                IngestionRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed beat must never break the ingestion itself
            logger.warning("heartbeat of ingestion run %s failed", run.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections only

    thread = threading.Thread(target=beat, name=f"run-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
