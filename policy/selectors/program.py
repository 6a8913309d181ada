"""Reads of the program: initiatives, projects and their computed status.

Query counts are fixed whatever the data size: each function documents how many it runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from ..i18n import english
from ..models import Initiative, Kpi, KpiTarget, KpiValue, Milestone, Project
from ..permissions import user_scope
from ..status import (
    KpiFact,
    MilestoneFact,
    Status,
    Thresholds,
    initiative_status,
    project_status,
)
from ..types import AnyUser

ProjectStatusMap = dict[int, Status]


def project_list(user: AnyUser) -> QuerySet[Project]:
    """Projects the user may read (every project for any role; none without a role)."""
    if not user_scope(user).can_read:
        return Project.objects.none()
    return Project.objects.select_related("initiative", "region")


def kpi_facts(kpis: Iterable[Kpi]) -> dict[int, KpiFact]:
    """Turn KPIs with prefetched `targets` and `values` into status facts (no queries)."""
    facts = {}
    for kpi in kpis:
        baseline = None
        if kpi.baseline_value is not None and kpi.baseline_date is not None:
            baseline = (kpi.baseline_date, float(kpi.baseline_value))
        facts[kpi.pk] = KpiFact(
            name=kpi.display_name(),
            unit=kpi.unit,
            higher_is_better=kpi.direction == "higher",
            targets=[(t.target_date, float(t.value)) for t in kpi.targets.all()],
            values=[
                (v.period_end, float(v.approved_value))
                for v in kpi.values.all()
                if v.approved_value is not None
            ],
            baseline=baseline,
        )
    return facts


def _kpis_with_trajectory() -> QuerySet[Kpi]:
    return Kpi.objects.prefetch_related(
        Prefetch("targets", queryset=KpiTarget.objects.order_by("target_date")),
        Prefetch(
            "values",
            queryset=KpiValue.objects.filter(approved_value__isnull=False).order_by("period_end"),
        ),
    )


def project_statuses(
    projects: Iterable[Project], *, today: dt.date | None = None
) -> ProjectStatusMap:
    """Status of each project. Four queries: milestones, project KPIs, targets, values."""
    today = today or timezone.localdate()
    ids = [p.pk for p in projects]
    en = english()
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for project_id, title_zh, title_en, due, status in Milestone.objects.filter(
        project_id__in=ids
    ).values_list("project_id", "title_zh", "title_en", "due_date", "status"):
        title = (title_en or title_zh) if en else title_zh
        milestones[project_id].append(
            MilestoneFact(title, due, status in ("not_started", "in_progress"))
        )
    kpis: dict[int, list[KpiFact]] = defaultdict(list)
    project_kpis = list(_kpis_with_trajectory().filter(project_id__in=ids))
    facts = kpi_facts(project_kpis)
    for kpi in project_kpis:
        if kpi.project_id is not None:  # the query asked for project KPIs only
            kpis[kpi.project_id].append(facts[kpi.pk])
    limits = Thresholds.from_settings()
    return {pid: project_status(milestones[pid], kpis[pid], today, limits) for pid in ids}


@dataclass
class InitiativeRow:
    initiative: Initiative
    project_count: int
    status: Status
    projects_by_rag: dict[str, int]


def initiative_overview(user: AnyUser, *, today: dt.date | None = None) -> list[InitiativeRow]:
    """The 4+1 with project counts and computed status. Nine queries whatever the size."""
    today = today or timezone.localdate()
    if not user_scope(user).can_read:
        return []
    # An aggregate query drops Meta.ordering (Django ≥ 3.1): order explicitly.
    initiatives = list(
        Initiative.objects.annotate(project_count=Count("projects")).order_by("order")
    )
    projects = list(Project.objects.only("pk", "initiative_id", "name_zh", "name_en"))
    statuses = project_statuses(projects, today=today)
    own_kpis = list(_kpis_with_trajectory().filter(initiative__isnull=False))
    facts = kpi_facts(own_kpis)
    rows = []
    for initiative in initiatives:
        mine = [p for p in projects if p.initiative_id == initiative.pk]
        pairs = [(p.display_name(), statuses[p.pk]) for p in mine]
        by_rag: dict[str, int] = defaultdict(int)
        for _, s in pairs:
            by_rag[s.rag] += 1
        kfacts = [facts[k.pk] for k in own_kpis if k.initiative_id == initiative.pk]
        rows.append(
            InitiativeRow(
                initiative,
                initiative.project_count,
                initiative_status(pairs, kfacts, today),
                dict(by_rag),
            )
        )
    return rows
