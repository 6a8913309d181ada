"""A run whose worker died is reaped (failed, with a Chinese message) and the source runs again
at once; a live run still blocks a second one. The last test kills a real Celery worker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
from celery import Celery
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from indicators.runs import runs_reap, worker_identity
from indicators.services import SourceBusy, ingest_source_task, source_ingest
from tests.conftest import CELERY_TEST_BROKER, client_for, start_celery_worker
from tests.indicators.http_server import Reply

PAYLOAD = (
    b"indicator,area,period,value,unit\ndc-power-price,510100,2023,0.6,\xe5\x85\x83/\xe5\xba\xa6\n"
)


@pytest.fixture
def local_fetch(settings: Any) -> None:
    settings.INDICATORS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.INDICATORS_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def price_source(db: Any, http_server: Any, local_fetch: None) -> Source:
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    http_server.routes["/price.csv"] = Reply(body=PAYLOAD)
    return Source.objects.create(
        code="price", name="电价", kind="csv", url=http_server.url("/price.csv")
    )


def dead_pid() -> int:
    """The pid of a process of this host that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running(source: Source, *, worker: str, beat_ago: dt.timedelta) -> IngestionRun:
    started = timezone.now() - beat_ago
    return IngestionRun.objects.create(
        source=source, started_at=started, heartbeat_at=started, worker=worker
    )


def test_a_run_of_a_dead_process_on_this_host_is_reaped_and_the_source_runs_at_once(
    price_source: Source,
) -> None:
    dead = _running(
        price_source,
        worker=f"{socket.gethostname()}:{dead_pid()}",
        beat_ago=dt.timedelta(seconds=5),
    )

    run = source_ingest(source=price_source)

    assert run.status == RunStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert "stopped (killed, restarted or out of memory)" in dead.error
    assert "run it again at once" in dead.error
    assert dead.finished_at is not None
    assert Observation.objects.count() == 1


def test_a_run_whose_heartbeat_stopped_on_another_host_is_reaped(price_source: Source) -> None:
    stale = _running(price_source, worker="other-host:4242", beat_ago=dt.timedelta(minutes=3))
    fresh = _running(price_source, worker="other-host:4243", beat_ago=dt.timedelta(seconds=10))

    assert runs_reap() == [stale.pk]
    fresh.refresh_from_db()
    assert fresh.status == RunStatus.RUNNING


def test_a_live_run_still_blocks_a_second_one(price_source: Source) -> None:
    _running(price_source, worker=worker_identity(), beat_ago=dt.timedelta(seconds=1))

    with pytest.raises(SourceBusy):
        source_ingest(source=price_source)
    assert ingest_source_task.apply(args=[price_source.pk]).get()["status"] == "skipped"


def test_run_now_says_a_live_run_is_in_progress_instead_of_queued(
    price_source: Source, admin_user: Any, monkeypatch: Any
) -> None:
    _running(price_source, worker="other-host:1", beat_ago=dt.timedelta(seconds=1))
    sent: list[Any] = []
    monkeypatch.setattr(ingest_source_task, "delay", lambda *a, **k: sent.append(a))

    response = client_for(admin_user).post(
        reverse("indicators:source-run", args=[price_source.pk])
    )

    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "正在采集中" in message  # a page request: the site language
    assert sent == []


def test_run_now_reaps_a_dead_run_and_queues(
    price_source: Source, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dead = _running(price_source, worker="other-host:1", beat_ago=dt.timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            reverse("indicators:source-run", args=[price_source.pk])
        )

    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("已排队采集")
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert IngestionRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1  # eager task


# -- a real worker, killed mid-run -----------------------------------------------------------


def _wait(predicate: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_run_does_not_block_its_source(http_server: Any) -> None:
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    calls: list[int] = []

    def slow_then_fast(query: Any) -> Reply:
        calls.append(1)
        return Reply(body=PAYLOAD, delay=60 if len(calls) == 1 else 0)

    http_server.routes["/price.csv"] = slow_then_fast
    source = Source.objects.create(
        code="price", name="电价", kind="csv", url=http_server.url("/price.csv")
    )
    env = {"INDICATORS_ALLOWED_HOSTS": "127.0.0.1", "INDICATORS_ALLOW_PRIVATE_ADDRESSES": "1"}
    sender = Celery(broker=CELERY_TEST_BROKER)

    first_worker = start_celery_worker(**env)
    try:
        sender.send_task("indicators.tasks.ingest_source_task", args=[source.pk])
        stuck = _wait(
            lambda: IngestionRun.objects.filter(status=RunStatus.RUNNING).first(), 60, "the run"
        )
        os.kill(first_worker.pid, signal.SIGKILL)  # the worker dies mid-download
        first_worker.wait(timeout=10)
    finally:
        if first_worker.poll() is None:
            first_worker.kill()

    second_worker = start_celery_worker(**env)
    try:
        started = time.monotonic()
        sender.send_task(
            "indicators.tasks.ingest_source_task", args=[source.pk], kwargs={"trigger": "manual"}
        )
        done = _wait(
            lambda: IngestionRun.objects.filter(status=RunStatus.SUCCEEDED).first(), 60, "rerun"
        )
        elapsed = time.monotonic() - started
    finally:
        second_worker.terminate()
        second_worker.wait(timeout=20)

    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED
    assert "已中断" in stuck.error  # written by the worker, in the site's language
    assert done.trigger == "manual"
    assert elapsed < 30  # at once, not after the 30-minute claim timeout
    assert Observation.objects.filter(run=done).count() == 1
