"""The briefing draws the dashboards' own figures; export reuses one warm browser."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import pytest
from django.utils import timezone

from policy.briefings import export
from policy.briefings.periods import parse_period
from policy.briefings.render import briefing_figures
from policy.briefings.selectors import briefing_facts
from policy.charts.kpi import kpi_progress
from policy.charts.pages import figure_json, kpi_charts, overview_charts
from policy.models import Kpi, KpiTarget, KpiValue, Project
from policy.selectors.dashboard import initiative_detail, program_overview
from tests.conftest import refresh_statuses


def _progress_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["测试指标"],
            "value": [5.0],
            "target": [10.0],
            "unit": ["P"],
            "ratio": [0.5],
            "rag": ["red"],
            "target_year": [2026],
        }
    )


@pytest.fixture
def headline_kpi(project: Project) -> Kpi:
    """A headline KPI with baseline, two targets and two approved values (all before Nov)."""
    kpi = Kpi.objects.create(
        project=project,
        code="t-cap",
        name_zh="测试算力",
        unit="P",
        is_headline=True,
        baseline_value=100,
        baseline_date=dt.date(2023, 12, 31),
    )
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=1000)
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2027, 12, 31), value=1500)
    for period, end, value in [("2024", "2024-12-31", 300), ("2025", "2025-12-31", 500)]:
        KpiValue.objects.create(
            kpi=kpi,
            period=period,
            period_end=dt.date.fromisoformat(end),
            value=value,
            approved_value=value,
            state="approved",
        )
    return kpi


@pytest.mark.django_db
def test_the_kpi_trajectory_is_the_initiative_pages_figure(
    headline_kpi: Kpi, official: Any
) -> None:
    # A briefing up to today reads the same stored statuses as the page (a past cut-off
    # reads the status history instead).
    refresh_statuses()
    facts = briefing_facts(parse_period("on_demand", timezone.localdate().isoformat()))
    figures = briefing_figures(facts)
    code = headline_kpi.project.initiative.code
    ours = figure_json(figures[f"trajectory-{code}"])
    page = initiative_detail(official, code)
    web = next(
        c for c in kpi_charts(page.kpis, facts.as_of) if c["id"] == f"fig-kpi-{headline_kpi.pk}"
    )
    assert ours == web["figure"]
    # Baseline, target trajectory, actuals and the status projection are all drawn.
    assert {t["meta"] for t in ours["data"]} == {"target", "baseline", "actual", "projection"}


@pytest.mark.django_db
def test_progress_and_status_are_the_overview_pages_figures(
    headline_kpi: Kpi, official: Any
) -> None:
    refresh_statuses()
    facts = briefing_facts(parse_period("on_demand", timezone.localdate().isoformat()))
    figures = briefing_figures(facts)
    overview = program_overview(official)
    web = {c["id"]: c["figure"] for c in overview_charts(overview)}
    code = headline_kpi.project.initiative.code
    progress = figure_json(figures[f"progress-{code}"])
    assert progress == web["fig-kpi-progress"]  # the only headline KPI in the data
    assert progress["data"][0]["meta"] == "progress"
    assert json.dumps(figure_json(figures["status"])) == json.dumps(web["fig-status"])


@pytest.mark.django_db
def test_a_value_after_the_period_end_is_not_drawn(headline_kpi: Kpi) -> None:
    KpiValue.objects.create(
        kpi=headline_kpi,
        period="2026-11",
        period_end=dt.date(2026, 11, 30),
        value=900,
        approved_value=900,
        state="approved",
    )
    facts = briefing_facts(parse_period("monthly", "2026-10"))
    figure = figure_json(briefing_figures(facts)["trajectory-inference-compute"])
    actual = next(t for t in figure["data"] if t["meta"] == "actual")
    assert actual["y"] == [300.0, 500.0]


def test_export_gives_svg_with_chinese_text_from_one_warm_browser() -> None:
    fig = kpi_progress(_progress_frame())
    fig.update_layout(title={"text": "测试图表"})
    first = export.figure_to_svg(fig, width=400, height=200)
    browser = export._browser._kaleido
    second = export.figure_to_svg(fig, width=400, height=200)
    assert first.lstrip().startswith("<svg")
    assert "测试图表" in first
    assert "测试指标" in second
    assert export._browser._kaleido is browser  # not a new browser per chart
    assert "Noto Sans CJK SC" in first


def test_a_crashed_browser_fails_one_export_and_is_replaced_for_the_next() -> None:
    from policy.briefings.exceptions import ChartExportError

    fig = kpi_progress(_progress_frame())
    export.figure_to_svg(fig, width=300, height=150)
    crashed = export._browser._kaleido
    crashed.subprocess.kill()  # chromium dies between two charts
    crashed.subprocess.wait(timeout=10)
    with pytest.raises(ChartExportError):
        export.figure_to_svg(fig, width=300, height=150)
    svg = export.figure_to_svg(fig, width=300, height=150)
    assert "测试指标" in svg
    assert export._browser._kaleido is not crashed


def test_a_batch_of_charts_comes_back_in_order_over_the_warm_tabs() -> None:
    figures = []
    for name in ["第一图", "第二图", "第三图"]:
        fig = kpi_progress(_progress_frame())
        fig.update_layout(title={"text": name})
        figures.append((fig, 300, 150))
    first, second, third = export.figures_to_svg(figures)
    assert ("第一图" in first, "第二图" in second, "第三图" in third) == (True, True, True)
    assert "第二图" not in first
    assert export.figures_to_svg([]) == []
