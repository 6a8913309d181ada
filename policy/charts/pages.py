"""Selector output → data frames → figures, for each dashboard page (and the PDF briefing).

No ORM here: the selectors have already loaded everything. Each function returns figures
keyed by a stable id; views pass the figure as plain JSON (`figure_json`) through
`json_script`. The overview's figures are memoised by their frame (`memo_chart`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import pandas as pd
import plotly.graph_objects as go
from django.core.cache import cache
from django.utils.translation import gettext as _

from ..formatting import number, yuan
from ..i18n import english, language
from ..selectors.dashboard import (
    InitiativeCard,
    KpiSeries,
    MapData,
    MilestoneRow,
    Overview,
    ProjectRow,
)
from ..selectors.investment import InvestmentFigures
from ..status import RAG_ORDER, target_progress
from ..units import display_unit
from .investment import (
    completion_bars,
    funding_bars,
    funding_frame,
    initiative_frame,
    investment_months,
    month_frame,
    months_summary,
)
from .kpi import kpi_progress, kpi_trajectory
from .maps import hubs_map, prefecture_choropleth
from .program import milestone_completion, milestone_gantt, status_bars


def trajectory_frame(series: KpiSeries) -> pd.DataFrame:
    """Rows (kind, date, value, flag): ``flag`` is the 存疑 comparison of an actual value."""
    rows = []
    if series.baseline:
        rows.append(("baseline", *series.baseline, ""))
    rows += [("target", d, v, "") for d, v in series.targets]
    rows += [("actual", d, v, series.doubts.get(d, "")) for d, v in series.values]
    if series.projection:
        p = series.projection
        rows.append(("projection", p.target_date, p.projected, ""))
    return pd.DataFrame(rows, columns=["kind", "date", "value", "flag"])


def kpi_trajectory_figure(
    series: KpiSeries, today: dt.date, *, show_title: bool = True
) -> go.Figure:
    return kpi_trajectory(
        trajectory_frame(series),
        title=series.name,
        unit=series.unit,
        today=today,
        show_title=show_title,
    )


def progress_frame(kpis: Sequence[KpiSeries]) -> pd.DataFrame:
    """Latest value against the as-of year's target, with the KPI's stored colour."""
    rows = []
    for series in kpis:
        target = series.year_target
        if target is None or series.latest is None:
            continue
        value = series.latest[1]
        rows.append(
            {
                "name": series.name,
                "value": value,
                "target": target[1],
                "unit": series.unit,
                "ratio": target_progress(
                    value,
                    target[1],
                    series.baseline[1] if series.baseline else None,
                    series.higher_is_better,
                ),
                "rag": series.rag,
                "target_year": target[0].year,
                "baseline": series.baseline[1] if series.baseline else None,
                "higher_is_better": series.higher_is_better,
            }
        )
    columns = [
        "name",
        "value",
        "target",
        "unit",
        "ratio",
        "rag",
        "target_year",
        "baseline",
        "higher_is_better",
    ]
    return pd.DataFrame(rows, columns=columns)


class StatusCounts(Protocol):
    """An initiative's name and its projects counted by status: a card, a briefing section."""

    @property
    def name(self) -> str: ...

    @property
    def projects_by_rag(self) -> dict[str, int]: ...


def status_frame(cards: Sequence[StatusCounts]) -> pd.DataFrame:
    rags = [str(r) for r in RAG_ORDER]
    rows = [{"name": c.name, **{r: c.projects_by_rag.get(r, 0) for r in rags}} for c in cards]
    return pd.DataFrame(rows, columns=["name", *rags])


def completion_frame(cards: Sequence[InitiativeCard]) -> pd.DataFrame:
    states = ("done", "due", "overdue")
    rows = [
        {"name": c.name, **{s: c.milestones_by_state.get(s, 0) for s in states}} for c in cards
    ]
    return pd.DataFrame(rows, columns=["name", "done", "due", "overdue"])


def _short(name: str) -> str:
    """Project names shortened for Gantt row labels (the table above has them in full)."""
    limit = 26 if name.isascii() else 14  # a Chinese character is about two Latin ones wide
    return name if len(name) <= limit else name[: limit - 1] + "…"


def gantt_frame(
    milestones: Sequence[MilestoneRow],
    starts: dict[int, dt.date | None],
    *,
    with_project: bool,
) -> pd.DataFrame:
    """Planned window of each milestone: from the previous milestone's due date of the same
    project (or the project's planned start, or 90 days before) to its own due date."""
    rows = []
    previous: dict[int, dt.date] = {}
    for m in sorted(milestones, key=lambda m: (m.project_id, m.due_date, m.pk)):
        start = previous.get(m.project_id) or starts.get(m.project_id)
        if start is None or start >= m.due_date:
            start = m.due_date - dt.timedelta(days=90)
        previous[m.project_id] = m.due_date
        label = f"{_short(m.project_name)} · {m.title}" if with_project else m.title
        rows.append(
            {
                "label": label,
                "start": start,
                "due": m.due_date,
                "completed_on": m.completed_on,
                "state": m.state,
                "percent": m.percent,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["label", "start", "due", "completed_on", "state", "percent"]
    )
    return frame.sort_values(["due", "label"]).reset_index(drop=True)


def project_starts(rows: Sequence[ProjectRow]) -> dict[int, dt.date | None]:
    return {r.project.pk: r.project.actual_start or r.project.planned_start for r in rows}


def _projects_by_prefecture(rows: Sequence[ProjectRow], shown: int = 5) -> dict[str, str]:
    """Hover line per prefecture naming its projects (the first few, then how many more)."""
    names: dict[str, list[str]] = {}
    for r in rows:
        if r.project.region is not None:
            names.setdefault(r.project.region.code, []).append(r.name)
    lines = {}
    for code, found in names.items():
        more = _("等 %(count)d 个") % {"count": len(found)} if len(found) > shown else ""
        lines[code] = _("项目：") + _("、").join(found[:shown]) + more
    return lines


def map_frames(data: MapData, metric: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values (with a shown label) per prefecture for the metric, and the project points."""
    names = _projects_by_prefecture(data.projects)
    rows = []
    for p in data.prefectures:
        if metric == "investment":
            done = p.invest_completed_yuan
            value = float(done) / 1e8 if done is not None else None
            label = yuan(done) if done is not None else None
        elif metric == "invest_rate":
            value = p.invest_rate
            label = f"{number(value, 0)}%" if value is not None else None
        elif metric == "progress":
            value = p.progress
            label = f"{number(p.progress, 0)}%" if p.progress is not None else None
        elif metric == "capacity":
            value = p.capacity_p
            label = f"{number(p.capacity_p, 0)} P" if p.capacity_p is not None else None
        else:
            value = float(p.projects) if p.projects else None
            label = str(p.projects) if p.projects else None
        rows.append(
            {"adcode": p.adcode, "value": value, "label": label, "detail": names.get(p.adcode)}
        )
    points = []
    for r in data.projects:
        lon, lat = r.project.lon, r.project.lat
        if lon is None or lat is None:
            continue
        progress = f"{number(r.progress, 0)}%" if r.progress is not None else "—"
        invest = ""
        if r.investment.rate is not None:
            invest = "<br>" + _("本年完成投资 %(done)s，完成率 %(rate)s%%") % {
                "done": yuan(r.investment.completed or 0),
                "rate": number(r.investment.rate * 100, 0),
            }
        hover = (
            f"<b>{r.name}</b><br>{r.region_name} · {_('进度')} {progress}{invest}"
            f"<br>{r.status.explanation}"
        )
        points.append(
            {
                "lon": lon,
                "lat": lat,
                "name": r.name,
                "status": r.status.rag,
                "url": r.url,
                "hover": hover,
            }
        )
    point_frame = pd.DataFrame(points, columns=["lon", "lat", "name", "status", "url", "hover"])
    frame = pd.DataFrame(rows, columns=["adcode", "value", "label", "detail"])
    return frame, point_frame


def map_figures(data: MapData, metric: str, metric_label: str) -> dict[str, go.Figure]:
    values, points = map_frames(data, metric)
    clusters = pd.DataFrame(
        [
            {
                "code": c.code,
                "name": c.display_name(),
                "hub": c.group_en if english() else c.group_zh,
                "lon": c.lon,
                "lat": c.lat,
            }
            for c in data.clusters
            if c.lon is not None and c.lat is not None
        ],
        columns=["code", "name", "hub", "lon", "lat"],
    )
    prefectures = prefecture_choropleth(values, metric_label=metric_label, points=points)
    prefectures.update_layout(height=540)
    hubs = hubs_map(clusters)
    hubs.update_layout(height=460)
    return {"fig-prefectures": prefectures, "fig-hubs": hubs}


def figure_json(fig: go.Figure) -> dict[str, Any]:
    """A figure as plain JSON types (numpy arrays and dates encoded by plotly's encoder)."""
    plain: dict[str, Any] = json.loads(fig.to_json())
    return plain


def chart(
    chart_id: str,
    title: str,
    fig: go.Figure,
    summary: str = "",
    doubts: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """What templates/policy/_chart.html needs: id, title, figure JSON, a text summary and
    the values it draws that are 存疑 ((what, comparison) pairs, listed beside the chart)."""
    return {
        "id": chart_id,
        "title": title,
        "figure": figure_json(fig),
        "summary": summary,
        "doubts": list(doubts),
    }


def memo_chart(
    chart_id: str, title: str, frame: pd.DataFrame, build: Callable[[pd.DataFrame], go.Figure]
) -> dict[str, Any]:
    """`chart(...)` of `build(frame)`, reused while the frame (and language) stay the same.

    A figure is a pure function of its frame, and building and encoding one with plotly costs
    tens of milliseconds. A write that invalidates the overview usually changes one frame at
    most (or none): the other figures come back from the cache instead of being rebuilt.
    """
    digest = hashlib.sha256(
        "\x1f".join((chart_id, title, language(), frame.to_json(date_format="iso"))).encode()
    ).hexdigest()[:32]
    key = f"chart:{digest}"
    found = cache.get(key)
    if found is None:
        found = chart(chart_id, title, build(frame))
        cache.set(key, found, CHART_TIMEOUT)
    return dict(found)


CHART_TIMEOUT = 24 * 3600


def overview_charts(overview: Overview) -> list[dict[str, Any]]:
    """Status bars, milestone completion and headline KPI progress for the overview page."""
    charts = [
        memo_chart(
            "fig-status", _("各任务方向项目状态"), status_frame(overview.cards), status_bars
        ),
        memo_chart(
            "fig-milestones",
            _("里程碑完成情况"),
            completion_frame(overview.cards),
            milestone_completion,
        ),
    ]
    invest = initiative_frame([(c.name, c.investment) for c in overview.cards])
    if len(invest):
        charts.append(
            memo_chart(
                "fig-investment",
                _("各任务方向本年投资完成率与时间进度"),
                invest,
                completion_bars,
            )
        )
    progress = progress_frame(overview.headline_kpis)
    if len(progress):
        charts.append(
            memo_chart(
                "fig-kpi-progress",
                _("重点指标：自基期至本年度目标的进度"),
                progress,
                kpi_progress,
            )
        )
    return charts


def kpi_charts(kpis: Sequence[KpiSeries], today: dt.date) -> list[dict[str, Any]]:
    """One trajectory chart per KPI that has targets or values."""
    return [
        chart(
            f"fig-kpi-{k.kpi.pk}",
            k.name,
            kpi_trajectory_figure(k, today, show_title=False),
            summary=kpi_summary(k),
            doubts=[
                (f"{when:%Y-%m-%d} {number(value, 2)} {display_unit(k.unit)}", k.doubts[when])
                for when, value in k.values
                if when in k.doubts
            ],
        )
        for k in kpis
        if k.targets or k.values
    ]


def kpi_summary(series: KpiSeries) -> str:
    """One sentence a screen reader (and the PDF) can use instead of the chart."""
    parts = []
    if series.latest:
        parts.append(
            _("最新值 %(value)s %(unit)s（%(date)s）")
            % {"value": number(series.latest[1], 2), "unit": series.unit, "date": series.latest[0]}
        )
    if series.projection:
        p = series.projection
        parts.append(
            _("按趋势预计 %(date)s 为 %(projected)s，目标 %(target)s")
            % {
                "date": p.target_date,
                "projected": number(p.projected, 2),
                "target": number(p.target, 2),
            }
        )
    return _("；").join(parts)


def gantt_chart(
    rows: Sequence[ProjectRow],
    milestones: Sequence[MilestoneRow],
    today: dt.date,
    max_rows: int = 60,
) -> dict[str, Any] | None:
    """The Gantt of the milestones; past `max_rows` only the open ones are drawn (and said so)."""
    if not milestones:
        return None
    title = _("里程碑时间轴（计划与实际）")
    if len(milestones) > max_rows:
        open_ones = [m for m in milestones if m.state in ("due", "overdue")]
        # Closest due dates first: what is late or next matters most on a crowded chart.
        milestones = sorted(open_ones, key=lambda m: m.due_date)[:max_rows]
        title = _("未完成里程碑（共 %(count)d 个，显示最早到期的 %(shown)d 个）") % {
            "count": len(open_ones),
            "shown": len(milestones),
        }
        if not milestones:
            return None
    frame = gantt_frame(milestones, project_starts(rows), with_project=len(rows) > 1)
    return chart("fig-gantt", title, milestone_gantt(frame, today=today))


def location_chart(row: ProjectRow) -> dict[str, Any] | None:
    """The project's prefecture highlighted on the map of Sichuan, with the project's point."""
    project = row.project
    if project.region is None and project.lon is None:
        return None
    values = pd.DataFrame(
        [{"adcode": project.region.code, "value": 1.0, "label": row.region_name}]
        if project.region
        else [],
        columns=["adcode", "value", "label"],
    )
    points = pd.DataFrame(
        [
            {
                "lon": project.lon,
                "lat": project.lat,
                "name": row.name,
                "status": row.status.rag,
                "url": row.url,
                "hover": row.name,
            }
        ]
        if project.lon is not None and project.lat is not None
        else [],
        columns=["lon", "lat", "name", "status", "url", "hover"],
    )
    fig = prefecture_choropleth(
        values, metric_label=_("所在市州"), points=points, show_scale=False
    )
    fig.update_layout(height=300)
    return chart("fig-location", _("项目位置"), fig)


def project_investment_charts(
    figures: InvestmentFigures, doubts: Sequence[tuple[str, str]] = ()
) -> dict[str, dict[str, Any] | None]:
    """The project page's (and briefing's) two charts, None where there is nothing to draw;
    ``doubts`` (``investment_doubts``) are listed beside the months chart as 存疑."""
    months = month_frame(figures)
    funding = funding_frame(figures)
    return {
        "months": chart(
            "fig-investment-months",
            _("%(year)s 年月度投资：计划与完成") % {"year": figures.year},
            investment_months(months, year=figures.year),
            summary=months_summary(figures),
            doubts=doubts,
        )
        if len(months)
        else None,
        "funding": chart("fig-funding", _("资金来源：计划与到位"), funding_bars(funding))
        if len(funding)
        else None,
    }
