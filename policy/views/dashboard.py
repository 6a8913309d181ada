"""The initiative, project and map pages. Each view: one selector, the chart builders, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..charts.pages import (
    chart,
    gantt_chart,
    kpi_charts,
    location_chart,
    map_figures,
    project_investment_charts,
)
from ..models import Initiative
from ..permissions import require_read
from ..revision import cached_body
from ..selectors.dashboard import MAP_METRICS, initiative_detail, map_data, project_detail
from ..selectors.history import project_history
from ..selectors.investment import investment_doubts
from ..types import AuthenticatedRequest

INITIATIVE_PAGE_SIZE = 25


@login_required
def initiative(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """One initiative: projects table, KPI charts, milestone timeline across its projects."""
    require_read(request.user)
    initiative = Initiative.objects.filter(code=code).first()
    if initiative is None:
        raise Http404(_("没有这个任务方向。"))

    page_number = request.GET.get("page") or "1"
    page_number = page_number if page_number.isdigit() else "1"

    def build() -> dict[str, Any]:
        detail = initiative_detail(request.user, code)
        charts = kpi_charts(detail.kpis, detail.today)
        gantt = gantt_chart(detail.projects, detail.milestones, detail.today)
        # The table pages on the server (worst status first); the full list, with filters,
        # sorting and export, is the project list filtered to this initiative.
        page = Paginator(detail.projects, INITIATIVE_PAGE_SIZE).get_page(page_number)
        return {
            "detail": detail,
            "kpi_charts": charts,
            "gantt": gantt,
            "page_obj": page,
            "page_rows": list(page.object_list),
            "page_query": "",
        }

    # Every role sees the same initiative page: built once per data revision and served warm.
    body = cached_body(
        request,
        "initiative",
        code,
        page_number,
        template="policy/_initiative_body.html",
        context=build,
    )
    return render(
        request,
        "policy/initiative_detail.html",
        {"title": initiative.display_name(), "body": body},
    )


@login_required
def project(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One project: facts, owners, status and why, milestones, KPIs, related indicators."""
    require_read(request.user)
    detail = project_detail(request.user, pk)
    row = detail.row
    context = {
        "detail": detail,
        "row": row,
        "project": row.project,
        "kpi_charts": kpi_charts(detail.kpis, detail.today),
        "gantt": gantt_chart([row], row.milestones, detail.today),
        "location": location_chart(row),
        "investment_charts": project_investment_charts(
            row.investment, investment_doubts(detail.investment_reports, row.investment.year)
        ),
        "history_rows": project_history(request.user, row.project),
    }
    return render(request, "policy/project_detail.html", context)


def metric_labels() -> dict[str, str]:
    return {
        "projects": _("项目数"),
        "investment": _("本年完成投资（亿元）"),
        "invest_rate": _("本年投资完成率（%）"),
        "progress": _("平均进度（%）"),
        "capacity": _("项目算力（P）"),
    }


@login_required
def map_view(request: AuthenticatedRequest) -> HttpResponse:
    """Sichuan's prefectures by a chosen metric with project points; the national clusters."""
    require_read(request.user)
    metric = request.GET.get("metric", "projects")
    labels = metric_labels()
    invalid = metric not in MAP_METRICS
    if invalid:
        metric = "projects"

    def build() -> dict[str, Any]:
        data = map_data(request.user)
        figures = map_figures(data, metric, labels[metric])
        return {
            "data": data,
            "metric": metric,
            "metrics": [(m, labels[m]) for m in MAP_METRICS],
            "map_chart": chart("fig-prefectures", labels[metric], figures["fig-prefectures"]),
            "hubs_chart": chart(
                "fig-hubs",
                _("全国一体化算力网络：8 个枢纽节点、10 个数据中心集群"),
                figures["fig-hubs"],
            ),
        }

    context = {
        "invalid_metric": request.GET.get("metric") if invalid else None,
        # Every role sees the same map: built once per data revision, language, day and metric.
        "body": cached_body(
            request, "map", metric, template="policy/_map_body.html", context=build
        ),
    }
    return render(request, "policy/map.html", context, status=400 if invalid else 200)
