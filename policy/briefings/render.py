"""Briefing → PDF bytes: facts from the selector, charts as SVG, a Django template, WeasyPrint.

`briefing_render` writes nothing: it returns the document (or raises). The service stores
it. Rendering runs inside `translation.override(briefing.language)`, so the same template
makes the Chinese and the English briefing.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from indicators.analytics.charts import briefing_bars, cost_comparison_figure

from ..charts.investment import completion_bars, initiative_frame
from ..charts.kpi import kpi_progress
from ..charts.pages import kpi_summary, kpi_trajectory_figure, progress_frame, status_frame
from ..charts.program import status_bars
from ..i18n import english, language
from . import content
from .exceptions import BriefingError
from .export import figures_to_svg
from .models import Briefing
from .periods import BriefingPeriod, parse_period
from .selectors import BriefingFacts, InitiativeSection, briefing_facts

TEMPLATE = "briefings/pdf/briefing.html"
# Width of a chart in CSS px: the A4 text column (176 mm) at 96 px/in is about 665 px;
# a little wider so plotly's fonts come out near the body text size once scaled down.
CHART_WIDTH = 760


@dataclass(frozen=True)
class RenderedBriefing:
    pdf: bytes
    page_count: int
    summary: dict[str, Any]


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def briefing_figures(facts: BriefingFacts) -> dict[str, go.Figure]:
    """The dashboards' own figures for this briefing (pure: facts in, figures out).

    - "status": projects by status per initiative — the overview page's chart;
    - "progress-<code>": share of this year's target per KPI — the overview's KPI chart;
    - "trajectory-<code>": the headline KPI's baseline, targets, actuals and projection —
      the initiative page's chart, with "today" at the period end;
    - "power" (monthly): cost per P per month against the comparison cities — the power-cost
      page's chart.
    """
    # The sections carry the cards' `name` and `projects_by_rag`: the same frame as the page.
    figures = {"status": status_bars(status_frame(facts.initiatives))}
    for section in facts.initiatives:
        code = section.initiative.code
        series = [k.series for k in section.kpis]
        progress = progress_frame(series)
        if len(progress):
            figures[f"progress-{code}"] = kpi_progress(progress)
        kpi = section.headline_kpi
        if kpi is not None:
            figures[f"trajectory-{code}"] = kpi_trajectory_figure(
                kpi.series, facts.as_of, show_title=False
            )
    if facts.investment is not None:
        frame = initiative_frame(facts.investment.initiatives)
        if len(frame):
            figures["investment"] = completion_bars(frame)
    if facts.power is not None and facts.power.lines:
        # The power-cost page's comparison chart, on the briefing's figures.
        # (Cities without a figure are named in the text beside it.)
        figures["power"] = cost_comparison_figure(
            briefing_bars(facts.power), unit=facts.power.unit
        )
    return figures


# Heights in the PDF as a share of the web page's: a printed page has less room than a screen,
# and the 320 px trajectory would leave each initiative's milestone tables to the next page.
EXPORT_HEIGHT = {
    "status": 0.75,
    "progress": 0.85,
    "trajectory": 0.78,
    "power": 0.8,
    "investment": 0.8,
}


def export_figures(figures: dict[str, go.Figure]) -> dict[str, str]:
    """Every figure as an SVG data: URI, sized for the printed page, exported in one batch."""
    items = []
    for key, figure in figures.items():
        scale = EXPORT_HEIGHT.get(key.split("-", 1)[0], 1.0)
        items.append((figure, CHART_WIDTH, round((figure.layout.height or 320) * scale)))
    return dict(zip(figures, map(_svg_uri, figures_to_svg(items)), strict=True))


def _section(section: InitiativeSection, charts: dict[str, str]) -> dict[str, Any]:
    code = section.initiative.code
    kpi = section.headline_kpi
    return {
        "section": section,
        "progress_chart": charts.get(f"progress-{code}"),
        "trajectory_chart": charts.get(f"trajectory-{code}"),
        "trajectory_title": kpi.name if kpi else "",
        "trajectory_summary": kpi_summary(kpi.series) if kpi else "",
    }


def briefing_context(facts: BriefingFacts, *, issued_on: dt.date) -> dict[str, Any]:
    """Template context: facts, sentences and charts (as data: URIs, nothing fetched)."""
    charts = export_figures(briefing_figures(facts))
    return {
        "facts": facts,
        "lang": language(),
        "english": english(),
        "period_label": facts.period.label(),
        "previous_label": facts.period.previous().label(),
        "issuer": settings.BRIEFING_ISSUER_EN if english() else settings.BRIEFING_ISSUER_ZH,
        "issued_on": issued_on,
        "summary": content.executive_summary(facts),
        "status_chart": charts["status"],
        "sections": [_section(s, charts) for s in facts.initiatives],
        "late_days": settings.STATUS_AMBER_MAX_OVERDUE_DAYS,
        "power_chart": charts.get("power"),
        "investment_chart": charts.get("investment"),
        "power_sentences": content.power_sentences(facts.power) if facts.power else [],
    }


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher for data: URIs only: a PDF must never reach for the network.

    Anything else (a stray http:// or file:// in a template) fails the render loudly instead
    of producing a document with a hole in it.
    """
    # WeasyPrint is imported on the first render (here and in html_to_pdf): it takes a third
    # of a second to import and only a process that renders a PDF needs it.
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
    from weasyprint import HTML  # on first use, see _data_only_fetcher

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


def render_period(period: BriefingPeriod, *, language: str, kind_label: str) -> RenderedBriefing:
    """Render the briefing of `period` in `language` (the work behind `briefing_render`).

    Everything the document says is written inside `translation.override(language)`.
    """
    started = time.perf_counter()
    with translation.override(language):
        facts = briefing_facts(period)
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
    return render_period(period, language=briefing.language, kind_label=kind_label)
