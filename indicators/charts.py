"""Plotly figures for indicator series: pure functions, data frame in, figure out (no ORM)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from policy.charts.theme import SERIES_COLOURS, apply_theme

from .periods import FREQUENCY_RANK, frequency_of, period_label, time_order

DOUBT_COLOUR = "#c62828"
SERIES_COLUMNS = ["area", "period", "period_start", "dimension", "value", "is_comparison"]
# Optional: the period's frequency (its code and name) and a quality rule's text ("" if none).
QUALITY_COLUMNS = ["freq", "freq_label", "flag"]


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
                "freq": row.freq,  # type: ignore[attr-defined]
                "freq_label": row.freq_label,  # type: ignore[attr-defined]
                "flag": getattr(row, "flag_text", ""),
            }
            for row in rows
        ],
        columns=SERIES_COLUMNS + QUALITY_COLUMNS,
    )


def indicator_series_figure(frame: pd.DataFrame, *, unit: str, decimals: int = 1) -> go.Figure:
    """One trace per frequency, area (and dimension), periods on x, values in ``unit`` on y.

    Periods of different frequencies are never joined: a year and a half-year are different
    quantities, so each frequency is its own trace (named with the frequency when there are
    several; ``meta`` holds the frequency code). Series with a dimension (market shares by
    supplier) are grouped bars; others are lines with markers, so a single observation still
    shows. Comparison cities after the first series are dashed. Values a quality rule flagged
    are left out of the line and drawn apart as hollow crosses (meta "<freq>-doubtful") with
    the rule's text in the hover. The x axis lists the
    periods in true time order (by the day they end: 2023-H1 before 2023).
    """
    fig = go.Figure()
    frame = frame.copy()
    if "freq" not in frame:
        frame["freq"] = [frequency_of(str(p)) for p in frame["period"]]
        frame["freq_label"] = frame["freq"]
    if "flag" not in frame:
        frame["flag"] = ""
    frame["flag"] = frame["flag"].fillna("")
    frame["label"] = [period_label(str(p)) for p in frame["period"]]
    frame["order"] = [time_order(str(p)) for p in frame["period"]]
    frame["rank"] = [FREQUENCY_RANK.get(str(f), 99) for f in frame["freq"]]
    by_dimension = frame["dimension"].astype(bool).any() if not frame.empty else False
    several = frame["freq"].nunique() > 1
    hover = (
        f"%{{x}}<br>%{{y:,.{decimals}f}} {unit}%{{customdata}}<extra>%{{fullData.name}}</extra>"
    )
    keys = ["rank", "area", "dimension"]
    frame = frame.sort_values(["rank"], kind="stable")
    for index, ((_rank, area, dimension), part) in enumerate(frame.groupby(keys, sort=False)):
        part = part.sort_values("order")
        name = f"{area} · {dimension}" if dimension else str(area)
        freq = str(part["freq"].iloc[0])
        if several:
            name = f"{name} · {part['freq_label'].iloc[0]}"
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        flagged = part["flag"].astype(bool).to_numpy()
        custom = [f"<br>⚠ {text}" if text else "" for text in part["flag"]]
        if by_dimension:
            fig.add_trace(
                go.Bar(
                    x=list(part["label"]),
                    y=list(part["value"]),
                    name=name,
                    meta=freq,
                    legendgroup=freq,
                    marker={
                        "color": colour,
                        "pattern": {"shape": ["x" if f else "" for f in flagged]},
                    },
                    customdata=custom,
                    hovertemplate=hover,
                )
            )
        else:
            dashed = bool(part["is_comparison"].iloc[0]) and index > 0
            # A doubtful value is not a point of the line (the line would carry it as fact):
            # the line has a gap there and the value is drawn apart, as a hollow cross.
            fig.add_trace(
                go.Scatter(
                    x=list(part["label"]),
                    y=[None if f else v for f, v in zip(flagged, part["value"], strict=True)],
                    name=name,
                    meta=freq,
                    legendgroup=freq,
                    mode="lines+markers",
                    line={"color": colour, "dash": "dash" if dashed else "solid"},
                    connectgaps=False,
                    customdata=custom,
                    hovertemplate=hover,
                )
            )
            if flagged.any():
                fig.add_trace(
                    go.Scatter(
                        x=list(part.loc[flagged, "label"]),
                        y=list(part.loc[flagged, "value"]),
                        name=f"{name} · {_('存疑')}",
                        meta=f"{freq}-doubtful",
                        legendgroup=freq,
                        mode="markers",
                        marker={"symbol": "x-open", "size": 12, "color": DOUBT_COLOUR},
                        customdata=[c for c, f in zip(custom, flagged, strict=True) if f],
                        hovertemplate=hover,
                    )
                )
    fig.update_layout(
        barmode="group",
        yaxis_title=unit,
        legend={"orientation": "h", "y": -0.2},
        hovermode="closest",
    )
    # Periods are categories in true time order: a date axis would invent hours between two
    # annual points and cannot show "2023-H1" beside "2023".
    order = frame.sort_values("order")["label"].drop_duplicates()
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(order))
    return apply_theme(fig)
