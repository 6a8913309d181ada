"""Briefing chart builders are pure (frame in, figure out); export reuses one warm browser."""

from __future__ import annotations

import pandas as pd

from policy.charts import export
from policy.charts.briefing import initiative_status_bars, kpi_attainment_bars, kpi_trajectory
from policy.charts.theme import STATUS_COLOURS


def test_attainment_bars_colour_by_status_and_mark_the_target() -> None:
    df = pd.DataFrame(
        {
            "name": ["四川算力总规模", "平均 PUE"],
            "pct": [78.6, 104.0],
            "label": ["22,000 / 28,000 P", "1.3 / 1.35"],
            "rag": ["amber", "green"],
        }
    )
    fig = kpi_attainment_bars(df, title="完成度", target_label="目标")
    bar = fig.data[0]
    assert list(bar.y) == ["平均 PUE", "四川算力总规模"]  # first row drawn on top
    assert list(bar.marker.color) == [STATUS_COLOURS["green"], STATUS_COLOURS["amber"]]
    assert fig.layout.shapes[0].x0 == 100
    assert fig.layout.xaxis.range[1] >= 110


def test_trajectory_draws_actuals_from_the_baseline_and_dashed_targets() -> None:
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2023-06-30", "2024-12-31", "2025-12-31", "2026-12-31"]),
            "value": [5500.0, 12500.0, 22000.0, 28000.0],
            "series": ["baseline", "actual", "actual", "target"],
        }
    )
    fig = kpi_trajectory(df, title="四川算力", unit="P", actual_label="实际", target_label="目标")
    target, actual = fig.data
    assert target.line.dash == "dash"
    assert list(target.y) == [28000.0]
    assert list(actual.y) == [5500.0, 12500.0, 22000.0]
    assert list(actual.text) == ["5,500", "12,500", "22,000"]


def test_status_bars_stack_project_counts_per_initiative() -> None:
    df = pd.DataFrame(
        {
            "initiative": ["推理算力", "推理算力", "政务大模型", "政务大模型"],
            "rag": ["green", "red", "green", "red"],
            "count": [3, 1, 4, 0],
        }
    )
    labels = {"green": "绿灯", "amber": "黄灯", "red": "红灯", "grey": "无数据"}
    fig = initiative_status_bars(df, title="状态", labels=labels)
    assert [t.name for t in fig.data] == ["绿灯", "红灯"]
    assert fig.layout.barmode == "stack"


def test_export_gives_svg_with_chinese_text_from_one_warm_browser() -> None:
    df = pd.DataFrame({"name": ["测试指标"], "pct": [50.0], "label": ["5 / 10"], "rag": ["red"]})
    fig = kpi_attainment_bars(df, title="测试图表", target_label="目标")
    first = export.figure_to_svg(fig, width=400, height=200)
    browser = export._browser._kaleido
    second = export.figure_to_svg(fig, width=400, height=200)
    assert first.lstrip().startswith("<svg")
    assert "测试图表" in first
    assert "测试指标" in second
    assert export._browser._kaleido is browser  # not a new browser per chart
    assert "Noto Sans CJK SC" in first


def test_a_crashed_browser_fails_one_export_and_is_replaced_for_the_next() -> None:
    import pytest

    from policy.exceptions import ChartExportError

    df = pd.DataFrame({"name": ["指标"], "pct": [50.0], "label": ["5 / 10"], "rag": ["red"]})
    fig = kpi_attainment_bars(df, title="图表", target_label="目标")
    export.figure_to_svg(fig, width=300, height=150)
    crashed = export._browser._kaleido
    crashed.subprocess.kill()  # chromium dies between two charts
    crashed.subprocess.wait(timeout=10)
    with pytest.raises(ChartExportError):
        export.figure_to_svg(fig, width=300, height=150)
    svg = export.figure_to_svg(fig, width=300, height=150)
    assert "图表" in svg
    assert export._browser._kaleido is not crashed
