"""KPI charts are pure functions of data frames, and show the projection the status uses."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from policy.charts.kpi import kpi_progress, kpi_trajectory
from policy.status import KpiFact, project_kpi, target_progress

TODAY = dt.date(2026, 11, 25)


def frame(rows: list[tuple[str, dt.date, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "date", "value"])


def test_trajectory_draws_baseline_targets_actuals_and_projection() -> None:
    fact = KpiFact(
        "算力",
        "P",
        True,
        targets=[(dt.date(2026, 12, 31), 600.0), (dt.date(2027, 12, 31), 1000.0)],
        values=[(dt.date(2025, 12, 31), 380.0)],
        baseline=(dt.date(2024, 4, 24), 256.0),
    )
    proj = project_kpi(fact, TODAY)
    assert proj is not None
    assert fact.baseline is not None
    rows = [("baseline", *fact.baseline), *(("target", *t) for t in fact.targets)]
    rows += [("actual", *v) for v in fact.values]
    rows.append(("projection", proj.target_date, proj.projected))
    fig = kpi_trajectory(frame(rows), title="算力", unit="P", today=TODAY)
    traces = {t.meta: t for t in fig.data}
    assert set(traces) == {"baseline", "target", "actual", "projection"}
    # The target path starts at the baseline, so the trajectory reads from where we began.
    assert list(traces["target"].y) == [256.0, 600.0, 1000.0]
    assert traces["projection"].y[-1] == pytest.approx(proj.projected)
    assert str(traces["projection"].x[-1]) == "2026-12-31"
    assert traces["projection"].x[0] == traces["actual"].x[-1]
    assert fig.layout.title.text == "算力"


def test_trajectory_without_values_has_no_projection_and_no_urls() -> None:
    rows = [("target", dt.date(2027, 12, 31), 50.0)]
    fig = kpi_trajectory(frame(rows), title="x", unit="%", show_title=False)
    assert {t.meta for t in fig.data} == {"target"}
    assert fig.layout.title.text == ""
    assert "http" not in json.dumps(fig.to_plotly_json(), default=str)


def test_progress_is_the_distance_from_baseline_to_target_whichever_way_the_kpi_points() -> None:
    # Average power price: 0.50 against 0.48 from a baseline of 0.50 is no progress at all
    # (it used to read 96 % "of target").
    assert target_progress(0.50, 0.48, 0.50, higher_is_better=False) == pytest.approx(0)
    assert target_progress(0.49, 0.48, 0.50, higher_is_better=False) == pytest.approx(0.5)
    assert target_progress(0.46, 0.48, 0.50, higher_is_better=False) == pytest.approx(2)
    assert target_progress(0.55, 0.48, 0.50, higher_is_better=False) == pytest.approx(-2.5)
    # PUE 1.45 -> 1.3, now 1.2: met and beyond.
    assert target_progress(1.2, 1.3, 1.45, higher_is_better=False) == pytest.approx(5 / 3)
    assert target_progress(50, 100, None, higher_is_better=True) == 0.5
    assert target_progress(300, 1000, 256, higher_is_better=True) == pytest.approx(44 / 744)
    assert target_progress(0, 0, None, higher_is_better=True) is None
    # Lower-is-better without a baseline: nothing honest to draw unless the target is met.
    assert target_progress(0.5, 0.48, None, higher_is_better=False) is None
    assert target_progress(0.47, 0.48, None, higher_is_better=False) == 1.0
    # A target that allows a rise from the baseline (0.52 after 0.50): met or not.
    assert target_progress(0.51, 0.52, 0.50, higher_is_better=False) == 1.0
    assert target_progress(0.53, 0.52, 0.50, higher_is_better=False) == 0.0


def test_a_lower_is_better_bar_states_its_direction_and_baseline() -> None:
    rows = pd.DataFrame(
        [
            {
                "name": "电价",
                "value": 0.5,
                "target": 0.48,
                "unit": "元/度",
                "ratio": target_progress(0.5, 0.48, 0.5, higher_is_better=False),
                "rag": "amber",
                "target_year": 2026,
                "baseline": 0.5,
                "higher_is_better": False,
            }
        ]
    )
    bar = kpi_progress(rows).data[0]
    assert [c[1] for c in bar.customdata] == [0.0]  # no progress (drawn a hair wide)
    assert bar.textposition[0] == "outside"
    assert bar.text[0] == "越低越好 · 0.5 / 目标 0.48 元/度（基期 0.5）"


def test_progress_bars_are_coloured_by_status_and_capped() -> None:
    rows = pd.DataFrame(
        [
            {
                "name": "甲",
                "value": 50,
                "target": 100,
                "unit": "P",
                "ratio": 0.5,
                "rag": "red",
                "target_year": 2026,
            },
            {
                "name": "乙",
                "value": 300,
                "target": 100,
                "unit": "P",
                "ratio": 3.0,
                "rag": "green",
                "target_year": 2026,
            },
        ]
    )
    fig = kpi_progress(rows)
    bar = fig.data[0]
    # First row on top: plotly draws categories bottom-up, so the frame is reversed.
    assert list(bar.y) == ["乙", "甲"]
    assert list(bar.x) == [150.0, 50.0]
    assert list(bar.marker.color) == ["#2e7d32", "#c62828"]
    assert "越高越好 · 50 / 目标 100 P" in bar.text


def test_amounts_read_in_chinese_units_and_in_english_words() -> None:
    from django.utils import translation

    from policy.formatting import yuan

    assert yuan(3_800_000_000) == "38亿元"
    assert yuan(520_000_000) == "5.2亿元"
    assert yuan(12_345_678) == "1,234.6万元"
    assert yuan(None) == "—"
    with translation.override("en"):
        assert yuan(3_800_000_000) == "3.8 billion yuan"
        assert yuan(520_000_000) == "520 million yuan"
