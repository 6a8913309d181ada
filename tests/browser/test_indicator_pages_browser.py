"""An official opens the indicator catalogue and one series: the chart draws, nothing is fetched
from outside the app."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_official_sees_the_catalogue_and_the_derived_cost_chart(page: Any) -> None:
    call_command("seed_demo", "--password", "pw-browser-1", stdout=StringIO())
    browser_login(page, "official", "pw-browser-1")  # the demo's official

    page.goto(f"{page.live_url}/indicators/")
    row = page.locator('tr.indicator-row[data-code="power-cost-per-p-month"]')
    assert "833" in row.inner_text()
    row.locator("details.provenance summary").click()
    assert "派生计算" in row.inner_text()

    row.locator("a").first.click()
    page.wait_for_url("**/indicators/power-cost-per-p-month/")
    page.wait_for_selector(".chart[data-rendered]")
    assert page.locator(".chart svg.main-svg").count() >= 1
    table = page.locator("table.series-table").inner_text()
    assert "成都市" in table
    assert "沈阳市" in table
    assert "800" in table


def test_the_accelerated_server_market_draws_annual_and_half_year_apart(page: Any) -> None:
    call_command("seed_demo", "--password", "pw-browser-1", stdout=StringIO())
    browser_login(page, "official", "pw-browser-1")

    page.goto(f"{page.live_url}/indicators/cn-accel-server-market/")
    page.wait_for_selector(".chart[data-rendered]")
    traces = page.evaluate(
        "() => document.querySelector('.chart[data-rendered]').data"
        ".map(t => ({meta: t.meta, x: t.x, y: t.y}))"
    )
    assert [t["meta"] for t in traces] == ["A", "H"]
    annual, half = traces
    assert annual["x"] == ["2022", "2023", "2024"]
    assert half["x"] == ["2023-H1", "2024-H1"]
    assert annual["y"] == [67, 94, 221]
    # Two drawn lines, one per frequency: the half-years are not points on the annual line.
    assert page.locator(".chart svg .scatterlayer .trace").count() == 2
    assert "登记频率" in page.locator(".frequency-note").inner_text()
