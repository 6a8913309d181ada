"""Plotly figures for indicator series: pure functions, data frame in, figure out (no ORM)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from policy.charts.theme import SERIES_COLOURS, apply_theme

SERIES_COLUMNS = ["area", "period", "period_start", "dimension", "value", "is_comparison"]


def series_frame(rows: list[object]) -> pd.DataFrame:
    """The frame ``indicator_series_figure`` takes, from selector ``ValueRow`` objects."""
    return pd.DataFrame(
        [
            {
                "area": row.area_name,  # type: ignore[attr-defined]
                "period": row.period,  # type: ignore[attr-defined]
                "period_start": row.period_start,  # type: ignore[attr-defined]
                "dimension": row.dimension,  # type: ignore[attr-defined]
                "value": row.value,  # type: ignore[attr-defined]
                "is_comparison": row.is_comparison,  # type: ignore[attr-defined]
            }
            for row in rows
        ],
        columns=SERIES_COLUMNS,
    )


def indicator_series_figure(frame: pd.DataFrame, *, unit: str, decimals: int = 1) -> go.Figure:
    """One trace per area (and dimension), periods on x, values in ``unit`` on y.

    Series with a dimension (market shares by supplier) are grouped bars; others are lines
    with markers, so a single observation still shows. Comparison cities after the first
    series are dashed. The x axis lists the period codes in time order.
    """
    fig = go.Figure()
    by_dimension = frame["dimension"].astype(bool).any() if not frame.empty else False
    hover = f"%{{x}}<br>%{{y:,.{decimals}f}} {unit}<extra>%{{fullData.name}}</extra>"
    keys = ["area", "dimension"]
    for index, ((area, dimension), part) in enumerate(frame.groupby(keys, sort=False)):
        part = part.sort_values("period_start")
        name = f"{area} · {dimension}" if dimension else str(area)
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        if by_dimension:
            fig.add_trace(
                go.Bar(
                    x=list(part["period"]),
                    y=list(part["value"]),
                    name=name,
                    marker_color=colour,
                    hovertemplate=hover,
                )
            )
        else:
            dashed = bool(part["is_comparison"].iloc[0]) and index > 0
            fig.add_trace(
                go.Scatter(
                    x=list(part["period"]),
                    y=list(part["value"]),
                    name=name,
                    mode="lines+markers",
                    line={"color": colour, "dash": "dash" if dashed else "solid"},
                    hovertemplate=hover,
                )
            )
    fig.update_layout(
        barmode="group",
        yaxis_title=unit,
        legend={"orientation": "h", "y": -0.2},
        hovermode="closest",
    )
    # Periods are categories in time order: a date axis would invent hours between two annual
    # points and cannot show "2023-H1" beside "2023".
    order = frame.sort_values(["period_start", "period"])["period"].drop_duplicates()
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(order))
    return apply_theme(fig)
