"""Owner-entered values marked 存疑 where they are shown: project page (KPI chart and
investment), review page, API, investment export, briefing; the data-quality page lists and
resolves them; in English too."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policy.briefings.periods import parse_period
from policy.briefings.selectors import briefing_facts
from policy.models import EntryFlagStatus, Kpi, KpiValue
from policy.services.investment import investment_report_record, investment_total_set
from policy.services.kpis import kpi_value_approve, kpi_value_record
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year
KPI_TEXT = "较上期 100 P 增长 10 倍"
INVEST_TEXT = "较上期 150 万元 增长 20 倍"


@pytest.fixture
def kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-p", name_zh="智算规模", unit="P", frequency="A"
    )


@pytest.fixture
def pending(kpi: Kpi, owner: Any, lead: Any) -> KpiValue:
    """A tenfold value the owner confirmed, waiting for review."""
    kpi_value_record(actor=lead, kpi_id=kpi.pk, period="2024", value=Decimal(100))
    return kpi_value_record(
        actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal(1000), confirm_jump=True
    )


@pytest.fixture
def approved(pending: KpiValue, lead: Any, project: Any) -> KpiValue:
    """The flagged value approved, and a month above the total investment reported."""
    if TODAY.month < 3:
        pytest.skip("needs two finished months of this year")
    investment_total_set(actor=lead, project_id=project.pk, amount=Decimal(2000))
    for month, amount in ((1, "150"), (2, "3000")):
        investment_report_record(
            actor=lead,
            project_id=project.pk,
            period=f"{YEAR}-{month:02d}",
            amount=Decimal(amount),
            entered_as="monthly",
            confirm_jump=True,
        )
    return kpi_value_approve(actor=lead, value_id=pending.pk)


def figures(body: str) -> dict[str, Any]:
    found = re.findall(r'<script id="(fig-[\w-]+)" type="application/json">(.*?)</script>', body)
    return {key: json.loads(value) for key, value in found}


def test_the_review_page_shows_the_flag_before_the_lead_approves(
    pending: KpiValue, lead_client: Client
) -> None:
    page = lead_client.get(reverse("policy:kpi-value-review", args=[pending.pk])).content.decode()
    note = page[page.index('id="review-doubt"') : page.index('id="review-decision"')]
    assert "存疑" in note
    assert KPI_TEXT in note
    work = lead_client.get(reverse("policy:my-work")).content.decode()
    assert KPI_TEXT in work  # the batch list marks it too


def test_the_project_page_marks_the_kpi_and_the_month(
    approved: KpiValue, kpi: Kpi, project: Any, official_client: Client
) -> None:
    body = official_client.get(reverse("policy:project-detail", args=[project.pk])).content
    page = body.decode()
    traces = figures(page)[f"fig-kpi-{kpi.pk}"]["data"]
    doubtful = next(t for t in traces if t.get("meta") == "doubtful")
    assert KPI_TEXT in doubtful["customdata"][0]
    kpis = page[page.index('id="h-kpis"') :]
    assert "doubt-badge" in kpis
    assert KPI_TEXT in kpis
    investment = page[page.index('id="investment"') : page.index('id="h-kpis"')]
    assert INVEST_TEXT in investment
    assert "超过项目总投资 2,000 万元" in investment or "超过项目总投资 2000 万元" in investment


def test_the_api_gives_the_flag_as_the_observations_do(
    approved: KpiValue, kpi: Kpi, project: Any, official: Any
) -> None:
    client = TokenClient(official)
    values = client.get(f"/api/v1/kpis/{kpi.pk}").json()["values"]
    flagged = next(v for v in values if v["period"] == "2025")
    assert KPI_TEXT in flagged["quality"]
    assert flagged["quality_rules"] == ["jump"]
    assert next(v for v in values if v["period"] == "2024")["quality"] is None
    reports = client.get(f"/api/v1/projects/{project.pk}/investment").json()["reports"]
    february = next(r for r in reports if r["period"] == f"{YEAR}-02")
    assert INVEST_TEXT in february["quality"]
    assert february["quality_rules"] == ["jump", "range"]


def test_the_investment_export_and_the_briefing_mark_the_month(
    approved: KpiValue, project: Any, official_client: Client
) -> None:
    response = official_client.get("/investment/download.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = rows[0].index("存疑月份（数据质量）")
    line = next(r for r in rows if r[0] == project.code)
    assert f"{YEAR}-02" in line[column]
    assert INVEST_TEXT in line[column]
    facts = briefing_facts(parse_period("monthly", f"{YEAR}-{TODAY.month:02d}"))
    assert facts.investment is not None
    assert [line.project for line in facts.investment.doubtful] == [project]


def test_the_data_quality_page_lists_and_resolves_an_owner_entry(
    pending: KpiValue, owner: Any, lead_client: Client
) -> None:
    url = reverse("indicators:quality")
    page = lead_client.get(url).content.decode()
    entries = page[page.index('id="entries"') :]
    assert "测试智算中心" in entries
    assert "2025" in entries
    assert KPI_TEXT in entries
    assert "跳变" in entries
    assert owner.username in entries
    resolve = reverse("indicators:quality-resolve", args=[pending.pk])
    refused = lead_client.post(
        resolve, {"kind": "kpi", "action": "correct", "note": "改", "value": "1"}, follow=True
    )
    assert "重新填报" in refused.content.decode()
    assert KpiValue.objects.get(pk=pending.pk).is_doubtful
    done = lead_client.post(
        resolve,
        {"kind": "kpi", "action": "confirm", "note": "核对了验收报告", "version": pending.version},
        follow=True,
    )
    assert "已记录" in done.content.decode()
    row = KpiValue.objects.get(pk=pending.pk)
    assert row.quality_status == EntryFlagStatus.CONFIRMED
    listed = lead_client.get(url, {"status": "confirmed"}).content.decode()
    assert "核对了验收报告" in listed
    assert lead_client.get(url, {"rule": "range"}).content.decode().count(KPI_TEXT) == 0


def test_owners_cannot_open_the_data_quality_page(pending: KpiValue, owner_client: Client) -> None:
    assert owner_client.get(reverse("indicators:quality")).status_code == 403


def test_the_flag_reads_in_english(pending: KpiValue, lead_client: Client) -> None:
    lead_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    review = lead_client.get(reverse("policy:kpi-value-review", args=[pending.pk])).content
    assert "This value breaks a data-quality rule" in review.decode()
    assert "10 times the previous period&#x27;s 100 P" in review.decode()
    page = lead_client.get(reverse("indicators:quality")).content.decode()
    assert "Doubtful reported values" in page
