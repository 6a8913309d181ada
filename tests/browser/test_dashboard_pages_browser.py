"""Every dashboard page in headless Chromium: charts and maps really render (SVG drawn, 21
prefectures), nothing is fetched from another host, and axe-core finds no serious or critical
accessibility violation, on a desktop and on a phone-width screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from policy.models import Project
from tests.conftest import PASSWORD, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def demo(page: Any) -> Any:
    call_command("seed_demo", "--password", PASSWORD, stdout=None)
    browser_login(page, "official")
    return page


def pages() -> list[str]:
    project = Project.objects.get(code="tianfu-icc")
    return ["/", "/initiatives/inference-compute/", f"/projects/{project.pk}/", "/map/"]


def render_all_charts(page: Any) -> int:
    """Scroll every chart into view (they draw lazily) and wait until each has drawn."""
    charts = page.locator(".chart[data-figure]")
    count = charts.count()
    for i in range(count):
        charts.nth(i).scroll_into_view_if_needed()
    page.wait_for_function(
        "n => document.querySelectorAll('.chart[data-rendered] svg.main-svg').length >= n",
        arg=count,
    )
    return count


def serious_axe_violations(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does it)")
    # Evaluated through the DevTools protocol: an injected <script> would break the page's CSP.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3)"
        ".map(n => n.target.join(' ')).join(' | ')))"
    )
    return list(result)


def test_each_page_draws_its_charts_and_passes_axe(demo: Any) -> None:
    page = demo
    for path in pages():
        response = page.goto(f"{page.live_url}{path}")
        assert response is not None
        assert response.status == 200, path
        assert render_all_charts(page) >= 1, path
        assert page.locator("h1").count() == 1, path
        assert serious_axe_violations(page) == [], path


def test_the_map_draws_21_prefectures_and_the_project_points(demo: Any) -> None:
    page = demo
    page.goto(f"{page.live_url}/map/")
    render_all_charts(page)
    prefectures = page.locator('.chart[data-figure="fig-prefectures"] g.trace path.js-fill')
    drawn = [d for d in prefectures.evaluate_all("els => els.map(e => e.getAttribute('d'))") if d]
    assert len(drawn) == 21
    points = page.locator('.chart[data-figure="fig-prefectures"] g.trace path.point')
    assert points.count() >= 15
    star = page.locator('.chart[data-figure="fig-hubs"] g.trace path.point')
    assert star.count() == 10


def test_choosing_a_map_metric_recolours_the_map(demo: Any) -> None:
    page = demo
    page.goto(f"{page.live_url}/map/")
    page.select_option("#metric", "investment")
    page.wait_for_url("**/map/?metric=investment")
    render_all_charts(page)
    assert "本年完成投资" in page.locator(".chart-block figcaption").first.inner_text()


def test_the_project_table_sorts_by_progress(demo: Any) -> None:
    page = demo
    page.goto(f"{page.live_url}/initiatives/inference-compute/")
    header = page.locator("th", has_text="进度")
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = page.locator("table[data-sortable] tbody tr td:nth-child(5)").evaluate_all(
        "els => els.map(e => parseFloat(e.dataset.sort))"
    )
    assert values == sorted(values)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"


def test_a_phone_sees_every_page_without_sideways_scrolling(demo: Any) -> None:
    page = demo
    page.set_viewport_size({"width": 390, "height": 844})
    for path in pages():
        page.goto(f"{page.live_url}{path}")
        render_all_charts(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
        assert serious_axe_violations(page) == [], path


def test_pages_render_in_english(demo: Any) -> None:
    page = demo
    page.select_option("#lang-select", "en")
    page.click(".lang-form button")
    page.wait_for_load_state()
    for path in pages():
        page.goto(f"{page.live_url}{path}")
        render_all_charts(page)
        assert page.locator("html").get_attribute("lang") == "en"
        assert serious_axe_violations(page) == [], path
    assert page.locator("h1").inner_text() == "Project map"
    hover_names = page.locator('.chart[data-figure="fig-prefectures"]').evaluate(
        "el => el.data.filter(t => t.fill === 'toself').map(t => t.name)"
    )
    assert "Chengdu" in hover_names
