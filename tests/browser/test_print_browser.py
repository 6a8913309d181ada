"""Printing a dashboard: every chart is drawn first (beforeprint and the print media query),
the navigation is not printed, cards are kept whole and the footer carries date and source."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import PASSWORD, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNDRAWN = "document.querySelectorAll('.chart[data-figure]:not([data-rendered])').length"


@pytest.fixture
def demo(page: Any) -> Any:
    call_command("seed_demo", "--password", PASSWORD, stdout=None)
    browser_login(page, "official")
    return page


def _open_unscrolled(page: Any, path: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 500})  # most charts start out of view
    page.goto(f"{page.live_url}{path}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(UNDRAWN) > 0  # charts below the fold wait, as they should


@pytest.mark.parametrize("path", ["/initiatives/inference-compute/", "/"])
def test_the_print_media_query_draws_every_chart(demo: Any, path: str) -> None:
    _open_unscrolled(demo, path)
    demo.emulate_media(media="print")
    demo.wait_for_function(f"{UNDRAWN} === 0")
    assert demo.locator(".chart-fallback:visible").count() == 0  # no 图表加载中 on paper
    assert not demo.locator(".site-header").is_visible()
    assert not demo.locator(".site-nav").is_visible()
    footer = demo.locator(".print-meta")
    assert footer.is_visible()
    assert "打印时间" in footer.inner_text()
    assert "数据来源" in footer.inner_text()
    avoid = demo.evaluate("getComputedStyle(document.querySelector('.chart-block')).breakInside")
    assert avoid == "avoid"
    assert demo.pdf(format="A4")[:4] == b"%PDF"


def test_ctrl_p_draws_every_chart_before_printing(demo: Any) -> None:
    _open_unscrolled(demo, "/initiatives/inference-compute/")
    # What Ctrl+P fires before laying the page out for paper.
    demo.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    demo.wait_for_function(f"{UNDRAWN} === 0")
    stamp = demo.locator("[data-print-time]").inner_text()
    assert len(stamp) == len("2026-12-01 12:00")
