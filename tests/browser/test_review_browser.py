"""A lead reviews in a real browser: the proposal beside the approved value, a return without
a reason keeps the choice, then batch approval of what is left."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policy.models import Kpi, KpiValue, Milestone, ReviewState, UpdateState
from policy.services.kpis import kpi_value_record
from policy.services.milestones import milestone_record_progress
from tests.conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_review_return_keeps_the_choice_then_batch_approve(
    page: Any, project: Any, milestone: Milestone, owner: Any, lead: Any
) -> None:
    update = milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=75,
        completed_on=None,
        narrative="设备进场",
    ).update
    kpis = [
        Kpi.objects.create(project=project, code=f"k{i}", name_zh=f"指标{i}", unit="P")
        for i in range(2)
    ]
    for k in kpis:
        kpi_value_record(actor=owner, kpi_id=k.pk, period="2025", value=Decimal("10"))

    browser_login(page, "lead")
    page.goto(f"{page.live_url}/work/")
    page.locator("#pending-reviews tr", has_text="一期上线").locator("a", has_text="审核").click()
    page.wait_for_url(f"**/milestone-updates/{update.pk}/review/")
    compare = page.locator("#review-compare").inner_text()
    assert "40%" in compare
    assert "75%" in compare
    assert page.locator("#direct-edit a").inner_text().startswith("直接修改")

    page.check("input[name=decision][value=return]")
    page.click(".review-form [type=submit]")
    assert "请填写退回原因" in page.locator(".review-form").inner_text()
    assert page.is_checked("input[name=decision][value=return]")  # the choice survived
    page.fill("textarea[name=reason]", "请补充设备清单")
    page.click(".review-form [type=submit]")
    page.wait_for_url("**/work/")
    assert "已退回" in page.locator(".messages").inner_text()

    for box in page.locator("#pending-reviews input[name=kpi_value]").all():
        box.check()
    page.click(".batch-form [type=submit]")
    page.wait_for_url("**/work/")
    assert "已批量审核通过 2 项" in page.locator(".messages").inner_text()
    assert page.locator("#pending-reviews").count() == 0
    assert set(KpiValue.objects.values_list("state", flat=True)) == {ReviewState.APPROVED}
    update.refresh_from_db()
    assert update.state == UpdateState.RETURNED
