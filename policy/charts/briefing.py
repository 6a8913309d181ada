"""Figures the briefing needs that the dashboards do not draw yet (pure: frame in, figure out).

- `kpi_attainment_bars`: each KPI's latest value as a share of its next target.
- `kpi_trajectory`: one KPI's approved values against its target trajectory.
- `initiative_status_bars`: projects of each initiative by status.

They use the shared theme, so they look like the web charts; the integrator may merge them
with the dashboards' KPI builders later (same inputs, same output shape).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .theme import SERIES_COLOURS, STATUS_COLOURS, apply_theme


def _point_label(value: float) -> str:
    """ "22,000" or "0.55": thousands separators, no exponent, no trailing zeros."""
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def kpi_attainment_bars(
    df: pd.DataFrame, *, title: str, target_label: str, lang: str = "zh-hans"
) -> go.Figure:
    """Horizontal bars, one per KPI: columns name, pct (of target), label, rag.

    A dashed line marks 100 % (target reached); bars are coloured by the KPI's projected
    status, and each bar carries its own "actual / target unit" text so it reads in grey.
    """
    fig = go.Figure()
    frame = df.iloc[::-1]  # plotly draws the first category at the bottom
    fig.add_bar(
        x=frame["pct"],
        y=frame["name"],
        orientation="h",
        marker_color=[STATUS_COLOURS.get(r, STATUS_COLOURS["grey"]) for r in frame["rag"]],
        text=frame["label"],
        textposition="auto",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.0f}%<extra></extra>",
    )
    top = max(110.0, float(frame["pct"].max()) * 1.1) if len(frame) else 110.0
    fig.add_vline(x=100, line_dash="dash", line_color="#1d2733", line_width=1)
    fig.add_annotation(
        x=100, y=1.02, yref="paper", text=target_label, showarrow=False, font={"size": 11}
    )
    fig.update_xaxes(range=[0, top], ticksuffix="%", gridcolor="#e6e9ee")
    fig.update_yaxes(automargin=True)
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        showlegend=False,
        bargap=0.35,
    )
    apply_theme(fig, lang)
    fig.update_layout(margin={"l": 8, "r": 16, "t": 48, "b": 32})
    return fig


def kpi_trajectory(
    df: pd.DataFrame,
    *,
    title: str,
    unit: str,
    actual_label: str,
    target_label: str,
    lang: str = "zh-hans",
) -> go.Figure:
    """Approved values (solid) against targets (dashed): columns date, value, series.

    `series` is "actual", "baseline" or "target"; the baseline starts the actual line.
    """
    fig = go.Figure()
    actual = df[df["series"].isin(["baseline", "actual"])].sort_values("date")
    target = df[df["series"] == "target"].sort_values("date")
    fig.add_scatter(
        x=target["date"],
        y=target["value"],
        name=target_label,
        mode="lines+markers",
        line={"dash": "dash", "color": SERIES_COLOURS[1]},
        marker={"symbol": "diamond", "size": 8},
    )
    fig.add_scatter(
        x=actual["date"],
        y=actual["value"],
        name=actual_label,
        mode="lines+markers+text",
        line={"color": SERIES_COLOURS[0], "width": 3},
        text=[_point_label(v) for v in actual["value"]],
        textposition="top left",
    )
    fig.update_yaxes(title_text=unit or None, gridcolor="#e6e9ee", rangemode="tozero")
    # Targets and annual values fall on 31 December: ticks there, so a point sits on its tick.
    fig.update_xaxes(tickformat="%Y-%m", tick0="2000-12-31", dtick="M12", gridcolor="#f0f2f5")
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.18, "x": 0},
    )
    apply_theme(fig, lang)
    fig.update_layout(margin={"l": 56, "r": 16, "t": 48, "b": 56})
    return fig


def initiative_status_bars(
    df: pd.DataFrame, *, title: str, labels: dict[str, str], lang: str = "zh-hans"
) -> go.Figure:
    """Stacked bars of project counts: columns initiative, rag (green/amber/red/grey), count."""
    fig = go.Figure()
    order = list(dict.fromkeys(df["initiative"]))[::-1]
    for rag in ("green", "amber", "red", "grey"):
        counts = df[df["rag"] == rag].set_index("initiative")["count"].reindex(order).fillna(0)
        if not counts.any():
            continue
        fig.add_bar(
            x=counts,
            y=order,
            name=labels[rag],
            orientation="h",
            marker_color=STATUS_COLOURS[rag],
            text=[int(c) if c else "" for c in counts],
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
        )
    fig.update_layout(
        barmode="stack",
        title={"text": title, "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.15, "x": 0, "traceorder": "normal"},
    )
    fig.update_xaxes(dtick=1, gridcolor="#e6e9ee")
    fig.update_yaxes(automargin=True)
    apply_theme(fig, lang)
    fig.update_layout(margin={"l": 8, "r": 16, "t": 48, "b": 48})
    return fig
