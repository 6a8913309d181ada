"""Filtered reads of projects, milestones and KPIs for the API (and any page that lists them).

Every function takes the acting user, scopes by role and runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ..models import Kpi, KpiTarget, KpiValue, Milestone, MilestoneUpdate, Project
from ..permissions import require_read
from ..status import Status
from .program import project_statuses


@dataclass(frozen=True)
class ProjectFilters:
    initiative: str | None = None
    region: str | None = None
    status: str | None = None
    phase: str | None = None
    owner: str | None = None
    q: str | None = None


def _projects(user: Any) -> QuerySet[Project]:
    require_read(user)
    return (
        Project.objects.select_related("initiative", "region")
        .prefetch_related("owners")
        .order_by("initiative__order", "code")
    )


def project_search(
    user: Any, filters: ProjectFilters, *, lang: str = "zh-hans"
) -> list[tuple[Project, Status]]:
    """Projects matching the filters with their computed status. Seven queries at most.

    Status is computed, so the status filter applies after the statuses are known.
    """
    qs = _projects(user)
    if filters.initiative:
        qs = qs.filter(initiative__code=filters.initiative)
    if filters.region:
        qs = qs.filter(region__code=filters.region)
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
    projects = list(qs.distinct())
    statuses = project_statuses(projects, lang=lang)
    rows = [(p, statuses[p.pk]) for p in projects]
    if filters.status:
        rows = [(p, s) for p, s in rows if s.rag == filters.status]
    return rows


def project_get(user: Any, pk: int, *, lang: str = "zh-hans") -> tuple[Project, Status]:
    """One project with its status, or 404."""
    project = _projects(user).filter(pk=pk).first()
    if project is None:
        raise Http404("项目不存在或无权查看。")
    return project, project_statuses([project], lang=lang)[project.pk]


def milestone_search(
    user: Any,
    *,
    project: int | None = None,
    status: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
) -> QuerySet[Milestone]:
    """Milestones by due date, filtered (a lazy queryset: the caller slices one page)."""
    require_read(user)
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


def milestone_get(user: Any, pk: int) -> Milestone:
    milestone = milestone_search(user).filter(pk=pk).first()
    if milestone is None:
        raise Http404("里程碑不存在或无权查看。")
    return milestone


def kpi_search(
    user: Any, *, initiative: str | None = None, project: int | None = None
) -> QuerySet[Kpi]:
    """KPIs with targets and every reported value (approved and pending). Three queries a page."""
    require_read(user)
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


def kpi_get(user: Any, pk: int) -> Kpi:
    kpi = kpi_search(user).filter(pk=pk).first()
    if kpi is None:
        raise Http404("指标不存在或无权查看。")
    return kpi


def milestone_update_search(
    user: Any, *, state: str | None = None, milestone: int | None = None
) -> QuerySet[MilestoneUpdate]:
    """Owners' milestone updates, newest first (a lazy queryset: the caller slices one page)."""
    require_read(user)
    qs = MilestoneUpdate.objects.select_related("submitted_by", "reviewed_by").order_by("-pk")
    if state:
        qs = qs.filter(state=state)
    if milestone is not None:
        qs = qs.filter(milestone_id=milestone)
    return qs


def milestone_update_get(user: Any, pk: int) -> MilestoneUpdate:
    update = milestone_update_search(user).filter(pk=pk).first()
    if update is None:
        raise Http404(_("更新申请不存在。"))
    return update


def kpi_value_get(user: Any, pk: int) -> KpiValue:
    require_read(user)
    row = KpiValue.objects.filter(pk=pk).first()
    if row is None:
        raise Http404(_("指标填报不存在。"))
    return row
