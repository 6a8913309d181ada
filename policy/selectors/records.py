"""The program's records for pages, the API and services: one getter per entity, and the
filtered lists the API pages through.

A getter, `<entity>_get(user, pk)`, answers 404 when the user may not read the record (a user
with no role included: existence is not leaked) and, with `write=True`, 403 when they may read
it but not change it. The lists return nothing to a user with no role. Every function runs a
fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ..models import (
    Evidence,
    Initiative,
    InvestmentReport,
    Kpi,
    KpiTarget,
    KpiValue,
    Milestone,
    MilestoneUpdate,
    Project,
)
from ..permissions import user_scope
from ..status import Status
from ..types import AnyUser
from .program import project_status_row, stored_status

# --- Getters --------------------------------------------------------------------------------


def project_get(user: AnyUser, pk: int, *, write: bool = False) -> Project:
    """The project with its initiative and region: 404 when unreadable, 403 when read-only."""
    scope = user_scope(user)
    project = (
        Project.objects.select_related("initiative", "region").filter(pk=pk).first()
        if scope.can_read
        else None
    )
    if project is None:
        raise Http404(_("项目不存在或无权查看。"))
    if write and not scope.can_write_project(project):
        raise PermissionDenied(_("您可以查看该项目，但不能修改。"))
    return project


def initiative_get(user: AnyUser, code: str) -> Initiative:
    """The initiative with this code: 404 when unknown or the user may read nothing."""
    initiative = (
        Initiative.objects.filter(code=code).first() if user_scope(user).can_read else None
    )
    if initiative is None:
        raise Http404(_("任务方向不存在。"))
    return initiative


def milestone_get(user: AnyUser, pk: int, *, write: bool = False) -> Milestone:
    """The milestone with its project (see `project_get` for 404 and 403)."""
    milestone = Milestone.objects.filter(pk=pk).first() if user_scope(user).can_read else None
    if milestone is None:
        raise Http404(_("里程碑不存在或无权查看。"))
    milestone.project = project_get(user, milestone.project_id, write=write)
    return milestone


def milestone_update_get(user: AnyUser, pk: int) -> MilestoneUpdate:
    """An owner's milestone update, 404 unless the user may read its project."""
    update = MilestoneUpdate.objects.select_related("milestone").filter(pk=pk).first()
    if update is None or not user_scope(user).can_read:
        raise Http404(_("更新申请不存在。"))
    project_get(user, update.milestone.project_id)
    return update


def kpi_get(user: AnyUser, pk: int, *, write: bool = False) -> Kpi:
    """The KPI: 404 when unreadable; with `write`, 403 unless the user may report its values
    (a project KPI: whoever may change the project; an initiative KPI: its lead and admins)."""
    scope = user_scope(user)
    kpi = Kpi.objects.select_related("project", "initiative").filter(pk=pk).first()
    if kpi is None or not scope.can_read:
        raise Http404(_("指标不存在或无权查看。"))
    if kpi.project_id is not None:
        project_get(user, kpi.project_id, write=write)
    elif write and not scope.can_approve_for(kpi.owner_initiative_id):
        raise PermissionDenied(_("只有该任务方向的牵头部门和管理员可以填报此指标。"))
    return kpi


def kpi_value_get(user: AnyUser, pk: int) -> KpiValue:
    """A reported KPI value with its KPI, 404 unless the user may read the KPI."""
    row = KpiValue.objects.select_related("kpi").filter(pk=pk).first()
    if row is None or not user_scope(user).can_read:
        raise Http404(_("指标填报不存在。"))
    kpi_get(user, row.kpi_id)
    return row


def investment_report_get(user: AnyUser, pk: int) -> InvestmentReport:
    """A monthly investment report with its project, 404 unless the user may read it."""
    row = InvestmentReport.objects.select_related("project", "entered_by").filter(pk=pk).first()
    if row is None or not user_scope(user).can_read:
        raise Http404(_("投资填报不存在。"))
    row.project = project_get(user, row.project_id)
    return row


def evidence_get(user: AnyUser, pk: int) -> Evidence:
    """An evidence file, 404 unless the user may read its milestone's project."""
    evidence = Evidence.objects.filter(pk=pk).first() if user_scope(user).can_read else None
    if evidence is None:
        raise Http404(_("文件不存在或无权查看。"))
    milestone_get(user, evidence.milestone_id)
    return evidence


# --- Lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFilters:
    initiative: str | None = None
    region: str | None = None
    status: str | None = None
    phase: str | None = None
    owner: str | None = None
    q: str | None = None


def _projects(user: AnyUser) -> QuerySet[Project]:
    if not user_scope(user).can_read:
        return Project.objects.none()
    return (
        Project.objects.select_related("initiative", "region", "status_row")
        .prefetch_related("owners")
        .order_by("initiative__order", "code")
    )


def project_search(user: AnyUser, filters: ProjectFilters) -> list[tuple[Project, Status]]:
    """Projects matching the filters with their stored status. Two queries (the projects
    with their status rows, their owners)."""
    qs = projects_filtered(user, filters)
    return [(p, stored_status(project_status_row(p))) for p in qs]


def projects_filtered(user: AnyUser, filters: ProjectFilters) -> QuerySet[Project]:
    """The projects matching the filters (lazy, with status rows, region and initiative).

    Status is the stored one (`ProjectStatus.rag`, written by policy.readmodel), never
    recomputed here. ``q`` matches names, code and responsible unit, case-insensitively.
    """
    qs = _projects(user)
    if filters.initiative:
        qs = qs.filter(initiative__code=filters.initiative)
    if filters.region:
        qs = qs.filter(region__code=filters.region)
    if filters.status:
        qs = qs.filter(status_row__rag=filters.status)
    if filters.phase:
        qs = qs.filter(phase=filters.phase)
    if filters.owner:
        qs = qs.filter(memberships__user__username=filters.owner, memberships__role="owner")
    if filters.q:
        qs = qs.filter(
            Q(name_zh__icontains=filters.q)
            | Q(name_en__icontains=filters.q)
            | Q(code__icontains=filters.q)
            | Q(owner_org__icontains=filters.q)
        )
    if filters.owner:  # the membership join can repeat a project
        qs = qs.distinct()
    return qs


def milestone_search(
    user: AnyUser,
    *,
    project: int | None = None,
    status: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
) -> QuerySet[Milestone]:
    """Milestones by due date, filtered (a lazy queryset: the caller slices one page)."""
    if not user_scope(user).can_read:
        return Milestone.objects.none()
    qs = Milestone.objects.order_by("due_date", "order", "pk")
    if project is not None:
        qs = qs.filter(project_id=project)
    if status:
        qs = qs.filter(status=status)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    return qs


def kpi_search(
    user: AnyUser, *, initiative: str | None = None, project: int | None = None
) -> QuerySet[Kpi]:
    """KPIs with targets and every reported value (approved and pending). Three queries a page."""
    if not user_scope(user).can_read:
        return Kpi.objects.none()
    qs = (
        Kpi.objects.select_related("initiative")
        .prefetch_related(
            Prefetch("targets", queryset=KpiTarget.objects.order_by("target_date")),
            Prefetch("values", queryset=KpiValue.objects.order_by("period_end")),
        )
        .order_by("initiative__order", "project_id", "order", "code")
    )
    if initiative:
        qs = qs.filter(Q(initiative__code=initiative) | Q(project__initiative__code=initiative))
    if project is not None:
        qs = qs.filter(project_id=project)
    return qs


def milestone_update_search(
    user: AnyUser, *, state: str | None = None, milestone: int | None = None
) -> QuerySet[MilestoneUpdate]:
    """Owners' milestone updates, newest first (a lazy queryset: the caller slices one page)."""
    if not user_scope(user).can_read:
        return MilestoneUpdate.objects.none()
    qs = MilestoneUpdate.objects.select_related("submitted_by", "reviewed_by").order_by("-pk")
    if state:
        qs = qs.filter(state=state)
    if milestone is not None:
        qs = qs.filter(milestone_id=milestone)
    return qs
