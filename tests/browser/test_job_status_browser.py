"""Running jobs show their state without a reload: a briefing being generated turns into a
download link, a running ingestion into its counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from indicators.models import IngestionRun, RunStatus, Source
from policy.briefings.models import Briefing
from tests.conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_briefing_row_follows_its_generation(
    page: Any, official: Any, private_media: Any
) -> None:
    briefing = Briefing.objects.create(
        kind="monthly",
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        status="running",
        requested_at=timezone.now(),
    )
    browser_login(page, "official")
    page.goto(f"{page.live_url}/briefings/")
    row = page.locator("tr.briefing-row")
    assert "生成中" in row.inner_text()
    page.evaluate("window.__marker = 1")  # gone if the page reloads

    briefing.status = "ready"
    briefing.page_count = 3
    briefing.generated_at = timezone.now()
    briefing.file.save("b.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    row.locator(".job-download a[href]").wait_for(timeout=20_000)
    assert "已生成" in row.inner_text()
    assert "3 页" in row.inner_text()
    assert page.evaluate("window.__marker") == 1  # no reload happened


def test_a_running_ingestion_shows_its_result(page: Any, admin_user: Any) -> None:
    source = Source.objects.create(code="price", name="电价来源", kind="csv")
    run = IngestionRun.objects.create(
        source=source, status=RunStatus.RUNNING, started_at=timezone.now()
    )
    browser_login(page, "admin")
    page.goto(f"{page.live_url}/indicators/sources/")
    cell = page.locator('tr.source-row[data-code="price"] .run-status')
    assert "运行中" in cell.inner_text()
    page.evaluate("window.__marker = 1")
    IngestionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(), inserted=7
    )
    page.wait_for_function(
        "() => document.querySelector('tr.source-row[data-code=price] .run-status')"
        ".dataset.jobState === 'succeeded'",
        timeout=20_000,
    )
    assert "新增 7" in cell.inner_text()
    assert page.evaluate("window.__marker") == 1
