"""Briefing → PDF bytes: facts from the selector, charts as SVG, a Django template, WeasyPrint.

`briefing_render` writes nothing: it returns the document (or raises). The service stores
it. Rendering runs inside `translation.override(briefing.language)`, so the same template
makes the Chinese and the English briefing.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..charts.briefing import initiative_status_bars, kpi_attainment_bars, kpi_trajectory
from ..charts.export import figure_to_svg
from ..exceptions import BriefingError
from ..models import Briefing
from ..selectors.briefing import BriefingFacts, InitiativeSection, briefing_facts
from . import content
from .periods import BriefingPeriod, parse_period

TEMPLATE = "pdf/briefing.html"


@dataclass(frozen=True)
class RenderedBriefing:
    pdf: bytes
    page_count: int
    summary: dict[str, Any]


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _rag_labels() -> dict[str, str]:
    return {
        "green": pgettext("chart legend", "绿灯"),
        "amber": pgettext("chart legend", "黄灯"),
        "red": pgettext("chart legend", "红灯"),
        "grey": pgettext("chart legend", "无数据"),
    }


def _initiative_charts(section: InitiativeSection, lang: str) -> dict[str, str]:
    charts = {}
    bars = content.attainment_frame(section)
    if len(bars):
        fig = kpi_attainment_bars(
            bars,
            title=_("关键指标完成度（最新值 / 下一目标）"),
            target_label=_("目标"),
            lang=lang,
        )
        charts["attainment"] = _svg_uri(figure_to_svg(fig, width=760, height=90 + 40 * len(bars)))
    kpi = section.headline_kpi
    if kpi is not None:
        fig = kpi_trajectory(
            content.trajectory_frame(kpi),
            title=_("%(kpi)s：实际值与目标") % {"kpi": kpi.name},
            unit=kpi.unit,
            actual_label=_("实际（已审核）"),
            target_label=_("目标"),
            lang=lang,
        )
        charts["trajectory"] = _svg_uri(figure_to_svg(fig, width=760, height=270))
    return charts


def briefing_context(facts: BriefingFacts, *, issued_on: Any) -> dict[str, Any]:
    """Template context: facts, sentences and charts (as data: URIs, nothing fetched)."""
    lang = facts.lang
    status_fig = initiative_status_bars(
        content.status_frame(facts),
        title=_("各任务方向项目状态（个）"),
        labels=_rag_labels(),
        lang=lang,
    )
    return {
        "facts": facts,
        "lang": lang,
        "english": lang.startswith("en"),
        "period_label": facts.period.label(lang),
        "issuer": settings.BRIEFING_ISSUER_EN
        if lang.startswith("en")
        else settings.BRIEFING_ISSUER_ZH,
        "issued_on": issued_on,
        "summary": content.executive_summary(facts),
        "status_chart": _svg_uri(figure_to_svg(status_fig, width=760, height=260)),
        "sections": [
            {"section": s, "charts": _initiative_charts(s, lang)} for s in facts.initiatives
        ],
        "late_days": settings.STATUS_AMBER_MAX_OVERDUE_DAYS,
    }


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher for data: URIs only: a PDF must never reach for the network.

    Anything else (a stray http:// or file:// in a template) fails the render loudly instead
    of producing a document with a hole in it.
    """
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint 68+
    except ImportError:  # pragma: no cover — older WeasyPrint takes a plain function
        from weasyprint.urls import default_url_fetcher

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith("data:"):
                raise BriefingError(f"the briefing refers to {url}; only data: URIs are allowed")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """PDF bytes and page count; fonts (Noto CJK) are found by fontconfig and embedded."""
    from weasyprint import HTML

    try:
        from weasyprint.urls import FatalURLFetchingError
    except ImportError:  # pragma: no cover — older WeasyPrint raises our BriefingError itself
        FatalURLFetchingError = BriefingError
    try:
        document = HTML(string=html, url_fetcher=_data_only_fetcher()).render()
    except FatalURLFetchingError as exc:  # a BaseException: would slip past `except Exception`
        raise BriefingError(
            _("简报模板引用了外部资源（%(what)s）；简报只能使用内嵌数据，不能联网。")
            % {"what": exc}
        ) from None
    return document.write_pdf(), len(document.pages)


def render_period(period: BriefingPeriod, *, lang: str, kind_label: str) -> RenderedBriefing:
    """Render the briefing of `period` in `lang` (the work behind `briefing_render`)."""
    started = time.perf_counter()
    with translation.override(lang):
        facts = briefing_facts(period, lang=lang)
        context = briefing_context(facts, issued_on=timezone.localdate())
        context["kind_label"] = kind_label
        html = render_to_string(TEMPLATE, context)
        pdf, pages = html_to_pdf(html)
    summary = content.summary_figures(facts)
    summary["executive_summary"] = context["summary"]
    summary["render_seconds"] = round(time.perf_counter() - started, 2)
    return RenderedBriefing(pdf, pages, summary)


def briefing_render(briefing: Briefing) -> RenderedBriefing:
    """The briefing's PDF. Writes nothing; raises BriefingError (or ChartExportError)."""
    period = parse_period(briefing.kind, briefing.period)
    with translation.override(briefing.language):
        kind_label = str(briefing.get_kind_display())
    return render_period(period, lang=briefing.language, kind_label=kind_label)
