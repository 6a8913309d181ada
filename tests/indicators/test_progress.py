"""A running ingestion's progress: published to the cache while the transaction is open, shown
on the sources page, gone when the run ends; the run itself never depends on it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator, IngestionRun, Observation, Source
from indicators.progress import Reporter, run_progress
from indicators.services import IngestRequest, ingest

pytestmark = pytest.mark.django_db

ROWS = 6000
PAYLOAD = (
    "indicator,area,period,value\n"
    + "".join(f"p,510100,{2000 + i // 12}-{i % 12 + 1:02d},{i}\n" for i in range(ROWS))
).encode()


def test_progress_is_readable_during_the_run_and_cleared_after_it() -> None:
    Indicator.objects.create(code="p", name_zh="p", unit="")
    seen = []

    def forward(done: int, total: int, stage: str) -> None:
        run = IngestionRun.objects.order_by("-pk").first()
        published = run_progress([run.pk]).get(run.pk)
        # Inside the ingestion's transaction nothing is committed, but the progress is out.
        seen.append((stage, done, total, published.stage if published else None))

    run = ingest(
        IngestRequest(kind="csv", options={}, label="p", payload=PAYLOAD, progress=forward)
    )

    assert run.inserted == ROWS
    assert ("stage", ROWS, ROWS) in [s[:3] for s in seen] or connection.vendor != "postgresql"
    assert seen[-1][:3] == ("done", ROWS, ROWS)
    assert {s[3] for s in seen} >= {"stage"} or {s[3] for s in seen} >= {"write"}
    assert run_progress([run.pk]) == {}  # cleared when the run ended


def test_the_sources_page_shows_a_running_runs_progress(admin_client_) -> None:
    source = Source.objects.create(
        code="big", name="大文件", kind="csv", url="http://x.test/a.csv"
    )
    run = IngestionRun.objects.create(source=source, started_at=timezone.now())
    Reporter(run.pk, None).stage("stage", 300_000, 1_000_000)

    html = admin_client_.get(reverse("indicators:sources")).content.decode()

    assert '<progress max="1000000" value="300000">30%</progress>' in html
    assert "暂存 300,000/1,000,000 行（30%）" in html
    # The row follows the run by polling its status (static/policy/js/jobs.js), no reload.
    assert 'data-job-state="running"' in html
    assert reverse("indicators:source-status", args=[source.pk]) in html


def test_a_cache_that_is_down_costs_the_progress_not_the_run(monkeypatch) -> None:
    import indicators.progress

    class Down:
        def __getattr__(self, name: str):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(indicators.progress, "cache", Down())
    Indicator.objects.create(code="p", name_zh="p", unit="")

    run = ingest(IngestRequest(kind="csv", options={}, label="p", payload=PAYLOAD))

    assert run.inserted == ROWS == Observation.objects.count()
    assert run_progress([run.pk]) == {}
