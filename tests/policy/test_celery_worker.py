"""A real Celery worker on Redis runs a task and writes to the real test database."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from celery import Celery

from policy.models import WorkerPing
from tests.conftest import start_celery_worker

REPO = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER, reason="set CELERY_TEST_BROKER_URL (CI uses Redis)"),
]


@pytest.fixture
def worker(transactional_db: None):
    proc = start_celery_worker()
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def _wait_for_ping(source: str, seconds: float = 40) -> WorkerPing:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ping = WorkerPing.objects.filter(source=source).first()
        if ping:
            return ping
        time.sleep(0.3)
    raise AssertionError("the worker did not run the task in time")


def test_a_task_sent_over_redis_runs_in_the_worker(worker) -> None:
    sender = Celery(broker=BROKER)
    sender.send_task("policy.tasks.heartbeat_task", args=["test", None])
    ping = _wait_for_ping("test")
    assert ping.worker.split(":")[1] != str(os.getpid())  # ran in another process
    assert worker.poll() is None
