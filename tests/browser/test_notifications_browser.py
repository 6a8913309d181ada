"""The inbox in a real browser: the lead sees a submission counted in the navigation, the
owner hears of the return and lands on the form that starts from the returned value."""

from __future__ import annotations

from typing import Any

import pytest

from policy.models import Kpi
from tests.conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_submission_and_return_reach_the_inbox(
    page: Any, project: Any, owner: Any, lead: Any
) -> None:
    kpi = Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )
    browser_login(page, "owner")
    page.goto(f"{page.live_url}/kpis/{kpi.pk}/report/?period=2025")
    page.fill("input[name=value]", "130")
    page.click(".kpi-value-form [type=submit]")
    page.wait_for_url("**/work/")
    assert page.locator(".site-nav .nav-count").count() == 0

    page.context.clear_cookies()
    browser_login(page, "lead")
    badge = page.locator(".site-nav a", has_text="通知").locator(".nav-count")
    assert badge.inner_text().startswith("1")
    page.locator(".site-nav a", has_text="通知").click()
    item = page.locator(".inbox-item.unread")
    assert "待审核：owner 提交了“智算规模 2025”" in item.inner_text()
    item.locator("h2 a").click()
    page.wait_for_url("**/kpi-values/*/review/")
    inbox_count = page.locator(".site-nav a", has_text="通知").locator(".nav-count")
    assert inbox_count.count() == 0  # opened, so read

    page.goto(f"{page.live_url}/notifications/")
    assert page.locator(".inbox-item.unread").count() == 0
    page.context.clear_cookies()

    from policy.models import KpiValue
    from policy.services.kpis import kpi_value_return

    kpi_value_return(actor=lead, value_id=KpiValue.objects.get().pk, reason="请按年报口径")
    browser_login(page, "owner")
    page.locator(".site-nav a", has_text="通知").click()
    item = page.locator(".inbox-item.unread")
    assert "被退回：智算规模 2025" in item.inner_text()
    assert "请按年报口径" in item.inner_text()
    item.locator("h2 a").click()
    page.wait_for_url(f"**/kpis/{kpi.pk}/report/?period=2025")
    assert page.input_value("input[name=value]") == "130"

    page.goto(f"{page.live_url}/notifications/")
    page.uncheck("#email-setting input[name=email]")
    page.click("#email-setting [type=submit]")
    assert "已关闭邮件" in page.locator(".messages").inner_text()
    assert not page.is_checked("#email-setting input[name=email]")
