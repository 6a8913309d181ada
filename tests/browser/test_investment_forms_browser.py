"""A lead sets a plan in a real browser (a typo keeps what was typed, with the message next
to the field), then reviews an owner's monthly report on the shared review page; both pages
pass axe-core."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from policy.models import InvestmentPlan, InvestmentReport, ReviewState
from policy.services.investment import investment_report_record
from tests.browser.test_dashboard_pages_browser import serious_axe_violations
from tests.conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
YEAR = timezone.localdate().year


def test_a_lead_sets_a_plan_and_reviews_a_report(
    page: Any, project: Any, owner: Any, lead: Any
) -> None:
    report = investment_report_record(
        actor=owner, project_id=project.pk, period=f"{YEAR}-01", amount=Decimal("120")
    )
    browser_login(page, "lead")
    page.goto(f"{page.live_url}/projects/{project.pk}/")
    page.click("text=设定投资计划与资金来源")
    page.wait_for_url(f"**/projects/{project.pk}/investment/plans/")
    assert serious_axe_violations(page) == []

    page.fill("#plan input[name=amount]", "12,3.4")
    page.fill("#plan input[name=note]", "年初下达")
    page.click("#plan [type=submit]")
    plan_form = page.locator("#plan form")
    assert "请填写数字金额" in plan_form.inner_text()
    assert page.input_value("#plan input[name=amount]") == "12,3.4"  # kept as typed
    assert page.input_value("#plan input[name=note]") == "年初下达"
    page.fill("#plan input[name=amount]", "1,234.5")
    page.click("#plan [type=submit]")
    page.wait_for_url("**#plan")
    assert "投资计划已保存" in page.locator(".messages").inner_text()
    plan = InvestmentPlan.objects.get(project=project, year=YEAR, quarter=None)
    assert plan.amount_yuan == Decimal("12345000.00")

    page.goto(f"{page.live_url}/work/")
    page.locator("#pending-reviews tr", has_text="完成投资").locator("a", has_text="审核").click()
    page.wait_for_url(f"**/investment-reports/{report.pk}/review/")
    assert "自年初累计（推算）" in page.locator("#review-compare").inner_text()
    assert serious_axe_violations(page) == []
    page.check("input[name=decision][value=approve]")
    page.click(".review-form [type=submit]")
    page.wait_for_url("**/work/")
    assert InvestmentReport.objects.get(pk=report.pk).state == ReviewState.APPROVED
