"""The project list (filters, sorting, pages, export) and the search page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..exports import projects_csv, projects_xlsx
from ..permissions import require_read
from ..selectors.projects import (
    PAGE_SIZE,
    SORTS,
    ProjectListQuery,
    filter_choices,
    parse_sort,
    project_list,
    project_list_rows,
)
from ..selectors.records import ProjectFilters
from ..selectors.search import normalise_query, site_search
from ..types import AuthenticatedRequest

FILTERS = ("initiative", "region", "status", "phase", "owner", "q")


def _filters(request: AuthenticatedRequest) -> ProjectFilters:
    values = {name: (request.GET.get(name) or "").strip()[:100] or None for name in FILTERS}
    return ProjectFilters(**values)


def _query_string(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@login_required
@require_GET
def project_list_view(request: AuthenticatedRequest) -> HttpResponse:
    """Every project, filtered by initiative, city, status, phase, owner or text; sorted and
    paged on the server; ``?format=csv`` or ``xlsx`` downloads the whole filtered list."""
    require_read(request.user)
    filters = _filters(request)
    sort = parse_sort(request.GET.get("sort"))
    projects = project_list(request.user, ProjectListQuery(filters, sort))
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if export == "csv":
            response = HttpResponse(projects_csv(projects), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                projects_xlsx(projects),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="projects-{stamp}.{export}"'
        return response
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {name: getattr(filters, name) for name in FILTERS}
    columns = []
    for key in ("name", "status", "initiative", "region", "phase", "progress", "due"):
        current = sort.lstrip("-") == key
        descending = current and sort.startswith("-")
        columns.append(
            {
                "key": key,
                "current": current,
                "aria": ("descending" if descending else "ascending") if current else "none",
                # A click on the current column flips it; on another, sorts it ascending.
                "href": "?" + _query_string(params, sort=(key if descending else f"-{key}"))
                if current
                else "?" + _query_string(params, sort=key),
            }
        )
    context = {
        "page_obj": page,
        "rows": project_list_rows(list(page.object_list)),
        "filters": filters,
        "choices": filter_choices(),
        "sort": sort,
        "columns": {c["key"]: c for c in columns},
        "sorts": list(SORTS),
        "page_query": _query_string(params, sort=sort),
        "export_csv": "?" + _query_string(params, sort=sort, format="csv"),
        "export_xlsx": "?" + _query_string(params, sort=sort, format="xlsx"),
        "filtered": any(getattr(filters, name) for name in FILTERS),
    }
    return render(request, "policy/project_list.html", context)


@login_required
@require_GET
def search_view(request: AuthenticatedRequest) -> HttpResponse:
    """``/search/?q=``: projects, milestones, KPIs and indicators whose name or code matches."""
    require_read(request.user)
    q = normalise_query(request.GET.get("q"))
    return render(request, "policy/search.html", {"q": q, "result": site_search(request.user, q)})
