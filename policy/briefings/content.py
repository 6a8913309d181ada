"""What a briefing says, computed from its facts: summary sentences and the figures used.

Pure functions (no queries): `briefing_facts` loads everything first. They write in the
active language (the renderer runs them inside `translation.override`). Sentences carry
numbers only — no filler — and are translated through gettext like every other string.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from indicators.analytics.results import PowerBriefing

from ..formatting import percent, yuan
from ..i18n import english
from ..status import Rag
from .selectors import BriefingFacts, InitiativeSection, KpiLine


def fmt(value: float | None, decimals: int = 2) -> str:
    """A figure with thousands separators and no trailing zeros ("22,000", "0.5")."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(day: dt.date | None) -> str:
    if day is None:
        return "—"
    if english():
        return day.strftime("%d %b %Y")
    return f"{day.year}年{day.month}月{day.day}日"


def status_counts(facts: BriefingFacts) -> dict[str, int]:
    counts = {str(rag): 0 for rag in (Rag.GREEN, Rag.AMBER, Rag.RED, Rag.GREY)}
    for section in facts.initiatives:
        counts[section.status.rag] += 1
    return counts


def _kpi_sentence(section: InitiativeSection, kpi: KpiLine) -> str:
    text = _("%(initiative)s：%(kpi)s %(value)s %(unit)s（%(date)s）") % {
        "initiative": section.initiative.short_en if english() else section.initiative.short_zh,
        "kpi": kpi.name,
        "value": fmt(kpi.latest),
        "unit": kpi.unit,
        "date": _date(kpi.latest_date),
    }
    if kpi.target is not None and kpi.attainment_pct is not None:
        text += _(
            "，自基期至 %(date)s 目标 %(target)s %(unit)s 已走完 %(pct)s%%（%(direction)s）"
        ) % {
            "date": _date(kpi.target_date),
            "target": fmt(kpi.target),
            "unit": kpi.unit,
            "pct": fmt(kpi.attainment_pct, 0),
            "direction": _("越高越好") if kpi.higher_is_better else _("越低越好"),
        }
    return text + _("。")


def executive_summary(facts: BriefingFacts) -> list[str]:
    """Four to a dozen sentences, every one with figures from the facts."""
    counts = status_counts(facts)
    projects = sum(s.project_count for s in facts.initiatives)
    done = sum(len(s.completed) for s in facts.initiatives)
    overdue = [m for s in facts.initiatives for m in s.overdue]
    late_days = settings.STATUS_AMBER_MAX_OVERDUE_DAYS
    kpis = [k for s in facts.initiatives for k in s.kpis if k.rag != Rag.GREY]
    sentences = [
        _(
            "截至%(date)s，%(n)d 个任务方向中绿灯 %(green)d 个、黄灯 %(amber)d 个、"
            "红灯 %(red)d 个，共跟踪项目 %(projects)d 个。"
        )
        % {
            "date": _date(facts.as_of),
            "n": len(facts.initiatives),
            **counts,
            "projects": projects,
        },
        _(
            "本期完成里程碑 %(done)d 个；逾期未完成 %(overdue)d 个，"
            "其中逾期超过 %(days)d 天的 %(late)d 个。"
        )
        % {
            "done": done,
            "overdue": len(overdue),
            "days": late_days,
            "late": sum(1 for m in overdue if m.days_overdue > late_days),
        },
        _("%(total)d 项关键指标中，%(ok)d 项预计按期达标，%(behind)d 项预计未达标。")
        % {
            "total": len(kpis),
            "ok": sum(1 for k in kpis if k.rag == Rag.GREEN),
            "behind": sum(1 for k in kpis if k.rag != Rag.GREEN),
        },
    ]
    missing = [s for s in facts.initiatives if not s.has_record]
    if missing:
        sentences.append(
            _("其中 %(n)d 个任务方向截至该日尚无状态记录（状态记录始于 %(since)s）。")
            % {
                "n": len(missing),
                "since": _date(facts.history_starts) if facts.history_starts else "—",
            }
        )
    for section in facts.initiatives:
        if section.status.rag == Rag.RED:
            sentences.append(
                _("%(name)s为红灯：%(why)s")
                % {"name": section.name, "why": section.status.explanation}
            )
    for section in facts.initiatives:
        kpi = section.headline_kpi
        if kpi is not None and kpi.latest is not None:
            sentences.append(_kpi_sentence(section, kpi))
    sentences += investment_sentences(facts)
    sentences.append(
        _(
            "外部指标 %(n)d 个序列，较上期简报有新数据的 %(new)d 个，"
            "来源过期或数据滞后的 %(stale)d 个；数据来源 %(sources)d 个，过期 %(old)d 个。"
        )
        % {
            "n": len(facts.indicators),
            "new": sum(1 for i in facts.indicators if i.is_new),
            "stale": len(facts.stale_indicators),
            "sources": len(facts.sources),
            "old": len(facts.stale_sources),
        }
    )
    return sentences


def investment_sentences(facts: BriefingFacts) -> list[str]:
    """The year's plan, the approved completion and the projects behind the elapsed time."""
    inv = facts.investment
    if inv is None or inv.programme.plan is None:
        return []
    p = inv.programme
    sentences = [
        _(
            "本年计划投资 %(plan)s，截至 %(month)s 月已审核完成 %(completed)s，完成率 "
            "%(rate)s，时间进度 %(elapsed)s。"
        )
        % {
            "plan": yuan(p.plan),
            "month": p.month or "—",
            "completed": yuan(p.completed),
            "rate": percent(p.rate),
            "elapsed": percent(p.elapsed),
        }
    ]
    if inv.behind:
        names = _("、").join(line.name for line in inv.behind[:5])
        sentences.append(
            _("投资完成落后时间进度的项目 %(n)d 个：%(names)s%(more)s。")
            % {
                "n": len(inv.behind),
                "names": names,
                "more": _("等") if len(inv.behind) > 5 else "",
            }
        )
    return sentences


def _investment_figures(facts: BriefingFacts) -> dict[str, Any] | None:
    inv = facts.investment
    if inv is None or inv.programme.plan is None:
        return None
    p = inv.programme
    return {
        "plan_yuan": str(p.plan),
        "completed_yuan": str(p.completed),
        "rate": p.rate,
        "elapsed": p.elapsed,
        "month": p.month,
        "behind": [line.project.code for line in inv.behind],
    }


def power_sentences(power: PowerBriefing) -> list[str]:
    """The compute–power section's sentences: each Sichuan figure against each other city."""
    sentences = []
    for own in power.sichuan:
        for other in power.others:
            gap = (own.row.value - other.row.value) / other.row.value * 100
            values = {
                "area": own.name,
                "value": fmt(own.row.value, 1),
                "period": own.row.period,
                "other": other.name,
                "other_value": fmt(other.row.value, 1),
                "other_period": other.row.period,
                "gap": fmt(abs(gap), 1),
            }
            if gap >= 0:
                text = _(
                    "%(area)s每 P 每月电费 %(value)s 元（%(period)s），"
                    "较%(other)s的 %(other_value)s 元（%(other_period)s）高 %(gap)s%%。"
                )
            else:
                text = _(
                    "%(area)s每 P 每月电费 %(value)s 元（%(period)s），"
                    "较%(other)s的 %(other_value)s 元（%(other_period)s）低 %(gap)s%%。"
                )
            sentences.append(text % values)
    return sentences


def _power_figures(power: PowerBriefing | None) -> dict[str, Any] | None:
    if power is None:
        return None
    return {
        "cost_per_p_month": {
            line.area.code: {"value": line.row.value, "period": line.row.period}
            for line in power.lines
        },
        "scenarios": {
            str(line.scenario.pk): line.answer.scenario.cost_per_p_month
            if line.answer is not None and line.answer.scenario is not None
            else None
            for line in power.scenarios
        },
    }


def summary_figures(facts: BriefingFacts) -> dict[str, Any]:
    """The figures the document was written from, stored on the Briefing row (JSON)."""
    return {
        "as_of": facts.as_of.isoformat(),
        "period_start": facts.period.start.isoformat(),
        "period_end": facts.period.end.isoformat(),
        "status_counts": status_counts(facts),
        "history_starts": facts.history_starts.isoformat() if facts.history_starts else None,
        "colour_changes": [
            {
                "day": c.day.isoformat(),
                "subject": c.subject,
                "name": c.name,
                "from": c.from_rag,
                "to": c.to_rag,
            }
            for c in facts.colour_changes
        ],
        "initiatives": {
            s.initiative.code: {
                "status": s.status.rag,
                "explanation": s.status.explanation,
                "projects": s.project_count,
                "milestones_completed": len(s.completed),
                "milestones_overdue": len(s.overdue),
                "kpis": {
                    k.code: {
                        "latest": k.latest,
                        "latest_date": k.latest_date.isoformat() if k.latest_date else None,
                        "target": k.target,
                        "target_date": k.target_date.isoformat() if k.target_date else None,
                        "attainment_pct": round(k.attainment_pct, 1)
                        if k.attainment_pct is not None
                        else None,
                        "status": k.rag,
                    }
                    for k in s.kpis
                },
            }
            for s in facts.initiatives
        },
        "indicator_series": len(facts.indicators),
        "indicators_new_since_previous": sorted(
            {f"{i.code}/{i.area}" for i in facts.indicators if i.is_new}
        ),
        "stale_indicators": sorted({i.code for i in facts.stale_indicators}),
        "stale_sources": [s.name for s in facts.stale_sources],
        "power": _power_figures(facts.power),
        "investment": _investment_figures(facts),
    }
