"""Investment reports go through the shared review page and batch review like KPI values, and
every investment step (reports, reviews, plans, funding, the total) is in the project's
change history with who, when and old → new in 万元/亿元."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policy.models import InvestmentReport, Project, ReviewState
from policy.notifications.models import Notification
from policy.selectors.history import project_history
from policy.services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_record,
    investment_total_set,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year
if TODAY.month < 3:  # pragma: no cover — the months below must have begun
    pytest.skip("needs March of this year to have begun", allow_module_level=True)


@pytest.fixture
def submitted(project: Project, lead: Any, owner: Any) -> InvestmentReport:
    """January approved at 100 万元 (cumulative); February submitted by the owner as 80 万元
    for the month."""
    investment_plan_set(actor=lead, project_id=project.pk, year=YEAR, amount=Decimal("1000"))
    investment_report_record(
        actor=lead, project_id=project.pk, period=f"{YEAR}-01", amount=Decimal("100")
    )
    return investment_report_record(
        actor=owner,
        project_id=project.pk,
        period=f"{YEAR}-02",
        amount=Decimal("80"),
        entered_as="monthly",
        comment="含设备款",
    )


def url(row: InvestmentReport) -> str:
    return reverse("policy:investment-report-review", args=[row.pk])


def test_the_review_page_compares_the_month_with_the_derived_figures(
    submitted: InvestmentReport, lead_client: Client
) -> None:
    response = lead_client.get(url(submitted))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"完成投资 · {YEAR}-02" in body
    for label in ("填报口径", "当月完成（推算）", "自年初累计（推算）", "1 月累计（已审核）"):
        assert label in body
    assert "80万元" in body  # the month as entered
    assert "180万元" in body  # the cumulative it derives to
    assert "100万元" in body  # January's approved cumulative
    assert "含设备款" in body
    assert "提交审核" in body  # the report's own history


def test_approve_through_the_shared_review_path(
    submitted: InvestmentReport, lead_client: Client
) -> None:
    response = lead_client.post(
        url(submitted), {"decision": "approve", "version": submitted.version}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("policy:my-work")
    row = InvestmentReport.objects.get(pk=submitted.pk)
    assert (row.state, row.approved_amount_yuan) == (ReviewState.APPROVED, Decimal("800000.00"))


def test_returning_needs_a_reason_and_keeps_the_choice(
    submitted: InvestmentReport, lead_client: Client
) -> None:
    response = lead_client.post(
        url(submitted), {"decision": "return", "reason": "  ", "version": submitted.version}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "请填写退回原因" in body
    assert re.search(r'<input[^>]*value="return"[^>]*checked', body)
    assert InvestmentReport.objects.get(pk=submitted.pk).state == ReviewState.SUBMITTED
    response = lead_client.post(
        url(submitted),
        {"decision": "return", "reason": "请附发票汇总", "version": submitted.version},
    )
    assert response.status_code == 302
    row = InvestmentReport.objects.get(pk=submitted.pk)
    assert (row.state, row.review_note) == (ReviewState.RETURNED, "请附发票汇总")


def test_a_stale_decision_is_a_conflict_on_the_page(
    submitted: InvestmentReport, owner: Any, lead_client: Client
) -> None:
    seen = submitted.version
    investment_report_record(  # the owner revises it meanwhile
        actor=owner,
        project_id=submitted.project_id,
        period=submitted.period,
        amount=Decimal("90"),
        entered_as="monthly",
        expected_version=seen,
    )
    response = lead_client.post(url(submitted), {"decision": "approve", "version": seen})
    assert response.status_code == 200
    assert "保存被拒绝" in response.content.decode()
    assert InvestmentReport.objects.get(pk=submitted.pk).state == ReviewState.SUBMITTED


def test_only_the_initiative_lead_or_an_admin_reviews(
    submitted: InvestmentReport, owner: Any, official: Any, other_lead: Any, outsider: Any
) -> None:
    for user in (owner, official, other_lead):
        assert client_for(user).get(url(submitted)).status_code == 403
        posted = client_for(user).post(url(submitted), {"decision": "approve"})
        assert posted.status_code == 403
    assert client_for(outsider).get(url(submitted)).status_code == 404
    assert InvestmentReport.objects.get(pk=submitted.pk).state == ReviewState.SUBMITTED


def test_batch_review_approves_investment_reports_with_kpi_values(
    submitted: InvestmentReport, owner: Any, lead_client: Client
) -> None:
    work = lead_client.get("/work/").content.decode()
    assert f'name="investment_report" value="{submitted.pk}:{submitted.version}"' in work
    assert url(submitted) in work
    march = investment_report_record(
        actor=owner, project_id=submitted.project_id, period=f"{YEAR}-03", amount=Decimal("260")
    )
    response = lead_client.post(
        "/review/batch/",
        {"investment_report": [f"{submitted.pk}:{submitted.version}", f"{march.pk}:999"]},
        follow=True,
    )
    body = response.content.decode()
    assert "已批量审核通过 1 项" in body
    assert "未通过" in body  # March: the version the lead saw is not the one there
    assert InvestmentReport.objects.get(pk=submitted.pk).state == ReviewState.APPROVED
    assert InvestmentReport.objects.get(pk=march.pk).state == ReviewState.SUBMITTED


def test_the_project_history_lists_reports_reviews_plans_funding_and_the_total(
    submitted: InvestmentReport, project: Project, lead: Any, lead_client: Client
) -> None:
    lead_client.post(
        url(submitted), {"decision": "return", "reason": "请核对", "version": submitted.version}
    )
    investment_plan_set(
        actor=lead, project_id=project.pk, year=YEAR, amount=Decimal("1500"), expected_version=1
    )
    funding_set(
        actor=lead,
        project_id=project.pk,
        source_code="special-bonds",
        planned=Decimal("2"),
        arrived=Decimal("0.5"),
        unit="yi",
    )
    investment_total_set(actor=lead, project_id=project.pk, amount=Decimal("12.5"), unit="yi")
    rows = project_history(lead, project)
    steps = {(r.object_kind, r.object_label, r.step) for r in rows}
    assert ("月度完成投资", f"完成投资 {YEAR}-02", "submitted") in steps
    assert ("月度完成投资", f"完成投资 {YEAR}-02", "returned") in steps
    assert ("月度完成投资", f"完成投资 {YEAR}-01", "direct") in steps
    changes = {(r.object_kind, c.field, c.old, c.new) for r in rows for c in r.changes}
    assert ("投资计划", "计划投资", "1,000万元", "1,500万元") in changes
    assert ("资金来源", "到位资金", "—", "5,000万元") in changes
    assert ("资金来源", "计划资金", "—", "2亿元") in changes
    assert ("项目", "总投资", "—", "12.5亿元") in changes
    assert ("月度完成投资", "填报金额", "—", "80万元") in changes
    assert ("月度完成投资", "审核意见", "—", "请核对") in changes
    assert all(r.who for r in rows)
    body = lead_client.get(f"/projects/{project.pk}/").content.decode()
    assert re.search(r"计划投资</span>：<span[^>]*>1,000万元</span> → <span[^>]*>1,500万元", body)


def test_leads_are_told_of_a_submission_and_owners_of_the_decision(
    submitted: InvestmentReport, owner: Any, lead: Any, lead_client: Client
) -> None:
    told = Notification.objects.get(recipient=lead, kind="submitted")
    assert told.link == url(submitted)
    assert f"完成投资 {YEAR}-02" in told.title
    assert "80万元" in told.body
    lead_client.post(
        url(submitted), {"decision": "return", "reason": "请附发票", "version": submitted.version}
    )
    returned = Notification.objects.get(recipient=owner, kind="returned")
    assert "请附发票" in returned.body
    assert returned.link.endswith(f"/investment/report/?period={YEAR}-02")
