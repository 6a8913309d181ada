"""The comparison chart of the power-cost page and the briefing: pure, data in, figure out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from policy.charts.theme import apply_theme
from policy.formatting import number

from .results import PowerAnswer, PowerBriefing

COLOURS = {"scenario": "#b3261e", "today": "#1f5fa8", "city": "#7a8594"}


@dataclass(frozen=True)
class CostBar:
    """One bar: a label, the cost per P per month, what it is and the period it is about."""

    label: str
    value: float
    kind: str  # "scenario", "today" (the chosen area's latest figure) or "city"
    period: str = ""


def comparison_bars(answer: PowerAnswer) -> list[CostBar]:
    """The bars of an answer: the scenario (when it differs from today), the chosen area
    today, and every comparison city with a figure at its own latest period."""
    bars: list[CostBar] = []
    name = answer.area.display_name()
    if answer.scenario is not None and answer.is_scenario:
        label = _("%(area)s（情景）") % {"area": name}
        bars.append(CostBar(label, answer.scenario.cost_per_p_month, "scenario"))
    if answer.today is not None:
        label = _("%(area)s（当前）") % {"area": name}
        period = "/".join(answer.indicator_periods)
        bars.append(CostBar(label, answer.today.cost_per_p_month, "today", period))
    for line in answer.comparison:
        if line.code != answer.area.code and line.row is not None:
            bars.append(CostBar(line.name, line.row.value, "city", line.row.period))
    return bars


def missing_cities(answer: PowerAnswer) -> list[str]:
    """Comparison cities without a cost figure (the chosen area aside)."""
    return [c.name for c in answer.comparison if c.row is None and c.code != answer.area.code]


def cost_comparison_figure(
    bars: Sequence[CostBar], *, unit: str, missing: Sequence[str] = ()
) -> go.Figure:
    """Horizontal bars, one per area, cost per P per month in ``unit``; ``missing`` names the
    comparison cities without a figure (said under the chart, never drawn as zero)."""
    labels = [f"{b.label} · {b.period}" if b.period else b.label for b in bars]
    fig = go.Figure(
        go.Bar(
            x=[b.value for b in bars],
            y=labels,
            orientation="h",
            marker_color=[COLOURS.get(b.kind, COLOURS["city"]) for b in bars],
            text=[number(b.value, 1) for b in bars],
            textposition="auto",
            hovertemplate=f"%{{y}}<br>%{{x:,.1f}} {unit}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(320, 120 + 46 * len(bars)),
        xaxis_title=unit,
        yaxis={"autorange": "reversed", "automargin": True},
        showlegend=False,
        margin={"l": 8, "r": 16, "t": 36 if missing else 16, "b": 48},
    )
    if missing:
        # Said above the bars in words: a city without a figure is never drawn as zero.
        fig.update_layout(
            title={
                "text": _("暂无数据：%(cities)s") % {"cities": _("、").join(missing)},
                "font": {"size": 12, "color": "#55606e"},
                "x": 0,
                "xanchor": "left",
                "y": 0.98,
            }
        )
    return apply_theme_keep_margin(fig)


def apply_theme_keep_margin(fig: go.Figure) -> go.Figure:
    """The shared theme, keeping this chart's own margins (long area names on the left)."""
    margin = fig.layout.margin
    apply_theme(fig)
    fig.update_layout(margin=margin)
    return fig


def briefing_bars(power: PowerBriefing) -> list[CostBar]:
    """The briefing's bars: Sichuan's areas, the comparison cities, then marked scenarios."""
    bars = [
        CostBar(line.name, line.row.value, "today" if line.is_sichuan else "city", line.row.period)
        for line in power.lines
    ]
    for item in power.scenarios:
        if item.answer is not None and item.answer.scenario is not None:
            label = _("情景：%(name)s") % {"name": item.scenario.name}
            bars.append(CostBar(label, item.answer.scenario.cost_per_p_month, "scenario"))
    return bars
