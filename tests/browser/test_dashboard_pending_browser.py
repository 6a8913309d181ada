"""On the seeded demo a lead follows the 待审核 mark from the initiative table to the project's
pending updates and on to the review form; the pages stay accessible with the marks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from policy.models import InvestmentReport, Milestone
from tests.browser.test_dashboard_pages_browser import serious_axe_violations
from tests.conftest import PASSWORD, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_lead_goes_from_the_pending_mark_to_the_review_form(page: Any) -> None:
    call_command("seed_demo", "--password", PASSWORD, stdout=None)
    browser_login(page, "lead")
    page.goto(f"{page.live_url}/initiatives/inference-compute/")
    row = page.locator("tr", has_text="万达开先进计算中心")
    mark = row.locator("a.pending-badge")
    # A milestone, a KPI value, and the month reported early when one has ended but is not due
    # yet (policy.demo: depends on the day the demo is seeded).
    early = InvestmentReport.objects.filter(project__code="dazhou-acc", state="submitted").count()
    assert mark.inner_text() == f"{2 + early} 项待审核"
    assert serious_axe_violations(page) == []

    mark.click()
    page.wait_for_url("**/projects/*/#pending")
    pending = page.locator("#pending")
    assert pending.is_visible()
    assert "另有 1 项指标填报待审核" in pending.inner_text()
    assert ("另有 1 项投资填报待审核" in pending.inner_text()) == bool(early)
    update = pending.locator("tbody tr")
    assert update.count() == 1
    assert "首批 30P 上线" in update.inner_text()
    assert "推进中 85%" in update.inner_text()
    assert "项目负责人甲（演示）" in update.inner_text()
    assert serious_axe_violations(page) == []

    update.get_by_role("link", name="审核").click()
    milestone = Milestone.objects.get(project__code="dazhou-acc", title_zh="首批 30P 上线")
    page.wait_for_url(f"**/milestones/{milestone.pk}/#pending-update")
    review = page.locator("#pending-update")
    assert review.is_visible()
    # The lead reviews on the review page: proposal against the approved value, then decide.
    review.get_by_role("link", name="审核此更新").click()
    page.wait_for_url("**/milestone-updates/*/review/")
    assert page.locator(".review-form input[name=decision]").count() == 2
