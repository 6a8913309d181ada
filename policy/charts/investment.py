"""Investment figures: a project's months (plan vs completion), its funding split, and the
initiatives' completion against the elapsed share of the year.

Pure functions of the frames `investment_frames` builds from selector output (the stored read
model); the same figures feed the pages and the PDF briefing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..formatting import number, yuan
from ..i18n import english
from ..selectors.investment import InvestmentFigures
from .theme import STATUS_COLOURS, apply_theme, wrap_category_ticks

BAR = "#1f5fa8"
PLAN = "#6d4c41"
ARRIVED = "#2e7d32"


def amount_scale(largest: Decimal | float | None) -> tuple[float, str]:
    """Divisor and axis unit: 万元 (亿元 from 1 亿) in Chinese, million yuan in English."""
    if english():
        return 1e6, _("百万元")
    if largest is not None and float(largest) >= 1e8:
        return 1e8, _("亿元")
    return 1e4, _("万元")


def month_frame(figures: InvestmentFigures) -> pd.DataFrame:
    """Month, the month's completion, the cumulative and the cumulative plan (yuan; None where
    the month is not reported)."""
    rows = [
        {
            "month": m.month,
            "monthly": float(m.monthly) if m.monthly is not None else None,
            "cumulative": float(m.cumulative) if m.cumulative is not None else None,
            "plan_cumulative": float(m.plan_cumulative) if m.plan_cumulative is not None else None,
            "covers": m.covers,
        }
        for m in figures.months
    ]
    return pd.DataFrame(
        rows, columns=["month", "monthly", "cumulative", "plan_cumulative", "covers"]
    )


def _month_labels(frame: pd.DataFrame) -> list[str]:
    return [(f"M{m}" if english() else f"{m}月") for m in frame["month"]]


def investment_months(frame: pd.DataFrame, *, year: int | None) -> go.Figure:
    """Bars: each month's completion; lines: cumulative completion and cumulative plan."""
    largest = frame[["cumulative", "plan_cumulative"]].max().max() if len(frame) else None
    divisor, unit = amount_scale(None if pd.isna(largest) else largest)
    labels = _month_labels(frame)
    fig = go.Figure()

    def scaled(column: str) -> list[float | None]:
        return [None if pd.isna(v) else v / divisor for v in frame[column]]

    def hover(column: str) -> list[str]:
        return ["—" if pd.isna(v) else yuan(Decimal(str(v))) for v in frame[column]]

    fig.add_bar(
        x=labels,
        y=scaled("monthly"),
        name=_("当月完成"),
        marker_color=BAR,
        customdata=hover("monthly"),
        hovertemplate="%{x}: %{customdata}<extra>" + _("当月完成") + "</extra>",
    )
    fig.add_scatter(
        x=labels,
        y=scaled("cumulative"),
        name=_("累计完成"),
        mode="lines+markers",
        line={"color": STATUS_COLOURS["green"], "width": 3},
        customdata=hover("cumulative"),
        hovertemplate="%{x}: %{customdata}<extra>" + _("累计完成") + "</extra>",
    )
    if frame["plan_cumulative"].notna().any():
        fig.add_scatter(
            x=labels,
            y=scaled("plan_cumulative"),
            name=_("累计计划"),
            mode="lines",
            line={"color": PLAN, "dash": "dash"},
            customdata=hover("plan_cumulative"),
            hovertemplate="%{x}: %{customdata}<extra>" + _("累计计划") + "</extra>",
        )
    apply_theme(fig)
    fig.update_layout(
        height=340,
        yaxis={"title": unit, "tickformat": ",~f", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.18},
        bargap=0.35,
    )
    return fig


def funding_frame(figures: InvestmentFigures) -> pd.DataFrame:
    rows = [
        {"name": f.name, "planned": float(f.planned), "arrived": float(f.arrived)}
        for f in figures.funding
    ]
    return pd.DataFrame(rows, columns=["name", "planned", "arrived"])


def funding_bars(frame: pd.DataFrame) -> go.Figure:
    """Planned and arrived funds per source, side by side (horizontal, sources top-down)."""
    largest = frame["planned"].max() if len(frame) else None
    divisor, unit = amount_scale(largest)
    fig = go.Figure()
    names = list(frame["name"])
    for column, label, colour in (
        ("planned", _("计划资金"), PLAN),
        ("arrived", _("到位资金"), ARRIVED),
    ):
        fig.add_bar(
            y=names,
            x=[v / divisor for v in frame[column]],
            orientation="h",
            name=label,
            marker_color=colour,
            customdata=[yuan(Decimal(str(v))) for v in frame[column]],
            hovertemplate="%{y}: %{customdata}<extra>" + label + "</extra>",
        )
    apply_theme(fig)
    fig.update_layout(
        barmode="group",
        height=max(200, 90 + 40 * len(names)),
        xaxis={"title": unit, "tickformat": ",~f"},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 48},
    )
    wrap_category_ticks(fig, names)
    return fig


def initiative_frame(parts: Sequence[tuple[str, InvestmentFigures]]) -> pd.DataFrame:
    """Per initiative with a plan: rate and elapsed share, in percent."""
    rows = [
        {
            "name": name,
            "rate": (f.rate or 0) * 100,
            "elapsed": (f.elapsed or 0) * 100,
            "plan": yuan(f.plan),
            "completed": yuan(f.completed),
        }
        for name, f in parts
        if f.plan is not None
    ]
    return pd.DataFrame(rows, columns=["name", "rate", "elapsed", "plan", "completed"])


def completion_bars(frame: pd.DataFrame) -> go.Figure:
    """Completion rate per initiative, with the elapsed share of the year as a marker."""
    fig = go.Figure()
    fig.add_bar(
        y=list(frame["name"]),
        x=list(frame["rate"]),
        orientation="h",
        name=_("完成率"),
        marker_color=BAR,
        text=[f"{number(v, 0)}%" for v in frame["rate"]],
        textposition="outside",
        customdata=list(zip(frame["completed"], frame["plan"], strict=True)),
        hovertemplate="%{y}: %{customdata[0]} / %{customdata[1]}<extra></extra>",
    )
    fig.add_scatter(
        y=list(frame["name"]),
        x=list(frame["elapsed"]),
        mode="markers",
        name=_("时间进度"),
        marker={"symbol": "line-ns-open", "size": 26, "line": {"width": 3}, "color": "#c62828"},
        hovertemplate="%{y}: %{x:.0f}%<extra>" + _("时间进度") + "</extra>",
    )
    apply_theme(fig)
    fig.update_layout(
        height=max(220, 70 + 46 * len(frame)),
        xaxis={"title": "%", "range": [0, max(110, float(frame["rate"].max() or 0) + 15)]},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 48},
    )
    wrap_category_ticks(fig, list(frame["name"]))
    return fig


def months_summary(figures: InvestmentFigures) -> str:
    """One sentence for screen readers and the PDF instead of the monthly chart."""
    if figures.plan is None and figures.completed is None:
        return ""
    return _("%(year)s 年计划 %(plan)s，已审核累计完成 %(completed)s（至 %(month)s 月）") % {
        "year": figures.year,
        "plan": yuan(figures.plan),
        "completed": yuan(figures.completed),
        "month": figures.through_month or "—",
    }
