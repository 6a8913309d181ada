from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from ..charts.pages import overview_charts
from ..permissions import require_read
from ..selectors.changes import key_figures_from_observations, program_changes_since, week_start
from ..selectors.dashboard import program_overview


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The 4+1 at a glance: status of each initiative and why, milestones, headline KPIs,
    key indicators and what changed since the last briefing (for now: since Monday)."""
    require_read(request.user)
    lang = get_language() or settings.LANGUAGE_CODE
    data = program_overview(request.user, lang=lang)
    since = week_start()
    context = {
        "overview": data,
        "charts": overview_charts(data, lang, settings.STATUS_AMBER_MAX_KPI_SHORTFALL)
        if data
        else [],
        "changes": program_changes_since(request.user, since, lang),
        "key_figures": key_figures_from_observations(request.user, lang),
    }
    return render(request, "policy/overview.html", context)
