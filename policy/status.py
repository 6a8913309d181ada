"""Project and initiative status (RAG), computed from facts and never typed.

Pure functions: the selectors load milestones, KPIs, targets and approved values in a fixed
number of queries and pass plain facts here. Rules (DESIGN.md): green — no milestone overdue
and every KPI projected to reach its next target; amber — a milestone overdue up to
`amber_max_overdue_days` or a KPI projected at most `amber_max_kpi_shortfall` short; red —
worse. Each status carries the sentences that explain it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .i18n import english


# A computed status colour (DESIGN.md "Status (RAG) rules"); grey means no data yet. Members
# are strings ("green" == Rag.GREEN), so templates, CSS classes, JSON and the API see the plain
# value; the label is the word every badge and chart shows with the colour. (A comment, not a
# docstring: the OpenAPI document would publish a docstring as the enum's description.)
class Rag(models.TextChoices):
    GREY = "grey", gettext_lazy("无数据")
    GREEN = "green", gettext_lazy("绿灯")
    AMBER = "amber", gettext_lazy("黄灯")
    RED = "red", gettext_lazy("红灯")


# From no data to worst: the order of status columns and of "worst first" tables.
RAG_ORDER: dict[Rag, int] = {Rag.GREY: 0, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}


@dataclass(frozen=True)
class Thresholds:
    amber_max_overdue_days: int = 30
    amber_max_kpi_shortfall: float = 0.10

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(settings.STATUS_AMBER_MAX_OVERDUE_DAYS, settings.STATUS_AMBER_MAX_KPI_SHORTFALL)


@dataclass(frozen=True)
class MilestoneFact:
    title: str
    due_date: dt.date
    is_open: bool


@dataclass(frozen=True)
class KpiFact:
    """A KPI with its trajectory. `values` are approved (date, value) pairs, any order."""

    name: str
    unit: str
    higher_is_better: bool
    targets: Sequence[tuple[dt.date, float]]
    values: Sequence[tuple[dt.date, float]]
    baseline: tuple[dt.date, float] | None = None


@dataclass(frozen=True)
class Projection:
    target_date: dt.date
    target: float
    projected: float
    shortfall: float  # fraction of |target| by which the projection misses; <= 0 means on track


@dataclass(frozen=True)
class Status:
    rag: Rag
    reasons: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> str:
        if self.reasons:
            # Chinese full-width punctuation would look wrong inside English sentences.
            if english():
                return "; ".join(self.reasons) + "."
            return "；".join(self.reasons) + "。"
        if self.rag == Rag.GREY:
            return _("暂无里程碑和指标数据，无法判断状态。")
        return _("里程碑均按期推进，关键指标预计按期达标。")


def _linear_projection(points: Sequence[tuple[dt.date, float]], when: dt.date) -> float:
    """Least-squares line through the points, evaluated at `when` (flat for a single point)."""
    if len(points) == 1:
        return points[0][1]
    xs = [p[0].toordinal() for p in points]
    ys = [p[1] for p in points]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return ys[-1]
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my + slope * (when.toordinal() - mx)


def project_kpi(kpi: KpiFact, today: dt.date) -> Projection | None:
    """Project the KPI to its next target date (or judge the last one once it has passed)."""
    if not kpi.targets or not kpi.values:
        return None
    targets = sorted(kpi.targets)
    upcoming = [t for t in targets if t[0] >= today]
    target_date, target = upcoming[0] if upcoming else targets[-1]
    values = sorted(kpi.values)
    if upcoming:
        points = [kpi.baseline] if kpi.baseline and kpi.baseline[0] < values[0][0] else []
        projected = _linear_projection([*points, *values], target_date)
    else:
        projected = values[-1][1]
    gap = (target - projected) if kpi.higher_is_better else (projected - target)
    shortfall = gap / abs(target) if target else (0.0 if gap <= 0 else 1.0)
    return Projection(target_date, target, projected, shortfall)


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _milestone_reasons(
    milestones: Iterable[MilestoneFact], today: dt.date, limits: Thresholds
) -> tuple[Rag, list[str]]:
    late = sorted(
        ((today - m.due_date).days, m.title)
        for m in milestones
        if m.is_open and m.due_date < today
    )
    if not late:
        return Rag.GREEN, []
    worst = late[-1][0]
    rag = Rag.AMBER if worst <= limits.amber_max_overdue_days else Rag.RED
    names = "、".join(
        _("%(title)s（逾期 %(days)d 天）") % {"title": t, "days": d}
        for d, t in reversed(late[-3:])
    )
    more = _("等") if len(late) > 3 else ""
    return rag, [
        _("%(count)d 个里程碑逾期：%(names)s%(more)s")
        % {"count": len(late), "names": names, "more": more}
    ]


def _kpi_reasons(
    kpis: Iterable[KpiFact], today: dt.date, limits: Thresholds
) -> tuple[Rag, list[str]]:
    rag, reasons = Rag.GREEN, []
    for kpi in kpis:
        proj = project_kpi(kpi, today)
        if proj is None or proj.shortfall <= 0:
            continue
        rag = worst_rag([rag, projection_rag(proj, limits.amber_max_kpi_shortfall)])
        reasons.append(
            _(
                "指标“%(name)s”预计 %(date)s 为 %(projected)s %(unit)s，"
                "与目标 %(target)s %(unit)s 相差 %(pct).0f%%"
            )
            % {
                "name": kpi.name,
                "date": proj.target_date.isoformat(),
                "unit": kpi.unit,
                "projected": _fmt(proj.projected),
                "target": _fmt(proj.target),
                "pct": proj.shortfall * 100,
            }
        )
    return rag, reasons


def projection_rag(projection: Projection | None, amber_max_shortfall: float) -> Rag:
    """The colour of one KPI's projection: on track green, a little short amber, else red."""
    if projection is None:
        return Rag.GREY
    if projection.shortfall <= 0:
        return Rag.GREEN
    return Rag.AMBER if projection.shortfall <= amber_max_shortfall else Rag.RED


def worst_rag(rags: Iterable[Rag]) -> Rag:
    return max(rags, key=lambda r: RAG_ORDER[r], default=Rag.GREY)


def project_status(
    milestones: Sequence[MilestoneFact],
    kpis: Sequence[KpiFact],
    today: dt.date,
    limits: Thresholds | None = None,
) -> Status:
    """Status of one project from its milestones and its project-level KPIs."""
    limits = limits or Thresholds.from_settings()
    if not milestones and not kpis:
        return Status(Rag.GREY)
    m_rag, m_reasons = _milestone_reasons(milestones, today, limits)
    k_rag, k_reasons = _kpi_reasons(kpis, today, limits)
    return Status(worst_rag([m_rag, k_rag]), tuple(m_reasons + k_reasons))


def _projects_rag(rags: Sequence[Rag]) -> Rag:
    """Red when half or more of the projects are red; amber when any is red or amber.

    One late project out of four is a warning for the initiative, not a failure of it; the
    explanation still names the project.
    """
    if not rags:
        return Rag.GREY
    red = sum(1 for r in rags if r == Rag.RED)
    if red * 2 >= len(rags):
        return Rag.RED
    if red or Rag.AMBER in rags:
        return Rag.AMBER
    return Rag.GREEN if Rag.GREEN in rags else Rag.GREY


def initiative_status(
    project_statuses: Sequence[tuple[str, Status]],
    kpis: Sequence[KpiFact],
    today: dt.date,
    limits: Thresholds | None = None,
) -> Status:
    """The initiative's own KPIs combined with its projects, naming the projects responsible."""
    limits = limits or Thresholds.from_settings()
    if not project_statuses and not kpis:
        return Status(Rag.GREY)
    k_rag, reasons = _kpi_reasons(kpis, today, limits)
    p_rag = _projects_rag([s.rag for _, s in project_statuses])
    for level in (Rag.RED, Rag.AMBER):
        names = [name for name, s in project_statuses if s.rag == level]
        if names:
            label = str(level.label)
            more = _("等") if len(names) > 4 else ""
            reasons.append(
                _("%(count)d 个项目%(label)s：%(names)s%(more)s")
                % {
                    "count": len(names),
                    "label": label,
                    "names": "、".join(names[:4]),
                    "more": more,
                }
            )
    rag = worst_rag([k_rag if kpis else Rag.GREY, p_rag])
    return Status(rag, tuple(reasons))
