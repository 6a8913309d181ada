"""Formatting filters: Chinese units (万元/亿元, P), signed changes and status badges.

Names in the active language come from the models themselves: `{{ project.display_name }}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indicators.templatetags.indicators_tags import doubt_badge

from ..formatting import number, percent, signed, yuan
from ..selectors.dashboard import KpiSeries
from ..status import RAG_ORDER, Rag

register = template.Library()

register.filter(yuan)
register.filter(number)
register.filter(signed)
register.filter(percent)


@register.simple_tag
def rag_badge(rag: str) -> str:
    """A status badge whose colour is never the only cue: it always carries the word."""
    label = Rag(rag).label if rag in Rag.values else rag
    return format_html('<span class="rag rag-{}">{}</span>', rag, label)


@register.filter
def rag_label(rag: str) -> str:
    """The colour's word in the active language ("红灯" / "red")."""
    return str(Rag(rag).label) if rag in Rag.values else rag


MILESTONE_STATE_LABELS = {
    "done": gettext_noop("已完成"),
    "due": gettext_noop("未到期"),
    "overdue": gettext_noop("已逾期"),
}


@register.simple_tag
def rag_counts(counts: dict[str, int]) -> str:
    """ "红灯 2 · 黄灯 1 · 绿灯 3" with each colour word in its badge, zero counts left out."""
    parts = [
        format_html('<span class="rag rag-{}">{} {}</span>', rag, rag.label, counts[rag])
        for rag in sorted(Rag, key=RAG_ORDER.__getitem__, reverse=True)  # worst first
        if counts.get(rag)
    ]
    return format_html_join_safe(parts) if parts else "—"


@register.simple_tag
def milestone_counts(counts: dict[str, int]) -> str:
    """ "已完成 5 · 未到期 3 · 已逾期 1" (overdue highlighted)."""
    parts = [
        format_html(
            '<span class="ms ms-{}">{} {}</span>', state, _(MILESTONE_STATE_LABELS[state]), n
        )
        for state in ("done", "due", "overdue")
        if (n := counts.get(state, 0)) or state != "overdue"
    ]
    return format_html_join_safe(parts)


def format_html_join_safe(parts: Sequence[str]) -> str:
    return mark_safe(" ".join(parts))  # noqa: S308 — every part went through format_html


@register.simple_tag
def projection_text(series: KpiSeries) -> str:
    """The projection the status rules computed, as one sentence."""
    p = series.projection
    if p is None:
        return _("数据不足，无法预测")
    values = {
        "date": p.target_date.isoformat(),
        "projected": number(p.projected, 2),
        "target": number(p.target, 2),
        "unit": series.unit,
    }
    if series.rag == "green":  # the stored colour: the KPI rule lives in policy.status only
        return _("预计 %(date)s 达到 %(projected)s %(unit)s，可完成目标 %(target)s") % values
    values["pct"] = f"{p.shortfall * 100:.0f}"
    return _("预计 %(date)s 为 %(projected)s %(unit)s，距目标 %(target)s 差 %(pct)s%%") % values


@register.filter
def rag_rank(rag: str) -> int:
    """Sort key for a status column: red 3, amber 2, green 1, no data 0."""
    return RAG_ORDER[Rag(rag)] if rag in Rag.values else 0


@register.simple_tag
def more_items(items: list[Any], shown: int) -> str:
    """ "另有 N 项" under a list cut to its first `shown` items; nothing when all are shown."""
    hidden = len(items) - int(shown)
    if hidden <= 0:
        return ""
    return format_html(
        '<p class="more">{}</p>', _("另有 %(count)d 项未列出。") % {"count": hidden}
    )


@register.filter
def figure_value(figure: Any) -> str:
    """`figure.value` with `figure.decimals` places when the object has them, else one."""
    return number(getattr(figure, "value", None), getattr(figure, "decimals", 1))


@register.simple_tag
def plotly_style_markers() -> str:
    """Empty elements whose ids tell plotly.js its bundled MapLibre CSS is not wanted (CSP)."""
    from ..staticfiles import plotly_injected_style_ids  # reads plotly.min.js once, on first use

    return format_html_join(
        "", '<template id="{}"></template>', ((i,) for i in plotly_injected_style_ids())
    )


@register.filter
def unit(value: str | None) -> str:
    """A KPI's or indicator's unit in the active language (元/度 → yuan/kWh in English)."""
    # Local like plotly_style_markers' import: template libraries load before translations.
    from ..units import display_unit

    return display_unit(value)


@register.simple_tag
def entry_doubt(row: Any, approved: bool = False) -> str:
    """The 存疑 badge and comparison of an owner-entered figure (``EntryQuality``), as the
    observations show theirs (``doubt_badge``). ``approved``: the figure shown is the approved
    one, which is doubtful only when it is the flagged entry."""
    if row is None:
        return ""
    doubtful = row.approved_is_doubtful if approved else row.is_doubtful
    return doubt_badge(row.quality_text) if doubtful else ""


@register.simple_tag
def month_doubt(reports: Sequence[Any], year: int | None, month: int) -> str:
    """The 存疑 badge of a month's approved completion, from the project's recent reports
    (``ReportRow``s, already loaded: no query)."""
    for r in reports or ():
        if r.report.year == year and r.report.month == month:
            return entry_doubt(r.report, approved=True)
    return ""
