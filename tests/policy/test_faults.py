"""Dependencies that are down degrade the page with a clear message; never a bare 500 or a hang.

Real parts only: a Redis cache URL on a closed port (or a socket that accepts and never
answers), a broker URL on a closed port, a database URL on a closed port in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from celery import current_app
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from indicators.models import Indicator, Observation, Source
from policy.briefings.models import Briefing, BriefingStatus
from policy.celery import app
from tests.conftest import client_for

REPO = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_cache(port: int) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "policy.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/7",
            "OPTIONS": {"timeout_seconds": 0.3},
        }
    }


@pytest.fixture
def pages(db: Any, project: Any, milestone: Any, chengdu: Any) -> list[str]:
    indicator = Indicator.objects.create(code="dc-power-price", name_zh="电价", unit="元/度")
    Observation.objects.create(
        indicator=indicator, area=chengdu, period="2024", period_start=dt.date(2024, 1, 1), value=1
    )
    return [
        reverse("policy:overview"),
        reverse("policy:initiative-detail", args=[project.initiative.code]),
        reverse("policy:project-detail", args=[project.pk]),
        reverse("policy:map"),
        reverse("indicators:catalogue"),
        reverse("indicators:detail", args=[indicator.code]),
    ]


# --- the cache -------------------------------------------------------------------------------


def _render_all(client: Any, pages: list[str]) -> float:
    started = time.monotonic()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "四个大后方" in response.content.decode()
    return time.monotonic() - started


def test_pages_render_uncached_when_the_redis_cache_port_is_closed(official: Any, pages) -> None:
    client = client_for(official)
    with override_settings(CACHES=redis_cache(closed_port())):
        elapsed = _render_all(client, pages)
    assert elapsed < 10


@pytest.fixture
def silent_redis() -> Any:
    """A TCP port that accepts connections and never answers (a hung or firewalled Redis).

    It closes after 20 s, so code without a read time-out fails instead of hanging for ever.
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    timer = threading.Timer(20, server.close)
    timer.start()
    yield server.getsockname()[1]
    timer.cancel()
    server.close()


def test_a_redis_cache_that_never_answers_costs_one_time_out_not_one_per_call(
    official: Any, pages, silent_redis: int
) -> None:
    client = client_for(official)
    with override_settings(CACHES=redis_cache(silent_redis)):
        elapsed = _render_all(client, pages)
    # One 0.3 s time-out opens the breaker; the rest of the pages skip the cache.
    assert elapsed < 8


def test_the_fail_open_cache_still_works_when_redis_is_up() -> None:
    from django.core.cache import cache

    settings = redis_cache(6379)
    with override_settings(CACHES=settings):
        cache.set("harden:probe", "ok", 5)
        assert cache.get("harden:probe") == "ok"
        assert cache.add("harden:forever", "x", None) in (True, False)
        cache.delete_many(["harden:probe", "harden:forever"])
        cache.ping()  # type: ignore[attr-defined]  # FailOpenRedisCache's own method


# --- readiness -------------------------------------------------------------------------------


def test_readyz_answers_ok_when_everything_is_up(client: Any, db: Any) -> None:
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": "ok", "cache": "ok", "broker": "ok"}


def test_readyz_is_503_naming_the_cache_when_redis_is_down(client: Any, db: Any) -> None:
    with override_settings(CACHES=redis_cache(closed_port())):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_stays_cheap_and_ok(client: Any) -> None:
    # No database fixture: a single query would fail this test.
    assert client.get("/healthz/").content == b"ok"


# --- the broker ------------------------------------------------------------------------------


@pytest.fixture
def broker_down() -> Any:
    """Celery publishes to a Redis broker on a closed port (eager mode off)."""
    # A Celery() made by another test (a sender) becomes the current app, and shared tasks
    # publish through the current app: make ours current for the test, then put it back.
    previous = current_app._get_current_object()  # type: ignore[attr-defined]  # a Proxy
    app.set_current()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=f"redis://127.0.0.1:{closed_port()}/6", task_always_eager=False)
    _forget_connections()
    yield
    app.conf.update(saved)
    _forget_connections()
    previous.set_current()


def _forget_connections() -> None:
    """Celery caches its connection and producer pools; drop them so the URL change counts."""
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


# Transactional: on-commit callbacks run at once, as in a real request (a test transaction
# would hold them back and the broker would never be asked). They need none of the data the
# migrations create, so no serialized rollback (it clashes with an earlier flush's new rows).
on_commit_runs = pytest.mark.django_db(transaction=True)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_readyz_is_503_naming_the_broker_when_it_is_down(
    client: Any, db: Any, broker_down
) -> None:
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


@on_commit_runs
def test_run_source_with_the_broker_down_says_so_in_chinese(admin_user: Any, broker_down) -> None:
    source = Source.objects.create(code="s", name="电价来源", kind="csv", url="http://x/")
    response = client_for(admin_user).post(reverse("indicators:source-run", args=[source.pk]))
    assert response.status_code == 302
    (message,) = _messages(response)
    assert "后台任务队列暂时无法连接" in message
    assert "已排队" not in message


@on_commit_runs
def test_the_admin_run_now_action_with_the_broker_down_says_so(
    admin_user: Any, broker_down
) -> None:
    source = Source.objects.create(code="s", name="电价来源", kind="csv", url="http://x/")
    response = client_for(admin_user).post(
        reverse("admin:indicators_source_changelist"),
        {"action": "run_now", "_selected_action": [source.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "后台任务队列暂时无法连接" in response.content.decode()


@on_commit_runs
def test_the_system_page_test_task_with_the_broker_down_says_so(
    admin_user: Any, broker_down
) -> None:
    response = client_for(admin_user).post(reverse("policy:system"))
    assert response.status_code == 302
    assert any("后台任务队列暂时无法连接" in m for m in _messages(response))


@on_commit_runs
def test_generate_briefing_with_the_broker_down_keeps_a_row_beat_queues_again(
    admin_user: Any, broker_down, monkeypatch
) -> None:
    from policy.briefings import services

    response = client_for(admin_user).post(
        reverse("policy:briefing-generate"),
        {"kind": "monthly", "period": "2026-10", "language": "zh-hans"},
    )
    assert response.status_code == 302
    (message,) = _messages(response)
    assert "后台任务队列暂时无法连接" in message
    assert "自动开始生成" in message
    briefing = Briefing.objects.get()
    assert briefing.status == BriefingStatus.PENDING

    # Beat's re-queue job, once the broker is back, sends it again.
    sent: list[int] = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda task, pk: sent.append(pk))
    later = briefing.requested_at + dt.timedelta(minutes=11)
    assert services.briefing_requeue_stale(now=later) == [briefing.pk]
    assert sent == [briefing.pk]
    assert services.briefing_requeue_stale(now=briefing.requested_at) == []  # too recent


# --- the database ----------------------------------------------------------------------------

DB_DOWN_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
out = {}
login = client.post("/accounts/login/", {"username": "official", "password": "x"})
out["login"] = [login.status_code, login.content.decode(), login.get("Retry-After")]
client.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
page = client.get("/")
out["page"] = [page.status_code, page.content.decode()]
ready = client.get("/readyz/")
out["readyz"] = [ready.status_code, ready.json()]
out["healthz"] = client.get("/healthz/").status_code
print("RESULT " + json.dumps(out))
"""


def test_a_database_that_is_down_gives_a_chinese_503_and_readyz_says_so(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policy.settings",
        "DEBUG": "0",
        "SECRET_KEY": "probe-only-secret-key-with-enough-characters-1234567890",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port()}/nothing",
        "DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    result = subprocess.run(
        [sys.executable, "-c", DB_DOWN_PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [x for x in result.stdout.splitlines() if x.startswith("RESULT ")]
    assert lines, result.stderr[-3000:]
    line = lines[0]
    out = json.loads(line.removeprefix("RESULT "))
    for name in ("login", "page"):
        status, body = out[name][0], out[name][1]
        assert status == 503, (name, body[:300])
        assert "数据库暂时无法连接" in body
    assert out["login"][2] == "30"
    assert out["readyz"][0] == 503
    assert out["readyz"][1]["database"] == "down"
    assert out["healthz"] == 200
