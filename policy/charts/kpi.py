"""KPI charts: a trajectory (baseline, targets, actuals, projection) and progress to target.

Pure functions from data frames to figures. The projection point comes in the frame from
`policy.status.project_kpi`, the same projection that decides the project's status.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..status import Rag
from .theme import STATUS_COLOURS, apply_theme, wrap_category_ticks

TRAJECTORY_KINDS = ("baseline", "target", "actual", "projection")
TARGET_COLOUR = "#7b3fa0"
NO_RAG = STATUS_COLOURS[Rag.GREY]
ACTUAL_COLOUR = "#1f5fa8"
DOUBT_COLOUR = "#c62828"  # as the indicator charts' doubtful values


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def kpi_trajectory(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    today: dt.date | None = None,
    show_title: bool = True,
) -> go.Figure:
    """One KPI over time from rows (kind, date, value).

    `kind` is one of TRAJECTORY_KINDS; an optional `flag` column holds an actual value's
    存疑 comparison (marked on the chart). The target trajectory starts at the baseline; the
    projection is drawn as a dotted line from the last actual value to the projected value at
    the target date. A vertical line marks today. Pages that caption the chart themselves
    pass `show_title=False`.
    """
    fig = go.Figure()
    rows = {k: frame[frame["kind"] == k].sort_values("date") for k in TRAJECTORY_KINDS}
    unit_suffix = f" {unit}" if unit else ""
    baseline, targets = rows["baseline"], rows["target"]
    if len(targets):
        path = pd.concat([baseline, targets])
        fig.add_trace(
            go.Scatter(
                x=list(path["date"]),
                y=list(path["value"]),
                name=_("目标轨迹"),
                mode="lines+markers",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
                marker={"symbol": "diamond-open", "size": 9},
                hovertemplate="%{x|%Y-%m-%d}<br>" + _("目标") + " %{y:,}" + unit_suffix,
                meta="target",
            )
        )
    if len(baseline):
        fig.add_trace(
            go.Scatter(
                x=list(baseline["date"]),
                y=list(baseline["value"]),
                name=_("基期"),
                mode="markers",
                marker={"symbol": "square", "size": 10, "color": "#55606e"},
                hovertemplate="%{x|%Y-%m-%d}<br>" + _("基期") + " %{y:,}" + unit_suffix,
                meta="baseline",
            )
        )
    actual = rows["actual"]
    if len(actual):
        fig.add_trace(
            go.Scatter(
                x=list(actual["date"]),
                y=list(actual["value"]),
                name=_("实际值"),
                mode="lines+markers",
                line={"color": ACTUAL_COLOUR, "width": 3},
                marker={"size": 9},
                hovertemplate="%{x|%Y-%m-%d}<br>" + _("实际") + " %{y:,}" + unit_suffix,
                meta="actual",
            )
        )
    doubtful = actual[actual["flag"].astype(bool)] if "flag" in actual else actual.iloc[:0]
    if len(doubtful):
        # Kept in the line (the projection and the status count it) but drawn apart as well,
        # a hollow cross with the rule's comparison, as the indicator charts mark theirs.
        fig.add_trace(
            go.Scatter(
                x=list(doubtful["date"]),
                y=list(doubtful["value"]),
                name=_("存疑"),
                mode="markers",
                marker={"symbol": "x-open", "size": 14, "color": DOUBT_COLOUR},
                customdata=[f"<br>⚠ {t}" for t in doubtful["flag"]],
                hovertemplate="%{x|%Y-%m-%d}<br>"
                + _("存疑")
                + " %{y:,}"
                + unit_suffix
                + "%{customdata}<extra></extra>",
                meta="doubtful",
            )
        )
    projection = rows["projection"]
    if len(projection) and len(actual):
        start = actual.iloc[-1]
        end = projection.iloc[-1]
        fig.add_trace(
            go.Scatter(
                x=[start["date"], end["date"]],
                y=[start["value"], end["value"]],
                name=_("趋势预测"),
                mode="lines+markers",
                line={"color": ACTUAL_COLOUR, "dash": "dot", "width": 2},
                marker={"size": [0, 10], "symbol": "circle-open"},
                hovertemplate="%{x|%Y-%m-%d}<br>" + _("预测") + " %{y:,.4~f}" + unit_suffix,
                meta="projection",
            )
        )
    if today is not None:
        fig.add_vline(x=today.isoformat(), line={"color": "#9aa5b1", "width": 1, "dash": "dot"})
    fig.update_layout(
        title={"text": title if show_title else "", "font": {"size": 15}},
        legend={"orientation": "h", "y": -0.18},
        hovermode="closest",
        height=320,
    )
    fig.update_yaxes(title={"text": unit}, rangemode="tozero" if _all_positive(frame) else None)
    fig.update_xaxes(type="date")
    return apply_theme(fig)


def _all_positive(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and bool((frame["value"] >= 0).all())


def kpi_progress(frame: pd.DataFrame) -> go.Figure:
    """Bullet-style bars: the share of the way from baseline to this year's target, per KPI.

    Rows: name, value, target, unit, ratio (``policy.status.target_progress``: 0 at the
    baseline, 100 % at the target, below 0 when the KPI moved away from it), rag (status
    colour of the KPI's projection), target_year, and optionally baseline and
    higher_is_better. The label states the direction ("越低越好") and the baseline, so a
    lower-is-better KPI is never read as "nearly there" because its value is close to its
    target. A KPI with no honest measure (a lower-is-better one without a baseline, short of
    its target) gets an empty bar that says so.
    """
    frame = frame.iloc[::-1]  # plotly draws the first category at the bottom
    if "higher_is_better" not in frame:
        frame = frame.assign(higher_is_better=True, baseline=None)
    ratios = [
        max(min(float(r) * 100, 150.0), -50.0) if pd.notna(r) else 0.0 for r in frame["ratio"]
    ]
    texts = [_progress_text(row) for row in frame.to_dict("records")]
    fig = go.Figure(
        go.Bar(
            # A bar of no length draws no text: a hair's width keeps "no progress" readable.
            x=[r if r else 0.5 for r in ratios],
            y=list(frame["name"]),
            orientation="h",
            marker={"color": [STATUS_COLOURS.get(r, NO_RAG) for r in frame["rag"]]},
            text=texts,
            # A short bar (no progress, or moved away) still says what it is: text beside it.
            textposition=["inside" if x >= 60 else "outside" for x in ratios],
            cliponaxis=False,
            insidetextanchor="start",
            customdata=[[y, r] for y, r in zip(frame["target_year"], ratios, strict=True)],
            hovertemplate="%{y}<br>%{text}<br>"
            + _("自基期至 %{customdata[0]} 年目标已走完 %{customdata[1]:.0f}%")
            + "<extra></extra>",
            meta="progress",
        )
    )
    fig.add_vline(x=0, line={"color": "#9aa5b1", "width": 1})
    fig.add_vline(x=100, line={"color": "#1d2733", "width": 2})
    fig.update_xaxes(
        range=[-50, 150],
        ticksuffix="%",
        title={"text": _("自基期至本年度目标已走完的距离（100% 为达标）")},
        fixedrange=True,
    )
    fig.update_yaxes(automargin=True, fixedrange=True)
    wrap_category_ticks(fig, list(frame["name"]))
    fig.update_layout(height=max(220, 46 * len(frame) + 80), showlegend=False, bargap=0.35)
    return apply_theme(fig)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _progress_text(row: Mapping[Hashable, Any]) -> str:
    """ "越低越好 · 0.5 / 目标 0.48 元/度（基期 0.5）": the direction, value, target and start."""
    unit = str(row.get("unit") or "")
    direction = _("越高越好") if row.get("higher_is_better", True) else _("越低越好")
    base = row.get("baseline")
    text = _("%(direction)s · %(value)s / 目标 %(target)s %(unit)s") % {
        "direction": direction,
        "value": _fmt(float(row["value"])),
        "target": _fmt(float(row["target"])),
        "unit": unit,
    }
    if base is not None and not _missing(base):
        text += _("（基期 %(base)s）") % {"base": _fmt(float(base))}
    if _missing(row.get("ratio")):
        text += _("：无基期，无法衡量进度")
    return text.strip()
