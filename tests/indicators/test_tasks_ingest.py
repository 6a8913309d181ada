"""The ingestion task: local HTTP server, transient retries, permanent failures, the beat fan-out,
and a real Celery worker on Redis writing to the real test database."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from celery import Celery
from celery.exceptions import Retry
from django_celery_beat.models import CrontabSchedule

from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from indicators.services import due_sources_enqueue, ingest_due_sources_task, ingest_source_task
from tests.conftest import start_celery_worker
from tests.indicators.http_server import Reply

REPO = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")
PAYLOAD = (
    b"indicator,area,period,value,unit\n"
    b"dc-power-price,510100,2022,0.5,\xe5\x85\x83/\xe5\xba\xa6\n"
    b"dc-power-price,510100,2023,0.6,\xe5\x85\x83/\xe5\xba\xa6\n"
)


@pytest.fixture
def local_fetch(settings) -> None:
    settings.INDICATORS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.INDICATORS_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def price(db) -> Indicator:
    return Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")


def _source(url: str) -> Source:
    return Source.objects.create(code="price", name="电价", kind="csv", url=url)


@pytest.mark.django_db
def test_the_task_fetches_over_http_and_a_second_identical_run_changes_nothing(
    http_server, local_fetch, price
) -> None:
    http_server.routes["/price.csv"] = Reply(body=PAYLOAD)
    source = _source(http_server.url("/price.csv"))

    first = ingest_source_task.apply(args=[source.pk]).get()
    second = ingest_source_task.apply(args=[source.pk]).get()

    assert (first["status"], first["inserted"]) == ("succeeded", 2)
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 2)
    assert Observation.objects.count() == 2
    assert set(IngestionRun.objects.values_list("sha256", flat=True)) == {
        __import__("hashlib").sha256(PAYLOAD).hexdigest()
    }


@pytest.mark.django_db
def test_transient_failures_are_retried_and_each_attempt_is_logged(
    http_server, local_fetch, price, monkeypatch
) -> None:
    calls = []

    def flaky(query):
        calls.append(1)
        return Reply(503, b"busy") if len(calls) <= 2 else Reply(body=PAYLOAD)

    http_server.routes["/price.csv"] = flaky
    source = _source(http_server.url("/price.csv"))

    # Eagerly, each autoretry surfaces as Retry (a worker would re-queue it with backoff).
    for attempt in range(2):
        with pytest.raises(Retry):
            ingest_source_task.apply(args=[source.pk], retries=attempt)
    result = ingest_source_task.apply(args=[source.pk], retries=2).get()

    assert result["status"] == "succeeded"
    statuses = list(IngestionRun.objects.order_by("pk").values_list("status", "error"))
    assert [s for s, _ in statuses] == ["failed", "failed", "succeeded"]
    assert "503" in statuses[0][1]
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_a_permanent_failure_is_recorded_once_and_not_retried(
    http_server, local_fetch, price
) -> None:
    http_server.routes["/gone.csv"] = Reply(404, b"not here")
    source = _source(http_server.url("/gone.csv"))

    result = ingest_source_task.apply(args=[source.pk]).get()

    assert result["status"] == "failed"
    assert "404" in result["error"]
    assert IngestionRun.objects.get().status == RunStatus.FAILED
    assert len(http_server.requests) == 1


@pytest.mark.django_db
def test_the_task_options_follow_the_style_guide() -> None:
    assert ingest_source_task.acks_late is True
    assert ingest_source_task.max_retries == 5
    assert ingest_source_task.soft_time_limit
    assert ingest_source_task.retry_backoff  # type: ignore[attr-defined]  # a task option


@pytest.mark.django_db
def test_a_disabled_source_is_skipped(price) -> None:
    source = Source.objects.create(code="off", name="off", kind="csv", enabled=False)
    assert ingest_source_task.apply(args=[source.pk]).get()["status"] == "skipped"
    assert not IngestionRun.objects.exists()


@pytest.mark.django_db
def test_beat_fans_out_only_sources_whose_schedule_is_due(
    http_server, local_fetch, price, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    http_server.routes["/price.csv"] = Reply(body=PAYLOAD)
    hourly = CrontabSchedule.objects.create(minute="0", hour="*", timezone="Asia/Shanghai")
    scheduled = _source(http_server.url("/price.csv"))
    scheduled.schedule = hourly
    scheduled.save()
    Source.objects.create(code="manual", name="manual", kind="csv", url="http://127.0.0.1/x")
    sent = []
    monkeypatch.setattr(ingest_source_task, "delay", lambda pk: sent.append(pk))

    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_due_sources_task.apply().get() == {"queued": [scheduled.pk]}
    assert sent == [scheduled.pk]

    ingest_source_task.apply(args=[scheduled.pk])
    assert due_sources_enqueue() == []  # it just ran; the next hour has not come yet


# -- a real worker ---------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db: None):
    proc = start_celery_worker(
        INDICATORS_ALLOWED_HOSTS="127.0.0.1", INDICATORS_ALLOW_PRIVATE_ADDRESSES="1"
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def _wait_for_runs(n: int, seconds: float = 60) -> list[IngestionRun]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = list(IngestionRun.objects.exclude(status=RunStatus.RUNNING).order_by("pk"))
        if len(runs) >= n:
            return runs
        time.sleep(0.3)
    raise AssertionError("the worker did not finish the ingestion in time")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the migrated regions
def test_a_real_worker_on_redis_ingests_from_a_local_server_and_reruns_change_nothing(
    worker, http_server
) -> None:
    Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    http_server.routes["/price.csv"] = Reply(body=PAYLOAD)
    source = _source(http_server.url("/price.csv"))
    sender = Celery(broker=BROKER)

    sender.send_task("indicators.tasks.ingest_source_task", args=[source.pk])
    (first,) = _wait_for_runs(1)
    sender.send_task("indicators.tasks.ingest_source_task", args=[source.pk])
    _, second = _wait_for_runs(2)

    assert first.status == RunStatus.SUCCEEDED, first.error
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert Observation.objects.filter(run=first).count() == 2
    assert http_server.requests == ["/price.csv", "/price.csv"]
    assert worker.poll() is None
