"""Read endpoints of the tracked program: initiatives, projects, milestones, KPIs."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router

from ..models import Kpi, Project, ProjectStatus, StatusChange
from ..readmodel import change_status
from ..selectors.program import initiative_rows, project_status_row, stored_status
from ..selectors.records import (
    ProjectFilters,
    initiative_get,
    kpi_get,
    kpi_search,
    milestone_get,
    milestone_search,
    project_get,
    project_search,
)
from ..status import Status
from ..types import ApiRequest
from .errors import ONE_ERRORS, READ_ERRORS
from .pagination import PageIn, page_of
from .schemas import (
    InitiativeOut,
    InitiativePage,
    KpiFilter,
    KpiOut,
    KpiPage,
    MilestoneFilter,
    MilestoneOut,
    MilestonePage,
    ProjectFilter,
    ProjectOut,
    ProjectPage,
    StatusChangePage,
    kpi_value_out,
    milestone_out,
)

router = Router(tags=["program"])


def _status(status: Status, revision: int) -> dict[str, Any]:
    return {
        "rag": status.rag,
        "explanation": status.explanation,
        "as_of": status.as_of,
        "revision": revision,
    }


def _initiative_rows(request: ApiRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": row.initiative.code,
            "name_zh": row.initiative.name_zh,
            "name_en": row.initiative.name_en,
            "lead_department_zh": row.initiative.lead_department_zh,
            "lead_department_en": row.initiative.lead_department_en,
            "order": row.initiative.order,
            "colour": row.initiative.colour,
            "project_count": row.project_count,
            "status": _status(row.status, row.revision),
        }
        for row in initiative_rows(request.auth)
    ]


@router.get(
    "/initiatives",
    response={200: InitiativePage, **READ_ERRORS},
    operation_id="list_initiatives",
    summary="四个大后方+一个创新探索，含计算状态与原因",
)
def list_initiatives(request: ApiRequest, page: Query[PageIn]) -> dict[str, Any]:
    return page_of(_initiative_rows(request), page)


@router.get(
    "/initiatives/{code}",
    response={200: InitiativeOut, **ONE_ERRORS},
    operation_id="get_initiative",
    summary="一个任务方向，含计算状态与原因",
)
def get_initiative(request: ApiRequest, code: str) -> dict[str, Any]:
    for row in _initiative_rows(request):
        if row["code"] == code:
            return row
    raise Http404(_("任务方向不存在。"))


def _history_page(changes: Any, page: PageIn) -> dict[str, Any]:
    """Newest first; `history_starts` says from when anything was recorded at all."""
    result = page_of(changes.order_by("-day", "-pk"), page)
    first = changes.order_by("day", "pk").values_list("day", flat=True).first()
    result["history_starts"] = first
    result["items"] = [
        {
            "day": c.day,
            "from_rag": c.from_rag or None,
            "to_rag": c.to_rag,
            "colour_changed": c.is_colour_change,
            "explanation": change_status(c).explanation,
            "recorded_at": c.recorded_at,
        }
        for c in result["items"]
    ]
    return result


@router.get(
    "/initiatives/{code}/status-history",
    response={200: StatusChangePage, **ONE_ERRORS},
    operation_id="list_initiative_status_history",
    summary="一个任务方向的状态变化记录（新在前）：原状态、新状态、生效日期与当时的原因",
)
def list_initiative_status_history(request: ApiRequest, code: str, page: Query[PageIn]) -> Any:
    initiative = initiative_get(request.auth, code)
    return _history_page(StatusChange.objects.filter(initiative=initiative), page)


def _project_out(project: Project, row: ProjectStatus | None) -> dict[str, Any]:
    region = project.region
    return {
        "id": project.pk,
        "code": project.code,
        "initiative": project.initiative.code,
        "name_zh": project.name_zh,
        "name_en": project.name_en,
        "owner_org": project.owner_org,
        "region": (
            {"code": region.code, "name_zh": region.name_zh, "name_en": region.name_en}
            if region
            else None
        ),
        "lon": project.lon,
        "lat": project.lat,
        "phase": project.phase,
        "planned_start": project.planned_start,
        "planned_end": project.planned_end,
        "actual_start": project.actual_start,
        "actual_end": project.actual_end,
        "planned_investment_yuan": project.planned_investment_yuan,
        # The approved monthly reports' total, from the read model (the project page's figure).
        "actual_investment_yuan": row.invest_completed_total_yuan if row else None,
        "owners": sorted(u.username for u in project.owners.all()),
        "status": _status(stored_status(row), row.revision if row else 0),
    }


@router.get(
    "/projects",
    response={200: ProjectPage, **READ_ERRORS},
    operation_id="list_projects",
    summary="项目列表：按任务方向、地区、状态、阶段、负责人筛选，可搜索",
)
def list_projects(
    request: ApiRequest, filters: Query[ProjectFilter], page: Query[PageIn]
) -> dict[str, Any]:
    rows = project_search(request.auth, ProjectFilters(**filters.dict()))
    result = page_of(rows, page)
    result["items"] = [_project_out(p, project_status_row(p)) for p, _s in result["items"]]
    return result


@router.get(
    "/projects/{int:project_id}",
    response={200: ProjectOut, **ONE_ERRORS},
    operation_id="get_project",
    summary="一个项目，含计算状态与原因",
)
def get_project(request: ApiRequest, project_id: int) -> dict[str, Any]:
    project = project_get(request.auth, project_id)
    return _project_out(project, ProjectStatus.objects.filter(project=project).first())


@router.get(
    "/projects/{project_id}/status-history",
    response={200: StatusChangePage, **ONE_ERRORS},
    operation_id="list_project_status_history",
    summary="一个项目的状态变化记录（新在前）：原状态、新状态、生效日期与当时的原因",
)
def list_project_status_history(request: ApiRequest, project_id: int, page: Query[PageIn]) -> Any:
    project = project_get(request.auth, project_id)
    return _history_page(StatusChange.objects.filter(project=project), page)


@router.get(
    "/milestones",
    response={200: MilestonePage, **READ_ERRORS},
    operation_id="list_milestones",
    summary="里程碑列表：按项目、状态、计划完成日期筛选",
)
def list_milestones(
    request: ApiRequest, filters: Query[MilestoneFilter], page: Query[PageIn]
) -> dict[str, Any]:
    result = page_of(milestone_search(request.auth, **filters.dict()), page)
    result["items"] = [milestone_out(m) for m in result["items"]]
    return result


@router.get(
    "/milestones/{int:milestone_id}",
    response={200: MilestoneOut, **ONE_ERRORS},
    operation_id="get_milestone",
    summary="一个里程碑（含乐观锁版本号）",
)
def get_milestone(request: ApiRequest, milestone_id: int) -> dict[str, Any]:
    return milestone_out(milestone_get(request.auth, milestone_id))


def _kpi_out(kpi: Kpi) -> dict[str, Any]:
    return {
        "id": kpi.pk,
        "code": kpi.code,
        "initiative": kpi.initiative.code if kpi.initiative else None,
        "project_id": kpi.project_id,
        "name_zh": kpi.name_zh,
        "name_en": kpi.name_en,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "frequency": kpi.frequency,
        "baseline_value": kpi.baseline_value,
        "baseline_date": kpi.baseline_date,
        "definition": kpi.definition,
        "definition_version": kpi.definition_version,
        "targets": [{"target_date": t.target_date, "value": t.value} for t in kpi.targets.all()],
        "values": [kpi_value_out(v) for v in kpi.values.all()],
    }


@router.get(
    "/kpis",
    response={200: KpiPage, **READ_ERRORS},
    operation_id="list_kpis",
    summary="关键指标：目标轨迹与填报值（已审核值与待审核值分开标注）",
)
def list_kpis(
    request: ApiRequest, filters: Query[KpiFilter], page: Query[PageIn]
) -> dict[str, Any]:
    result = page_of(kpi_search(request.auth, **filters.dict()), page)
    result["items"] = [_kpi_out(k) for k in result["items"]]
    return result


@router.get(
    "/kpis/{int:kpi_id}",
    response={200: KpiOut, **ONE_ERRORS},
    operation_id="get_kpi",
    summary="一个关键指标：目标轨迹与填报值",
)
def get_kpi(request: ApiRequest, kpi_id: int) -> dict[str, Any]:
    return _kpi_out(kpi_get(request.auth, kpi_id))
