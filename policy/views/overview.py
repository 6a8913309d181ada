from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from indicators.selectors import key_indicator_figures

from ..briefings.selectors import briefing_last_generated_at
from ..charts.pages import overview_charts
from ..exports import investment_csv, investment_xlsx
from ..permissions import require_read
from ..revision import cached_body
from ..selectors.changes import program_changes_since, week_start
from ..selectors.dashboard import program_overview
from ..selectors.investment import investment_lines
from ..types import AuthenticatedRequest


def _overview_context(request: AuthenticatedRequest) -> dict[str, object]:
    data = program_overview(request.user)
    since = briefing_last_generated_at() or week_start()
    return {
        "overview": data,
        "charts": overview_charts(data) if data else [],
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


@login_required
@require_GET
def investment_download(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """Every project's stored investment of the year as CSV or xlsx (what the pages show)."""
    require_read(request.user)
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("只提供 CSV 和 Excel 下载。"))
    lines = investment_lines(request.user)
    if fmt == "xlsx":
        response = HttpResponse(
            investment_xlsx(lines),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(investment_csv(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="investment.{fmt}"'
    return response
