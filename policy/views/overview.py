from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from indicators.selectors import key_indicator_figures

from ..briefings.selectors import briefing_last_generated_at
from ..charts.pages import overview_charts
from ..permissions import require_read
from ..revision import cached_body
from ..selectors.changes import program_changes_since, week_start
from ..selectors.dashboard import program_overview
from ..types import AuthenticatedRequest


def _overview_context(request: AuthenticatedRequest) -> dict[str, object]:
    data = program_overview(request.user)
    since = briefing_last_generated_at() or week_start()
    return {
        "overview": data,
        "charts": overview_charts(data, settings.STATUS_AMBER_MAX_KPI_SHORTFALL) if data else [],
        "changes": program_changes_since(request.user, since),
        "key_figures": key_indicator_figures(request.user),
    }


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """The 4+1 at a glance: status of each initiative and why, milestones, headline KPIs,
    key indicators and what changed since the last briefing (or since Monday before the first).

    Every role reads the same figures, so the body is rendered once per revision of the data,
    language and hour (see policy.revision.cached_body) and served from the cache.
    """
    require_read(request.user)
    body = cached_body(
        request,
        "overview",
        template="policy/_overview_body.html",
        context=lambda: _overview_context(request),
    )
    return render(request, "policy/overview.html", {"body": body})
