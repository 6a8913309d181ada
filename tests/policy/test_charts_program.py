"""Milestone Gantt, status and completion charts from plain frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from policy.charts.program import milestone_completion, milestone_gantt, status_bars

TODAY = dt.date(2026, 11, 25)


def gantt_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # on time, late, open overdue, open not yet due
            ("注册", dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 1, 20), "done", 100),
            ("主体", dt.date(2026, 2, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 9), "done", 100),
            ("设备", dt.date(2026, 5, 1), dt.date(2026, 10, 1), None, "overdue", 60),
            ("上线", dt.date(2026, 10, 1), dt.date(2027, 3, 1), None, "due", 0),
        ],
        columns=["label", "start", "due", "completed_on", "state", "percent"],
    )


def test_gantt_tells_on_time_late_overdue_and_open_apart() -> None:
    fig = milestone_gantt(gantt_rows(), today=TODAY)
    by_meta = {t.meta: t for t in fig.data}
    assert list(by_meta["planned-done"].y) == ["注册"]
    assert list(by_meta["planned-late"].y) == ["主体"]
    assert list(by_meta["planned-overdue"].y) == ["设备"]
    assert list(by_meta["planned-due"].y) == ["上线"]
    assert list(by_meta["actual"].x) == ["2026-01-20", "2026-06-09"]
    # The overdue one slips from its due date to today, in red.
    slip = by_meta["slip"]
    assert list(slip.x) == ["2026-10-01", TODAY.isoformat()]
    # Bars start at the planned start and span to the due date (in milliseconds).
    assert by_meta["planned-overdue"].base[0] == "2026-05-01"
    assert by_meta["planned-overdue"].x[0] == 153 * 86_400_000


def test_gantt_keeps_the_rows_in_the_given_order_top_down() -> None:
    fig = milestone_gantt(gantt_rows(), today=TODAY)
    assert list(fig.layout.yaxis.categoryarray) == ["上线", "设备", "主体", "注册"]


def test_status_bars_stack_counts_and_skip_empty_colours() -> None:
    frame = pd.DataFrame(
        [
            {"name": "甲", "green": 2, "amber": 1, "red": 0, "grey": 0},
            {"name": "乙", "green": 0, "amber": 0, "red": 3, "grey": 0},
        ]
    )
    fig = status_bars(frame)
    metas = {t.meta: t for t in fig.data}
    assert set(metas) == {"status-green", "status-amber", "status-red"}
    assert list(metas["status-red"].x) == [3, 0]  # reversed: 乙 first from the bottom
    assert fig.layout.barmode == "stack"


def test_milestone_completion_has_done_due_and_overdue() -> None:
    frame = pd.DataFrame([{"name": "甲", "done": 5, "due": 3, "overdue": 1}])
    fig = milestone_completion(frame)
    assert [t.meta for t in fig.data] == [
        "milestones-done",
        "milestones-due",
        "milestones-overdue",
    ]
    assert [t.x[0] for t in fig.data] == [5, 3, 1]


def test_chart_builders_never_touch_the_database() -> None:
    """Charts are pure: frames in, figures out, so the PDF briefing can reuse them as they are."""
    import re
    from pathlib import Path

    charts = Path(__file__).resolve().parents[2] / "policy" / "charts"
    orm = re.compile(r"\.objects\b|from \.\.models|from django\.db|\.selectors\b import")
    offenders = [p.name for p in charts.glob("*.py") if orm.search(p.read_text())]
    assert offenders == []
