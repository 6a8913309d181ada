"""The small JSON status endpoints that the sources page and the briefing list poll."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from indicators.models import IngestionRun, RunStatus, Source
from policy.briefings.models import Briefing
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(db: Any) -> Briefing:
    return Briefing.objects.create(
        kind="monthly",
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        status="pending",
        requested_at=timezone.now(),
    )


def test_a_briefing_reports_its_state_then_its_download(
    official_client: Any, briefing: Briefing, private_media: Any
) -> None:
    url = reverse("policy:briefing-status", args=[briefing.pk])
    body = official_client.get(url).json()
    assert body["status"] == "pending"
    assert body["finished"] is False
    assert body["download"] == ""
    briefing.status = "ready"
    briefing.page_count = 4
    briefing.generated_at = timezone.now()
    briefing.file.save("b.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    response = official_client.get(url)
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["finished"] is True
    assert body["label"] == "已生成"
    assert body["download"] == reverse("policy:briefing-download", args=[briefing.pk])
    assert body["detail"] == "4 页"


def test_a_failed_briefing_says_why(official_client: Any, briefing: Briefing) -> None:
    Briefing.objects.filter(pk=briefing.pk).update(status="failed", error="图表导出失败：超时")
    body = official_client.get(reverse("policy:briefing-status", args=[briefing.pk])).json()
    assert body["finished"] is True
    assert body["detail"] == "图表导出失败：超时"


def test_the_briefing_status_needs_a_role(outsider: Any, briefing: Briefing) -> None:
    url = reverse("policy:briefing-status", args=[briefing.pk])
    assert client_for(outsider).get(url).status_code in (403, 404)


@pytest.fixture
def source(db: Any) -> Source:
    return Source.objects.create(code="price", name="电价来源", kind="csv")


def test_a_source_is_queued_until_its_new_run_starts(
    admin_client_: Any, official_client: Any, source: Source
) -> None:
    earlier = timezone.now() - dt.timedelta(hours=1)
    IngestionRun.objects.create(
        source=source, status=RunStatus.SUCCEEDED, started_at=earlier, finished_at=earlier
    )
    url = reverse("indicators:source-status", args=[source.pk])
    body = admin_client_.get(url, {"after": earlier.isoformat()}).json()
    assert body == {"status": "queued", "label": "排队中", "finished": False, "detail": ""}
    run = IngestionRun.objects.create(
        source=source, status=RunStatus.RUNNING, started_at=timezone.now()
    )
    body = admin_client_.get(url, {"after": earlier.isoformat()}).json()
    assert (body["status"], body["finished"], body["run"]) == ("running", False, run.pk)
    IngestionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(), inserted=12, rejected=1
    )
    body = admin_client_.get(url).json()
    assert body["finished"] is True
    assert "新增 12" in body["detail"]
    assert "拒收 1" in body["detail"]
    assert official_client.get(url).status_code == 403


def test_run_now_sends_the_page_to_follow_the_queued_source(
    admin_client_: Any, source: Source
) -> None:
    # The page was opened before the run: the row is rendered queued and polls.
    page = admin_client_.get(reverse("indicators:sources"), {"queued": source.pk}).content.decode()
    assert 'data-job-state="queued"' in page
    assert reverse("indicators:source-status", args=[source.pk]) in page
    assert 'http-equiv="refresh"' not in page  # no more reloading the page
    assert "policy/js/jobs.js" in page
