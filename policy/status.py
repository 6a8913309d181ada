"""Project, initiative and KPI status (RAG), computed from facts and never typed.

Pure functions: `policy.readmodel` loads milestones, KPIs, targets and values in a fixed
number of queries, passes plain facts here and stores the result. Rules (DESIGN.md): green —
no milestone overdue and every KPI projected to reach its next target; amber — a milestone
overdue up to `amber_max_overdue_days` or a KPI projected at most `amber_max_kpi_shortfall`
short; red — worse.

Each status carries its reasons as data (`Reason`: a code and JSON-safe parameters holding both
languages' names, numbers and dates), rendered into sentences at display time in the active
language. Reasons hold due dates, not day counts, so one stored status explains itself for
any day it is shown for ("逾期 31 天" on the day it was computed, 45 on a later cut-off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .i18n import english
from .units import display_unit


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
RAGS = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY)


@dataclass(frozen=True)
class Thresholds:
    amber_max_overdue_days: int = 30
    amber_max_kpi_shortfall: float = 0.10
    # Investment: completion behind the elapsed share of the year by more than the first →
    # amber, by more than the second → red (fractions: 0.10 is ten percentage points).
    investment_amber_lag: float = 0.10
    investment_red_lag: float = 0.25

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            settings.STATUS_AMBER_MAX_OVERDUE_DAYS,
            settings.STATUS_AMBER_MAX_KPI_SHORTFALL,
            settings.STATUS_INVESTMENT_AMBER_LAG,
            settings.STATUS_INVESTMENT_RED_LAG,
        )


@dataclass(frozen=True)
class MilestoneFact:
    """A milestone as the rules see it. `title` is the Chinese title, `title_en` the English
    one (may be blank: then Chinese is shown)."""

    title: str
    due_date: dt.date
    is_open: bool
    title_en: str = ""


@dataclass(frozen=True)
class KpiFact:
    """A KPI with its trajectory. `values` are approved (date, value) pairs, any order.

    `name` is the Chinese name, `name_en` the English one (may be blank).
    """

    name: str
    unit: str
    higher_is_better: bool
    targets: Sequence[tuple[dt.date, float]]
    values: Sequence[tuple[dt.date, float]]
    baseline: tuple[dt.date, float] | None = None
    name_en: str = ""


@dataclass(frozen=True)
class InvestmentFact:
    """A project's investment of the year as the rule sees it (`policy.investment.year_progress`).

    `month` is the month it is judged at, `through_month` the last approved month (0: none);
    amounts in yuan as plain decimal strings, so the reason holds them exactly.
    """

    year: int
    month: int
    through_month: int
    plan: str
    completed: str
    rate: float
    elapsed: float


@dataclass(frozen=True)
class Projection:
    target_date: dt.date
    target: float
    projected: float
    shortfall: float  # fraction of |target| by which the projection misses; <= 0 means on track


@dataclass(frozen=True)
class Reason:
    """Why a status is what it is, as data: `code` names the sentence, `params` fill it."""

    code: str
    params: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(str(data["code"]), dict(data.get("params", {})))

    def text(self, on: dt.date) -> str:
        """The sentence in the active language, day counts as of `on`."""
        return _render_reason(self, on)


@dataclass(frozen=True)
class Status:
    rag: Rag
    reasons: tuple[Reason, ...] = field(default=())
    as_of: dt.date | None = None  # the day the status was computed for (day counts use it)

    @property
    def sentences(self) -> list[str]:
        on = self.as_of or dt.date.today()
        return [r.text(on) for r in self.reasons]

    @property
    def explanation(self) -> str:
        sentences = self.sentences
        if sentences:
            # Chinese full-width punctuation would look wrong inside English sentences.
            if english():
                return "; ".join(sentences) + "."
            return "；".join(sentences) + "。"
        if self.rag == Rag.GREY:
            return _("暂无里程碑和指标数据，无法判断状态。")
        return _("里程碑均按期推进，关键指标预计按期达标。")

    def reasons_json(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.reasons]


def _pick(zh: str, en: str) -> str:
    return (en or zh) if english() else zh


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _render_reason(reason: Reason, on: dt.date) -> str:
    p = reason.params
    if reason.code == "milestones_overdue":
        names = _("、").join(
            _("%(title)s（逾期 %(days)d 天）")
            % {
                "title": _pick(i["title_zh"], i["title_en"]),
                "days": (on - dt.date.fromisoformat(i["due"])).days,
            }
            for i in p["items"]
        )
        return _("%(count)d 个里程碑逾期：%(names)s%(more)s") % {
            "count": p["count"],
            "names": names,
            "more": _("等") if p["more"] else "",
        }
    if reason.code == "kpi_shortfall":
        return _(
            "指标“%(name)s”预计 %(date)s 为 %(projected)s %(unit)s，"
            "与目标 %(target)s %(unit)s 相差 %(pct).0f%%"
        ) % {
            "name": _pick(p["name_zh"], p["name_en"]),
            "date": p["date"],
            "unit": display_unit(p["unit"]),
            "projected": _fmt(p["projected"]),
            "target": _fmt(p["target"]),
            "pct": p["shortfall"] * 100,
        }
    if reason.code == "investment_behind":
        return _investment_sentence(p)
    if reason.code == "projects":
        label = _("红灯") if p["level"] == "red" else _("黄灯")
        return _("%(count)d 个项目%(label)s：%(names)s%(more)s") % {
            "count": p["count"],
            "label": label,
            "names": _("、").join(_pick(n["zh"], n["en"]) for n in p["names"]),
            "more": _("等") if p["more"] else "",
        }
    if reason.code == "no_record":
        if p.get("since"):
            return _("截至该日尚无状态记录（状态记录始于 %(since)s）") % {"since": p["since"]}
        return _("截至该日尚无状态记录")
    if reason.code == "not_computed":
        return _("状态尚未计算，将在下一次刷新后显示")
    return reason.code  # a code this version does not know (written by a newer one)


def _investment_sentence(p: Mapping[str, Any]) -> str:
    from .formatting import yuan  # formatting imports nothing of ours; kept local all the same

    numbers = {
        "year": p["year"],
        "month": p["month"],
        "plan": yuan(p["plan"]),
        "completed": yuan(p["completed"]),
        "rate": p["rate"] * 100,
        "elapsed": p["elapsed"] * 100,
        "lag": (p["elapsed"] - p["rate"]) * 100,
    }
    if not p["through_month"]:
        return (
            _(
                "%(year)d 年完成投资尚未填报（年度计划 %(plan)s，应报至 %(month)d 月，"
                "时间进度 %(elapsed).0f%%）"
            )
            % numbers
        )
    return (
        _(
            "截至 %(year)d 年 %(month)d 月累计完成投资 %(completed)s，为年度计划 %(plan)s 的 "
            "%(rate).0f%%，落后时间进度（%(elapsed).0f%%）%(lag).0f 个百分点"
        )
        % numbers
    )


def investment_rag(fact: InvestmentFact | None, limits: Thresholds) -> Rag:
    """grey — no plan or nothing due yet; green — behind the elapsed share by at most the amber
    lag; amber — by at most the red lag; red — further behind."""
    if fact is None:
        return Rag.GREY
    lag = fact.elapsed - fact.rate
    if lag <= limits.investment_amber_lag:
        return Rag.GREEN
    return Rag.AMBER if lag <= limits.investment_red_lag else Rag.RED


def _investment_reasons(
    fact: InvestmentFact | None, limits: Thresholds
) -> tuple[Rag, list[Reason]]:
    if fact is None:
        return Rag.GREEN, []  # no plan, or nothing due yet: the rule has nothing to say
    rag = investment_rag(fact, limits)
    if rag == Rag.GREEN:
        return rag, []
    params = {
        "year": fact.year,
        "month": fact.month,
        "through_month": fact.through_month,
        "plan": fact.plan,
        "completed": fact.completed,
        "rate": fact.rate,
        "elapsed": fact.elapsed,
    }
    return rag, [Reason("investment_behind", params)]


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


def target_progress(
    value: float,
    target: float,
    baseline: float | None,
    higher_is_better: bool,
) -> float | None:
    """How far a KPI has come from its baseline toward a target: 0 at the baseline, 1.0 when
    the target is met, negative when it moved the wrong way. The one rule every progress bar
    (overview, briefings) draws.

    Lower-is-better KPIs (PUE, power price) are measured the same way, along the distance from
    the baseline down to the target: 0.50 元/度 against a target of 0.48 from a baseline of
    0.50 is no progress at all, not "96 % of target". Without a baseline a higher-is-better
    KPI counts from zero (value / target); a lower-is-better one has no honest measure (None),
    unless it has met its target (1.0). A target no further than the baseline in the good
    direction is met (1.0) or not (0.0).
    """
    met = value >= target if higher_is_better else value <= target
    if baseline is None:
        if higher_is_better:
            return value / target if target else None
        return 1.0 if met else None
    span = target - baseline
    if span == 0 or (span > 0) != higher_is_better:
        return 1.0 if met else 0.0
    return (value - baseline) / span


def projection_rag(projection: Projection | None, amber_max_shortfall: float) -> Rag:
    """The colour of one KPI's projection — the one rule pages, charts and briefings show.

    grey — nothing to project; green — on track; amber — short by at most the amber limit;
    red — further short.
    """
    if projection is None:
        return Rag.GREY
    if projection.shortfall <= 0:
        return Rag.GREEN
    return Rag.AMBER if projection.shortfall <= amber_max_shortfall else Rag.RED


def _milestone_reasons(
    milestones: Iterable[MilestoneFact], today: dt.date, limits: Thresholds
) -> tuple[Rag, list[Reason]]:
    late = sorted(
        (((today - m.due_date).days, m) for m in milestones if m.is_open and m.due_date < today),
        key=lambda item: (item[0], item[1].title),
    )
    if not late:
        return Rag.GREEN, []
    worst = late[-1][0]
    rag = Rag.AMBER if worst <= limits.amber_max_overdue_days else Rag.RED
    items = [
        {"title_zh": m.title, "title_en": m.title_en, "due": m.due_date.isoformat()}
        for _days, m in reversed(late[-3:])
    ]
    return rag, [
        Reason("milestones_overdue", {"count": len(late), "items": items, "more": len(late) > 3})
    ]


def _kpi_reasons(
    kpis: Iterable[KpiFact], today: dt.date, limits: Thresholds
) -> tuple[Rag, list[Reason]]:
    rag: Rag = Rag.GREEN
    reasons: list[Reason] = []
    for kpi in kpis:
        proj = project_kpi(kpi, today)
        if proj is None or proj.shortfall <= 0:
            continue
        rag = worst_rag([rag, projection_rag(proj, limits.amber_max_kpi_shortfall)])
        reasons.append(
            Reason(
                "kpi_shortfall",
                {
                    "name_zh": kpi.name,
                    "name_en": kpi.name_en,
                    "unit": kpi.unit,
                    "date": proj.target_date.isoformat(),
                    "projected": proj.projected,
                    "target": proj.target,
                    "shortfall": proj.shortfall,
                },
            )
        )
    return rag, reasons


def worst_rag(rags: Iterable[Rag]) -> Rag:
    return max(rags, key=lambda r: RAG_ORDER[r], default=Rag.GREY)


def project_status(
    milestones: Sequence[MilestoneFact],
    kpis: Sequence[KpiFact],
    today: dt.date,
    limits: Thresholds | None = None,
    investment: InvestmentFact | None = None,
) -> Status:
    """Status of one project from its milestones, its project-level KPIs and its investment."""
    limits = limits or Thresholds.from_settings()
    if not milestones and not kpis and investment is None:
        return Status(Rag.GREY, as_of=today)
    m_rag, m_reasons = _milestone_reasons(milestones, today, limits)
    k_rag, k_reasons = _kpi_reasons(kpis, today, limits)
    i_rag, i_reasons = _investment_reasons(investment, limits)
    return Status(
        worst_rag([m_rag, k_rag, i_rag]), tuple(m_reasons + k_reasons + i_reasons), today
    )


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


ProjectName = str | tuple[str, str]  # the Chinese name, or (Chinese, English)


def _name_pair(name: ProjectName) -> dict[str, str]:
    zh, en = (name, "") if isinstance(name, str) else name
    return {"zh": zh, "en": en}


def initiative_status(
    project_statuses: Sequence[tuple[ProjectName, Status]],
    kpis: Sequence[KpiFact],
    today: dt.date,
    limits: Thresholds | None = None,
) -> Status:
    """The initiative's own KPIs combined with its projects, naming the projects responsible."""
    limits = limits or Thresholds.from_settings()
    if not project_statuses and not kpis:
        return Status(Rag.GREY, as_of=today)
    k_rag, reasons = _kpi_reasons(kpis, today, limits)
    p_rag = _projects_rag([s.rag for _, s in project_statuses])
    for level in (Rag.RED, Rag.AMBER):
        names = [name for name, s in project_statuses if s.rag == level]
        if names:
            reasons.append(
                Reason(
                    "projects",
                    {
                        "level": str(level),
                        "count": len(names),
                        "names": [_name_pair(n) for n in names[:4]],
                        "more": len(names) > 4,
                    },
                )
            )
    rag = worst_rag([k_rag if kpis else Rag.GREY, p_rag])
    return Status(rag, tuple(reasons), today)
