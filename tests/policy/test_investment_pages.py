"""Investment on every page officials read, the owners' form and the leads' review, the
export and the briefing — all showing the stored read model's figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from policy.briefings.content import executive_summary
from policy.briefings.periods import parse_period
from policy.briefings.selectors import briefing_facts
from policy.models import InvestmentReport, ProjectStatus, ReviewState
from policy.readmodel import refresh_projects
from policy.services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_record,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def invested(project: Any, lead: Any) -> Any:
    """A plan of 1,000 万元 this year, 300 万元 approved by March, and a funding split."""
    investment_plan_set(actor=lead, project_id=project.pk, year=YEAR, amount=Decimal("1000"))
    investment_report_record(
        actor=lead, project_id=project.pk, period=f"{YEAR}-03", amount=Decimal("300")
    )
    funding_set(
        actor=lead,
        project_id=project.pk,
        source_code="special-bonds",
        planned=Decimal("600"),
        arrived=Decimal("150"),
    )
    refresh_projects([project.pk])
    return project


def figures(body: str) -> dict[str, Any]:
    found = re.findall(r'<script id="(fig-[\w-]+)" type="application/json">(.*?)</script>', body)
    return {key: json.loads(value) for key, value in found}


def test_the_project_page_shows_the_stored_investment_chart_and_funding(
    invested: Any, official_client: Client
) -> None:
    body = official_client.get(f"/projects/{invested.pk}/").content.decode()
    assert "投资完成情况" in body
    assert "1,000万元" in body  # the year's plan
    assert "300万元" in body  # completed by March
    assert "地方政府专项债券" in body
    assert "25%" in body  # 150 of 600 arrived
    months = figures(body)["fig-investment-months"]["data"]
    assert [t["name"] for t in months] == ["当月完成", "累计完成", "累计计划"]
    assert months[1]["y"][2] == 300  # the cumulative of March, in 万元
    assert "填报完成投资" not in body  # officials do not report


def test_overview_initiative_page_and_map_read_the_same_stored_figures(
    invested: Any, official_client: Client
) -> None:
    row = ProjectStatus.objects.get(project=invested)
    overview = official_client.get("/").content.decode()
    assert "投资完成情况" in overview
    assert "fig-investment" in overview
    rate = f"{row.invest_rate * 100:.0f}%"
    initiative = official_client.get(f"/initiatives/{invested.initiative.code}/").content.decode()
    assert f'data-sort="{row.invest_rate:.4f}"' in initiative
    assert rate in initiative
    chengdu = next(
        t
        for t in figures(official_client.get("/map/?metric=invest_rate").content.decode())[
            "fig-prefectures"
        ]["data"]
        if t.get("meta") == "510100"
    )
    assert rate in chengdu["text"]


def test_an_owner_submits_through_the_form_and_the_lead_approves_in_place(
    invested: Any, owner_client: Client, lead_client: Client
) -> None:
    url = f"/projects/{invested.pk}/investment/report/"
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url,
        {"period": f"{YEAR}-04", "entered_as": "monthly", "amount": "0.01", "unit": "yi"},
    )
    assert response.status_code == 302
    report = InvestmentReport.objects.get(period=f"{YEAR}-04")
    assert (report.state, report.amount_yuan) == (ReviewState.SUBMITTED, Decimal("1000000.00"))
    work = lead_client.get("/work/").content.decode()
    assert f"{YEAR}-04" in work
    review = lead_client.post(
        f"/investment-reports/{report.pk}/review/",
        {"decision": "approve", "version": report.version},
    )
    assert review.status_code == 302
    assert ProjectStatus.objects.get(project=invested).invest_completed_yuan == 400 * 10_000


def test_a_refused_report_rerenders_the_form_with_the_message_and_keeps_the_input(
    invested: Any, owner_client: Client
) -> None:
    url = f"/projects/{invested.pk}/investment/report/"
    response = owner_client.post(url, {"period": f"{YEAR}-04", "amount": "250", "unit": "wan"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "累计数只增不减" in body
    assert 'value="250"' in body
    bad = owner_client.post(url, {"period": f"{YEAR}-04", "amount": "很多", "unit": "wan"})
    assert "请填写数字金额" in bad.content.decode()
    assert not InvestmentReport.objects.filter(period=f"{YEAR}-04").exists()


def test_officials_and_outsiders_cannot_open_the_form(
    invested: Any, official_client: Client, outsider: Any
) -> None:
    url = f"/projects/{invested.pk}/investment/report/"
    assert official_client.get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


def test_the_export_carries_the_stored_figures_in_wan(
    invested: Any, official_client: Client
) -> None:
    response = official_client.get("/investment/download.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == [
        "项目代码",
        "项目",
        "任务方向",
        "年度",
        "本年计划投资（万元）",
        "本年累计完成（万元，已审核）",
    ]
    line = next(r for r in rows if r[0] == invested.code)
    assert [Decimal(v) for v in (line[4], line[5], line[13], line[14])] == [1000, 300, 600, 150]
    xlsx = official_client.get("/investment/download.xlsx")
    assert xlsx.content[:2] == b"PK"
    assert official_client.get("/investment/download.pdf").status_code == 404


def test_the_briefing_states_the_investment_from_the_same_rows(invested: Any) -> None:
    facts = briefing_facts(parse_period("monthly", f"{YEAR}-{TODAY.month:02d}"))
    assert facts.investment is not None
    assert facts.investment.programme.plan == 1000 * 10_000
    sentences = " ".join(executive_summary(facts))
    assert "本年计划投资 1,000万元" in sentences
    row = ProjectStatus.objects.get(project=invested)
    if row.invest_rag in ("amber", "red"):
        assert invested.name_zh in sentences


def test_a_briefing_for_an_earlier_cut_off_counts_the_months_ended_by_then(
    project: Any, lead: Any
) -> None:
    """Recorded as it happened (a past briefing reads the figures as they were then: see
    test_investment_briefing_asof.py): the plan and January in January, March in April."""
    with time_machine.travel(dt.datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        investment_plan_set(actor=lead, project_id=project.pk, year=2026, amount=Decimal(1000))
    with time_machine.travel(dt.datetime(2026, 1, 31, 18, tzinfo=SHANGHAI), tick=False):
        investment_report_record(
            actor=lead, project_id=project.pk, period="2026-01", amount=Decimal("100")
        )
    with time_machine.travel(dt.datetime(2026, 4, 8, 10, tzinfo=SHANGHAI), tick=False):
        investment_report_record(
            actor=lead, project_id=project.pk, period="2026-03", amount=Decimal("300")
        )
        facts = briefing_facts(parse_period("monthly", "2026-01"))
        current = briefing_facts(parse_period("monthly", "2026-04"))
    assert facts.as_of == dt.date(2026, 1, 31)
    assert facts.investment is not None
    assert facts.investment.programme.completed == 100 * 10_000  # March was not over yet
    assert current.investment is not None
    assert current.investment.programme.completed == 300 * 10_000
