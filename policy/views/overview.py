from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from indicators.selectors import key_indicator_figures

from ..charts.pages import overview_charts
from ..permissions import require_read
from ..revision import cached_fragment
from ..selectors.briefing import briefing_last_generated_at
from ..selectors.changes import program_changes_since, week_start
from ..selectors.dashboard import program_overview


def _overview_body(request: HttpRequest, lang: str) -> str:
    data = program_overview(request.user, lang=lang)
    since = briefing_last_generated_at() or week_start()
    context = {
        "overview": data,
        "charts": overview_charts(data, lang, settings.STATUS_AMBER_MAX_KPI_SHORTFALL)
        if data
        else [],
        "changes": program_changes_since(request.user, since, lang),
        "key_figures": key_indicator_figures(request.user, lang=lang),
    }
    return render_to_string("policy/_overview_body.html", context, request=request)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The 4+1 at a glance: status of each initiative and why, milestones, headline KPIs,
    key indicators and what changed since the last briefing (or since Monday before the first).

    Every role reads the same figures, so the body is rendered once per revision of the data,
    language and day (ages and overdue days move with the date) and served from the cache.
    """
    require_read(request.user)
    lang = get_language() or settings.LANGUAGE_CODE
    body = cached_fragment(
        "overview",
        lang,
        timezone.localdate().isoformat(),
        build=lambda: _overview_body(request, lang),
    )
    return render(request, "policy/overview.html", {"body": mark_safe(body)})  # noqa: S308
