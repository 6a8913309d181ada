"""Program charts: milestone Gantt (planned vs actual), projects by status, milestone completion.

Pure functions from data frames to figures (no ORM), reused by the PDF briefing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ..status import Rag
from .theme import STATUS_COLOURS, apply_theme, wrap_category_ticks

MS_PER_DAY = 86_400_000
# Bars of the Gantt: the planned window, coloured by how the milestone went.
STATE_COLOURS = {
    "done": STATUS_COLOURS[Rag.GREEN],
    "late": "#ef6c00",  # done, but after its due date
    "due": "#1f5fa8",
    "overdue": STATUS_COLOURS[Rag.RED],
    "cancelled": STATUS_COLOURS[Rag.GREY],
}


def state_labels() -> dict[str, str]:
    return {
        "done": _("按期完成"),
        "late": _("延期完成"),
        "due": _("进行中/未到期"),
        "overdue": _("已逾期"),
        "cancelled": _("已取消"),
    }


def _gantt_state(row: pd.Series) -> str:
    if row["state"] == "done" and pd.notna(row["completed_on"]):
        return "late" if row["completed_on"] > row["due"] else "done"
    return str(row["state"])


def milestone_gantt(frame: pd.DataFrame, *, today: dt.date) -> go.Figure:
    """Planned windows as bars and actual completion dates as markers.

    Rows: label, start (planned start of the window), due, completed_on (date or None),
    state (done / due / overdue / cancelled), percent. An open overdue milestone gets a red
    line from its due date to today; a completed one a marker at its completion date.
    """
    frame = frame.copy()
    frame["gstate"] = frame.apply(_gantt_state, axis=1) if len(frame) else []
    labels = state_labels()
    fig = go.Figure()
    y_order = list(frame["label"])
    for state, colour in STATE_COLOURS.items():
        part = frame[frame["gstate"] == state]
        if not len(part):
            continue
        days = [max((d - s).days, 1) for s, d in zip(part["start"], part["due"], strict=True)]
        fig.add_trace(
            go.Bar(
                base=[s.isoformat() for s in part["start"]],
                x=[d * MS_PER_DAY for d in days],
                y=list(part["label"]),
                orientation="h",
                name=labels[state],
                marker={"color": colour, "opacity": 0.85},
                customdata=[
                    [d.isoformat(), int(p)]
                    for d, p in zip(part["due"], part["percent"], strict=True)
                ],
                hovertemplate="%{y}<br>"
                + _("计划完成")
                + " %{customdata[0]}<br>"
                + _("完成")
                + " %{customdata[1]}%<extra></extra>",
                meta=f"planned-{state}",
            )
        )
    _actual_markers(fig, frame, today)
    fig.add_vline(x=today.isoformat(), line={"color": "#1d2733", "width": 1, "dash": "dot"})
    fig.update_xaxes(type="date")
    fig.update_yaxes(
        categoryorder="array", categoryarray=y_order[::-1], automargin=True, title=None
    )
    fig.update_layout(
        barmode="overlay",
        height=max(260, 28 * len(frame) + 120),
        legend={"orientation": "h", "y": -0.08 if len(frame) > 8 else -0.2},
        hovermode="closest",
    )
    return apply_theme(fig)


def _actual_markers(fig: go.Figure, frame: pd.DataFrame, today: dt.date) -> None:
    done = frame[frame["completed_on"].notna()]
    if len(done):
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in done["completed_on"]],
                y=list(done["label"]),
                mode="markers",
                name=_("实际完成"),
                marker={"symbol": "diamond", "size": 11, "color": "#1d2733"},
                hovertemplate="%{y}<br>" + _("实际完成") + " %{x|%Y-%m-%d}<extra></extra>",
                meta="actual",
            )
        )
    late = frame[frame["gstate"] == "overdue"]
    for due, label in zip(late["due"], late["label"], strict=True):
        fig.add_trace(
            go.Scatter(
                x=[due.isoformat(), today.isoformat()],
                y=[label, label],
                mode="lines",
                line={"color": STATUS_COLOURS[Rag.RED], "width": 3, "dash": "dot"},
                showlegend=False,
                hoverinfo="skip",
                meta="slip",
            )
        )


def status_bars(frame: pd.DataFrame) -> go.Figure:
    """Projects by computed status per initiative, stacked. Rows: name, green, amber, red, grey."""
    frame = frame.iloc[::-1]
    fig = go.Figure()
    for rag in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.GREY):
        values = [int(v) for v in frame[rag]]
        if not any(values):
            continue
        fig.add_trace(
            go.Bar(
                x=values,
                y=list(frame["name"]),
                orientation="h",
                name=str(rag.label),
                marker={"color": STATUS_COLOURS[rag]},
                text=[v or "" for v in values],
                textposition="inside",
                textangle=0,
                hovertemplate="%{y}<br>%{fullData.name}: %{x}<extra></extra>",
                meta=f"status-{rag}",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=max(220, 44 * len(frame) + 90),
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(title={"text": _("项目数")}, dtick=1, fixedrange=True)
    fig.update_yaxes(automargin=True, fixedrange=True)
    wrap_category_ticks(fig, list(frame["name"]))
    return apply_theme(fig)


def milestone_completion(frame: pd.DataFrame) -> go.Figure:
    """Milestones done / due / overdue per initiative, stacked. Rows: name, done, due, overdue."""
    labels = {"done": _("已完成"), "due": _("未到期"), "overdue": _("已逾期")}
    colours = {
        "done": STATUS_COLOURS[Rag.GREEN],
        "due": "#1f5fa8",
        "overdue": STATUS_COLOURS[Rag.RED],
    }
    frame = frame.iloc[::-1]
    fig = go.Figure()
    for state in ("done", "due", "overdue"):
        values = [int(v) for v in frame[state]]
        fig.add_trace(
            go.Bar(
                x=values,
                y=list(frame["name"]),
                orientation="h",
                name=labels[state],
                marker={"color": colours[state]},
                text=[v or "" for v in values],
                textposition="inside",
                textangle=0,
                hovertemplate="%{y}<br>%{fullData.name}: %{x}<extra></extra>",
                meta=f"milestones-{state}",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=max(220, 44 * len(frame) + 90),
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(title={"text": _("里程碑数")}, fixedrange=True)
    fig.update_yaxes(automargin=True, fixedrange=True)
    wrap_category_ticks(fig, list(frame["name"]))
    return apply_theme(fig)
