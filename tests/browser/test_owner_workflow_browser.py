"""An owner updates an overdue milestone with a file; the lead approves; the overview follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from policy.models import Evidence, Milestone
from tests.conftest import browser_login, refresh_statuses
from tests.policy.evidence_files import PDF

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _inference_card(page: Any) -> Any:
    return page.locator(".initiative-card", has_text="国产推理算力")


def test_owner_submits_lead_approves_overview_and_history_follow(
    page: Any, project: Any, milestone: Milestone, owner: Any, lead: Any, settings, tmp_path: Path
) -> None:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    evidence_file = tmp_path / "验收报告.pdf"
    evidence_file.write_bytes(PDF)
    assert milestone.due_date < timezone.localdate()  # overdue, so the project is flagged
    refresh_statuses()  # the fixtures were made directly, not through the services

    browser_login(page, "owner")
    page.goto(f"{page.live_url}/")
    assert "测试智算中心" in _inference_card(page).inner_text()

    page.goto(f"{page.live_url}/milestones/{milestone.pk}/edit/")
    page.select_option("select[name=status]", "done")
    page.fill("input[name=percent_complete]", "100")
    page.fill("input[name=completed_on]", timezone.localdate().isoformat())
    page.fill("textarea[name=narrative]", "一期已通过验收")
    page.set_input_files("input[name=evidence]", str(evidence_file))
    page.click(".milestone-form [type=submit]")
    page.wait_for_url(f"**/milestones/{milestone.pk}/")
    pending = page.locator("#pending-update")
    assert "待审核" in pending.inner_text()
    assert "已完成" in pending.inner_text()
    assert "验收报告.pdf" in page.locator("#evidence").inner_text()
    assert Evidence.objects.get().original_name == "验收报告.pdf"

    # Pending values are not used by the overview until approved.
    page.goto(f"{page.live_url}/")
    assert "测试智算中心" in _inference_card(page).inner_text()

    page.context.clear_cookies()
    browser_login(page, "lead")
    page.goto(f"{page.live_url}/work/")
    page.locator("#pending-reviews a", has_text="审核").first.click()
    page.wait_for_url("**/milestone-updates/*/review/")
    assert "验收报告.pdf" in page.locator("#review-evidence").inner_text()
    page.check("input[name=decision][value=approve]")
    page.click(".review-form [type=submit]")
    page.wait_for_url("**/work/")
    assert "已审核通过" in page.locator(".messages").inner_text()
    page.goto(f"{page.live_url}/milestones/{milestone.pk}/")
    assert page.locator("#pending-update").count() == 0
    assert "已完成" in page.locator("#approved-state").inner_text()

    history = page.locator(".history-table")
    submitted = history.locator("tr.step-submitted")
    approved = history.locator("tr.step-approved")
    assert "owner" in submitted.inner_text()
    assert "提交审核" in submitted.inner_text()
    assert "lead" in approved.inner_text()
    assert "审核通过" in approved.inner_text()
    assert "推进中 → 已完成" in approved.inner_text()

    page.goto(f"{page.live_url}/")
    card_text = _inference_card(page).inner_text()
    assert "测试智算中心" not in card_text
    assert "逾期" not in card_text
    milestone.refresh_from_db()
    assert milestone.status == "done"
