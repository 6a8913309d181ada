"""RAG status rules of DESIGN.md, on plain facts (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from policy.status import (
    KpiFact,
    MilestoneFact,
    Thresholds,
    initiative_status,
    project_kpi,
    project_status,
)

TODAY = dt.date(2026, 11, 24)
LIMITS = Thresholds(amber_max_overdue_days=30, amber_max_kpi_shortfall=0.10)


def _m(title: str, due: dt.date, is_open: bool = True) -> MilestoneFact:
    return MilestoneFact(title, due, is_open)


def test_no_overdue_and_on_track_is_green() -> None:
    status = project_status([_m("A", TODAY + dt.timedelta(days=5))], [], TODAY, LIMITS)
    assert status.rag == "green"
    assert "按期" in status.explanation


def test_overdue_up_to_30_days_is_amber_and_named() -> None:
    status = project_status([_m("机房封顶", TODAY - dt.timedelta(days=30))], [], TODAY, LIMITS)
    assert status.rag == "amber"
    assert "1 个里程碑逾期" in status.explanation
    assert "机房封顶（逾期 30 天）" in status.explanation


def test_overdue_beyond_30_days_is_red() -> None:
    status = project_status(
        [_m("A", TODAY - dt.timedelta(days=31)), _m("B", TODAY - dt.timedelta(days=3))],
        [],
        TODAY,
        LIMITS,
    )
    assert status.rag == "red"
    assert "2 个里程碑逾期" in status.explanation


def test_closed_milestones_are_never_overdue() -> None:
    status = project_status(
        [_m("A", TODAY - dt.timedelta(days=300), is_open=False)], [], TODAY, LIMITS
    )
    assert status.rag == "green"


def _kpi(values: list[tuple[dt.date, float]], target: float, higher: bool = True) -> KpiFact:
    return KpiFact(
        "算力总规模",
        "P",
        higher,
        [(dt.date(2027, 12, 31), target)],
        values,
        baseline=(dt.date(2023, 6, 30), 5500.0),
    )


def test_kpi_projection_follows_the_trend() -> None:
    kpi = _kpi([(dt.date(2024, 12, 31), 12000), (dt.date(2025, 12, 31), 20000)], 40000)
    proj = project_kpi(kpi, TODAY)
    assert proj is not None
    assert proj.target_date == dt.date(2027, 12, 31)
    # the least-squares line through baseline and values, checked against numpy's fit
    xs = [
        dt.date(2023, 6, 30).toordinal(),
        dt.date(2024, 12, 31).toordinal(),
        dt.date(2025, 12, 31).toordinal(),
    ]
    slope, intercept = np.polyfit(xs, [5500, 12000, 20000], 1)
    assert proj.projected == pytest.approx(slope * dt.date(2027, 12, 31).toordinal() + intercept)
    assert proj.shortfall == pytest.approx((40000 - proj.projected) / 40000)


def test_kpi_within_10_percent_short_is_amber_beyond_is_red() -> None:
    on_track = _kpi([(dt.date(2024, 12, 31), 20000), (dt.date(2025, 12, 31), 30000)], 40000)
    assert project_status([], [on_track], TODAY, LIMITS).rag == "green"
    slightly = _kpi([(dt.date(2025, 12, 31), 38000)], 40000)
    assert (
        project_status(
            [], [KpiFact("x", "P", True, slightly.targets, slightly.values)], TODAY, LIMITS
        ).rag
        == "amber"
    )
    far = KpiFact(
        "x", "P", True, [(dt.date(2027, 12, 31), 40000)], [(dt.date(2025, 12, 31), 20000)]
    )
    status = project_status([], [far], TODAY, LIMITS)
    assert status.rag == "red"
    assert "与目标 40,000 P 相差 50%" in status.explanation
    assert "50%" in status.explanation


def test_lower_is_better_kpis_invert_the_comparison() -> None:
    price = KpiFact(
        "电价", "元/度", False, [(dt.date(2027, 12, 31), 0.45)], [(dt.date(2025, 12, 31), 0.44)]
    )
    assert project_status([], [price], TODAY, LIMITS).rag == "green"
    worse = KpiFact(
        "电价", "元/度", False, [(dt.date(2027, 12, 31), 0.45)], [(dt.date(2025, 12, 31), 0.6)]
    )
    assert project_status([], [worse], TODAY, LIMITS).rag == "red"


def test_no_data_is_grey() -> None:
    assert project_status([], [], TODAY, LIMITS).rag == "grey"


def test_initiative_takes_the_worst_and_names_the_projects() -> None:
    red = project_status([_m("A", TODAY - dt.timedelta(days=90))], [], TODAY, LIMITS)
    green = project_status([_m("B", TODAY + dt.timedelta(days=9))], [], TODAY, LIMITS)
    status = initiative_status([("成都智算中心", red), ("天府智算中心", green)], [], TODAY, LIMITS)
    assert status.rag == "red"
    assert "1 个项目红灯：成都智算中心" in status.explanation


def test_thresholds_are_settings(settings) -> None:
    settings.STATUS_AMBER_MAX_OVERDUE_DAYS = 60
    status = project_status([_m("A", TODAY - dt.timedelta(days=45))], [], TODAY)
    assert status.rag == "amber"


def test_one_red_project_of_four_makes_the_initiative_amber_and_is_named() -> None:
    red = project_status([_m("A", TODAY - dt.timedelta(days=90))], [], TODAY, LIMITS)
    green = project_status([_m("B", TODAY + dt.timedelta(days=9))], [], TODAY, LIMITS)
    pairs = [("成都智算中心", red)] + [(f"项目{i}", green) for i in range(3)]
    status = initiative_status(pairs, [], TODAY, LIMITS)
    assert status.rag == "amber"
    assert "1 个项目红灯：成都智算中心" in status.explanation


def test_all_green_projects_and_no_kpis_is_green() -> None:
    green = project_status([_m("B", TODAY + dt.timedelta(days=9))], [], TODAY, LIMITS)
    assert initiative_status([("x", green), ("y", green)], [], TODAY, LIMITS).rag == "green"


def test_a_kpi_sentence_gives_its_unit_in_the_readers_language() -> None:
    from django.utils import translation

    from policy.status import Reason

    reason = Reason(
        "kpi_shortfall",
        {
            "name_zh": "迁入研发单位",
            "name_en": "R&D units relocated",
            "date": "2026-12-31",
            "unit": "家",
            "projected": 26.65,
            "target": 28.0,
            "shortfall": 0.05,
        },
    )
    on = dt.date(2026, 12, 1)
    with translation.override("zh-hans"):
        assert "26.65 家" in reason.text(on)
    with translation.override("en"):
        text = reason.text(on)
    assert "26.65 companies" in text
    assert "家" not in text
