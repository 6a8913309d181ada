"""The power-cost what-if in headless Chromium: an official changes the price and sees the
scenario and the comparison chart, a lead saves a scenario, on a desktop and a phone, in
Chinese and English; nothing comes from another host and axe-core finds nothing serious."""

from __future__ import annotations

from typing import Any

import pytest

from indicators.analytics.models import PowerScenario
from tests.browser.test_dashboard_pages_browser import render_all_charts, serious_axe_violations
from tests.conftest import browser_login, make_power_demo, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def power_page(page: Any) -> Any:
    make_power_demo()
    return page


def test_an_official_tries_a_lower_price(power_page: Any) -> None:
    page = power_page
    make_user("official", "official")
    browser_login(page, "official")
    page.goto(f"{page.live_url}/")
    page.click("nav.site-nav a:has-text('电费测算')")
    page.wait_for_url("**/analytics/power/")
    assert page.locator('[data-figure="today-month"]').inner_text() == "833.3"
    assert render_all_charts(page) == 1
    assert serious_axe_violations(page) == []

    page.fill("#id_price", "0.35")
    page.click(".power-form button[type=submit]")
    page.wait_for_url("**/analytics/power/?*price=0.35*")
    assert page.locator('[data-figure="scenario-month"]').inner_text() == "486.1"
    assert "0.576 元/度" in page.locator('[data-figure="break-even"]').inner_text()
    render_all_charts(page)
    bars = page.locator('.chart[data-figure="fig-power-compare"]').evaluate("el => el.data[0].y")
    assert bars == ["成都市（情景）", "成都市（当前） · 2023", "沈阳市 · 2023"]
    assert page.locator("#id_price").input_value() == "0.35"

    page.fill("#id_price", "12")
    page.click(".power-form button[type=submit]")
    alert = page.locator(".power-results [role=alert]").inner_text()
    assert "电价须大于 0 且不超过 10 元/度（收到 12）" in alert
    assert page.locator(".field.has-error #id_price").count() == 1
    # a lead's save form is not there for an official
    assert page.locator("form.scenario-form").count() == 0


def test_a_lead_saves_a_scenario_on_a_phone(power_page: Any) -> None:
    from policy.models import Initiative, Membership, Role

    page = power_page
    lead = make_user("lead", "lead", first_name="推理算力牵头处室")
    Membership.objects.create(
        user=lead, role=Role.LEAD, initiative=Initiative.objects.get(code="inference-compute")
    )
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "lead")
    page.goto(f"{page.live_url}/analytics/power/")
    page.locator("details.seasonal summary").click()
    page.fill("#id_wet_price", "0.3")
    page.fill("#id_dry_price", "0.55")
    page.fill("#id_green_share", "30")
    page.fill("#id_green_price", "0.4")
    page.click(".power-form button[type=submit]")
    page.wait_for_url("**wet_price=0.3**")
    render_all_charts(page)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert serious_axe_violations(page) == []

    page.fill("#id_name", "丰枯电价 + 绿电 30%")
    page.check("#id_include_in_briefing")
    page.click("form.scenario-form button[type=submit]")
    page.wait_for_url("**#scenarios")
    assert "已保存情景“丰枯电价 + 绿电 30%”" in page.locator(".messages").inner_text()
    scenario = PowerScenario.objects.get()
    assert scenario.include_in_briefing
    assert scenario.inputs == {
        "green_share": 30.0,
        "green_price": 0.4,
        "wet_price": 0.3,
        "dry_price": 0.55,
    }
    row = page.locator(f"#scenario-{scenario.pk}")
    assert "已纳入" in row.inner_text()
    row.locator("button:has-text('不再纳入')").click()
    page.wait_for_url("**#scenarios")
    assert not PowerScenario.objects.get().include_in_briefing


def test_the_page_reads_in_english(power_page: Any) -> None:
    page = power_page
    make_user("official", "official")
    browser_login(page, "official")
    page.select_option("#lang-select", "en")
    page.click(".lang-form button")
    page.wait_for_load_state()
    page.goto(f"{page.live_url}/analytics/power/?price=0.35")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Power cost of compute: what-if"
    assert "Break-even price" in page.locator('[data-figure="break-even"]').inner_text()
    render_all_charts(page)
    assert serious_axe_violations(page) == []
