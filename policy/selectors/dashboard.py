"""Reads behind the dashboard pages: overview, initiative, project and map.

Every function loads what its page needs in a fixed number of queries (documented on each),
whatever the number of projects, milestones or KPI values, then computes in Python. Status
comes from `policy.status` through the same facts the status rules use, so a KPI chart's
projection is the very projection that decided the project's colour.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from indicators.models import Observation

from ..i18n import english
from ..models import (
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneStatus,
    MilestoneUpdate,
    Project,
    Region,
    RegionLevel,
    Role,
    UpdateState,
)
from ..permissions import user_scope
from ..status import (
    RAG_ORDER,
    KpiFact,
    MilestoneFact,
    Projection,
    Status,
    Thresholds,
    initiative_status,
    project_kpi,
    project_status,
)
from ..types import AnyUser
from .records import project_get
from .work import PendingSummary, pending_by_project


@dataclass
class MilestoneRow:
    """A milestone ready for tables and the Gantt chart (no further queries)."""

    pk: int
    project_id: int
    project_name: str
    title: str
    due_date: dt.date
    completed_on: dt.date | None
    status: str
    status_label: str
    percent: int
    weight: int
    days_overdue: int

    @property
    def is_open(self) -> bool:
        return self.status in (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)

    @property
    def state(self) -> str:
        """done / overdue / due (open, not yet late) / cancelled — the completion buckets."""
        if self.status == MilestoneStatus.DONE:
            return "done"
        if self.status == MilestoneStatus.CANCELLED:
            return "cancelled"
        return "overdue" if self.days_overdue > 0 else "due"


@dataclass
class KpiSeries:
    """One KPI with its whole trajectory and the projection the status rules computed."""

    kpi: Kpi
    name: str
    unit: str
    higher_is_better: bool
    baseline: tuple[dt.date, float] | None
    targets: list[tuple[dt.date, float]]
    values: list[tuple[dt.date, float]]
    projection: Projection | None
    owner_name: str

    @property
    def latest(self) -> tuple[dt.date, float] | None:
        return self.values[-1] if self.values else None

    def target_for_year(self, year: int) -> tuple[dt.date, float] | None:
        """This year's target, else the next one after it, else the last one."""
        later = [t for t in self.targets if t[0].year >= year]
        return later[0] if later else (self.targets[-1] if self.targets else None)


@dataclass
class ProjectRow:
    project: Project
    name: str
    url: str
    status: Status
    progress: float | None  # weighted milestone completion, percent
    next_milestone: MilestoneRow | None
    owners: list[str]
    region_name: str
    milestones: list[MilestoneRow] = field(default_factory=list)
    # Submitted, not yet approved items; the figures above stay the approved ones.
    pending: PendingSummary = field(default_factory=PendingSummary)


@dataclass
class ProgramData:
    """Projects of a scope with milestones, KPIs and statuses, loaded in fixed queries."""

    today: dt.date
    projects: list[ProjectRow]
    kpis: list[KpiSeries]  # project KPIs and (when asked) initiative KPIs

    def project_kpis(self, project_id: int) -> list[KpiSeries]:
        return [k for k in self.kpis if k.kpi.project_id == project_id]

    def initiative_kpis(self, initiative_id: int) -> list[KpiSeries]:
        return [k for k in self.kpis if k.kpi.initiative_id == initiative_id]


def _milestone_rows(projects: Sequence[Project], today: dt.date) -> dict[int, list[MilestoneRow]]:
    """One query: every milestone of the projects, ordered by due date.

    Plain tuples, not model instances: the overview reads every milestone of the province
    (20,000 at scale), and building models cost more than the query.
    """
    names = {p.pk: p.display_name() for p in projects}
    labels = {k: str(v) for k, v in MilestoneStatus.choices}
    en = english()
    open_states = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)
    rows: dict[int, list[MilestoneRow]] = defaultdict(list)
    for pk, project_id, title_zh, title_en, due, done_on, status, percent, weight in (
        Milestone.objects.filter(project_id__in=list(names))
        .order_by("due_date", "order", "pk")
        .values_list(
            "pk",
            "project_id",
            "title_zh",
            "title_en",
            "due_date",
            "completed_on",
            "status",
            "percent_complete",
            "weight",
        )
    ):
        late = (today - due).days if status in open_states and due < today else 0
        rows[project_id].append(
            MilestoneRow(
                pk=pk,
                project_id=project_id,
                project_name=names[project_id],
                title=(title_en or title_zh) if en else title_zh,
                due_date=due,
                completed_on=done_on,
                status=status,
                status_label=labels[status],
                percent=percent,
                weight=weight,
                days_overdue=late,
            )
        )
    return rows


def _owners(project_ids: Iterable[int]) -> dict[int, list[str]]:
    """One query: the owners' display names per project."""
    owners: dict[int, list[str]] = defaultdict(list)
    for m in (
        Membership.objects.filter(role=Role.OWNER, project_id__in=list(project_ids))
        .select_related("user")
        .order_by("user__username")
    ):
        if m.project_id is not None:  # an owner's membership names its project
            owners[m.project_id].append(m.user.get_full_name() or m.user.get_username())
    return owners


def _kpi_series(kpi_filter: Q, today: dt.date) -> list[KpiSeries]:
    """Three queries: the KPIs, their targets, their approved values (as tuples: at scale a
    KPI has years of values, and model instances for each cost more than the queries)."""
    kpis = list(Kpi.objects.filter(kpi_filter).select_related("initiative", "project"))
    ids = [k.pk for k in kpis]
    targets: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for kpi_id, when, value in (
        KpiTarget.objects.filter(kpi_id__in=ids)
        .order_by("target_date")
        .values_list("kpi_id", "target_date", "value")
    ):
        targets[kpi_id].append((when, float(value)))
    values: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for kpi_id, when, approved in (
        KpiValue.objects.filter(kpi_id__in=ids, approved_value__isnull=False)
        .order_by("period_end")
        .values_list("kpi_id", "period_end", "approved_value")
    ):
        if approved is not None:  # excluded by the query; the check is for the type
            values[kpi_id].append((when, float(approved)))
    series = []
    for kpi in kpis:
        baseline = None
        if kpi.baseline_value is not None and kpi.baseline_date is not None:
            baseline = (kpi.baseline_date, float(kpi.baseline_value))
        fact = KpiFact(
            name=kpi.display_name(),
            unit=kpi.unit,
            higher_is_better=kpi.direction == "higher",
            targets=targets[kpi.pk],
            values=values[kpi.pk],
            baseline=baseline,
        )
        owner = kpi.project or kpi.initiative
        series.append(
            KpiSeries(
                kpi=kpi,
                name=fact.name,
                unit=fact.unit,
                higher_is_better=fact.higher_is_better,
                baseline=fact.baseline,
                targets=sorted(fact.targets),
                values=sorted(fact.values),
                projection=project_kpi(fact, today),
                owner_name=owner.display_name() if owner else "",
            )
        )
    return series


def _fact(series: KpiSeries) -> KpiFact:
    return KpiFact(
        series.name,
        series.unit,
        series.higher_is_better,
        series.targets,
        series.values,
        series.baseline,
    )


def progress_percent(milestones: Sequence[MilestoneRow]) -> float | None:
    """Weighted completion of the milestones that still count (cancelled ones do not)."""
    counted = [m for m in milestones if m.status != MilestoneStatus.CANCELLED]
    total = sum(m.weight for m in counted)
    if not total:
        return None
    return sum(m.weight * m.percent for m in counted) / total


def load_program(
    projects: Sequence[Project],
    *,
    today: dt.date,
    initiative_ids: Iterable[int] = (),
) -> ProgramData:
    """Milestones, owners, KPIs and statuses for the given projects. Five queries.

    KPIs of the listed initiatives are loaded in the same three KPI queries.
    """
    ids = [p.pk for p in projects]
    milestones = _milestone_rows(projects, today)
    owners = _owners(ids)
    kpis = _kpi_series(Q(project_id__in=ids) | Q(initiative_id__in=list(initiative_ids)), today)
    by_project: dict[int, list[KpiFact]] = defaultdict(list)
    for series in kpis:
        if series.kpi.project_id:
            by_project[series.kpi.project_id].append(_fact(series))
    limits = Thresholds.from_settings()
    rows = []
    for p in projects:
        mine = milestones[p.pk]
        facts = [MilestoneFact(m.title, m.due_date, m.is_open) for m in mine]
        rows.append(
            ProjectRow(
                project=p,
                name=p.display_name(),
                url=reverse("policy:project-detail", args=[p.pk]),
                status=project_status(facts, by_project[p.pk], today, limits),
                progress=progress_percent(mine),
                next_milestone=next((m for m in mine if m.is_open), None),
                owners=owners[p.pk],
                region_name=p.region.display_name() if p.region else "",
                milestones=mine,
            )
        )
    return ProgramData(today, rows, kpis)


# --- Overview -------------------------------------------------------------------------------


@dataclass
class InitiativeCard:
    initiative: Initiative
    name: str
    url: str
    status: Status
    project_count: int
    projects_by_rag: dict[str, int]
    milestones_by_state: dict[str, int]


@dataclass
class Overview:
    today: dt.date
    cards: list[InitiativeCard]
    projects_by_rag: dict[str, int]
    milestones_by_state: dict[str, int]
    headline_kpis: list[KpiSeries]


def _count(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return dict(counts)


def _initiative_card(
    initiative: Initiative, rows: list[ProjectRow], data: ProgramData
) -> InitiativeCard:
    pairs = [(r.name, r.status) for r in rows]
    facts = [_fact(s) for s in data.initiative_kpis(initiative.pk)]
    return InitiativeCard(
        initiative=initiative,
        name=initiative.display_name(),
        url=reverse("policy:initiative-detail", args=[initiative.code]),
        status=initiative_status(pairs, facts, data.today),
        project_count=len(rows),
        projects_by_rag=_count(r.status.rag for r in rows),
        milestones_by_state=_count(m.state for r in rows for m in r.milestones),
    )


def program_overview(user: AnyUser, *, today: dt.date | None = None) -> Overview | None:
    """Everything the overview page shows except indicators and changes. Seven queries.

    None when the user may read nothing.
    """
    today = today or timezone.localdate()
    if not user_scope(user).can_read:
        return None
    initiatives = list(Initiative.objects.all())
    projects = list(Project.objects.select_related("region"))
    data = load_program(projects, today=today, initiative_ids=[i.pk for i in initiatives])
    cards = [
        _initiative_card(i, [r for r in data.projects if r.project.initiative_id == i.pk], data)
        for i in initiatives
    ]
    order = {i.pk: i.order for i in initiatives}

    def rank(k: KpiSeries) -> tuple[int, int]:
        return order.get(k.kpi.owner_initiative_id, 0), k.kpi.order

    headline = sorted((k for k in data.kpis if k.kpi.is_headline and k.targets), key=rank)
    return Overview(
        today=today,
        cards=cards,
        projects_by_rag=_count(r.status.rag for r in data.projects),
        milestones_by_state=_count(m.state for r in data.projects for m in r.milestones),
        headline_kpis=headline,
    )


# --- Initiative -----------------------------------------------------------------------------


@dataclass
class InitiativeDetail:
    initiative: Initiative
    name: str
    status: Status
    projects: list[ProjectRow]
    kpis: list[KpiSeries]  # the initiative's own KPIs, then its projects' headline KPIs
    milestones: list[MilestoneRow]
    today: dt.date


def with_pending(rows: Sequence[ProjectRow]) -> None:
    """Attach each project's pending (待审核) counts to its row. Two queries."""
    pending = pending_by_project([r.project.pk for r in rows])
    for row in rows:
        row.pending = pending.get(row.project.pk, PendingSummary())


def initiative_detail(
    user: AnyUser, code: str, *, today: dt.date | None = None
) -> InitiativeDetail:
    """One initiative with its projects, KPIs, milestones and pending counts. Nine queries.

    Raises Http404 for an unknown code or a user who may read nothing (existence not leaked).
    """
    today = today or timezone.localdate()
    initiative = (
        Initiative.objects.filter(code=code).first() if user_scope(user).can_read else None
    )
    if initiative is None:
        raise Http404("No such initiative.")
    projects = list(Project.objects.filter(initiative=initiative).select_related("region"))
    data = load_program(projects, today=today, initiative_ids=[initiative.pk])
    with_pending(data.projects)
    card = _initiative_card(initiative, data.projects, data)
    own = data.initiative_kpis(initiative.pk)
    milestones = sorted(
        (m for r in data.projects for m in r.milestones), key=lambda m: (m.due_date, m.pk)
    )
    return InitiativeDetail(
        initiative=initiative,
        name=card.name,
        status=card.status,
        # Worst status first: the table opens sorted the way officials read it.
        projects=sorted(data.projects, key=lambda r: (-RAG_ORDER[r.status.rag], r.name)),
        kpis=own + [k for k in data.kpis if k.kpi.project_id and k.kpi.is_headline],
        milestones=milestones,
        today=today,
    )


# --- Project --------------------------------------------------------------------------------


@dataclass
class RelatedFigure:
    name: str
    value: float
    unit: str
    period: str
    area: str
    dimension: str
    note: str
    url: str


@dataclass
class PendingUpdateRow:
    """An owner's milestone update waiting for review, as the project page lists it."""

    pk: int
    milestone_id: int
    milestone_title: str
    status_label: str
    percent: int
    completed_on: dt.date | None
    previous_status_label: str
    previous_percent: int | None
    submitted_by: str
    submitted_at: dt.datetime
    url: str  # the milestone page, where a lead reviews it


@dataclass
class ProjectDetail:
    row: ProjectRow
    kpis: list[KpiSeries]
    related: list[RelatedFigure]
    today: dt.date
    pending_updates: list[PendingUpdateRow] = field(default_factory=list)
    can_review: bool = False  # the user may approve or return this project's updates

    @property
    def pending_milestone_ids(self) -> set[int]:
        return {u.milestone_id for u in self.pending_updates}


def pending_milestone_updates(project: Project) -> list[PendingUpdateRow]:
    """One query: the project's submitted milestone updates, oldest first (review order)."""
    labels = dict(MilestoneStatus.choices)
    rows = []
    for update in (
        MilestoneUpdate.objects.filter(milestone__project=project, state=UpdateState.SUBMITTED)
        .select_related("milestone", "submitted_by")
        .order_by("submitted_at", "pk")
    ):
        who = update.submitted_by
        previous = update.previous or {}
        rows.append(
            PendingUpdateRow(
                pk=update.pk,
                milestone_id=update.milestone_id,
                milestone_title=update.milestone.display_title(),
                status_label=str(labels.get(update.status, update.status)),
                percent=update.percent_complete,
                completed_on=update.completed_on,
                previous_status_label=str(labels.get(str(previous.get("status")), "")),
                previous_percent=previous.get("percent_complete"),
                submitted_by=(who.get_full_name() or who.get_username()) if who else "",
                submitted_at=update.submitted_at,
                url=reverse("policy:milestone-detail", args=[update.milestone_id])
                + "#pending-update",
            )
        )
    return rows


def _related_figures(project: Project) -> list[RelatedFigure]:
    """One query: the latest observation of each indicator for the project's area.

    "Related" means reported for the project's prefecture or for Sichuan as a whole; the
    latest period per indicator, area and dimension is kept.
    """
    if project.region is None:
        return []
    areas = [project.region_id]
    if project.region.parent_id:
        areas.append(project.region.parent_id)
    latest: dict[tuple[int, int, str], Any] = {}
    for obs in (
        Observation.objects.filter(area_id__in=areas)
        .select_related("indicator", "area")
        .order_by("indicator__category", "indicator__order", "period_start")
    ):
        latest[(obs.indicator_id, obs.area_id, obs.dimension)] = obs
    figures = []
    for obs in latest.values():
        try:
            url = reverse("indicators:detail", args=[obs.indicator.code])
        except NoReverseMatch:  # the indicator detail page belongs to another issue
            url = ""
        figures.append(
            RelatedFigure(
                name=obs.indicator.display_name(),
                value=obs.value,
                unit=obs.indicator.unit,
                period=obs.period,
                area=obs.area.display_name(),
                dimension=obs.dimension,
                note=obs.note,
                url=url,
            )
        )
    return figures


def project_detail(user: AnyUser, pk: int, *, today: dt.date | None = None) -> ProjectDetail:
    """One project: facts, owners, milestones, KPIs, status, related indicators, and what
    waits for review (counts and the pending milestone updates). Ten queries.

    Raises Http404 when the user may not see the project (see `project_get`).
    """
    today = today or timezone.localdate()
    project = project_get(user, pk)
    data = load_program([project], today=today)
    with_pending(data.projects)
    return ProjectDetail(
        row=data.projects[0],
        kpis=data.project_kpis(project.pk),
        related=_related_figures(project),
        today=today,
        pending_updates=pending_milestone_updates(project),
        can_review=user_scope(user).can_approve_for(project.initiative_id),
    )


# --- Map ------------------------------------------------------------------------------------

MAP_METRICS = ("projects", "investment", "progress", "capacity")


@dataclass
class PrefectureFigures:
    adcode: str
    name: str
    projects: int
    investment_yuan: float | None
    progress: float | None
    capacity_p: float | None


@dataclass
class MapData:
    prefectures: list[PrefectureFigures]
    projects: list[ProjectRow]
    clusters: list[Region]


def _capacity_by_project(kpis: Sequence[KpiSeries]) -> dict[int, float]:
    """Latest approved computing capacity (KPIs in P) reported by each project."""
    capacity: dict[int, float] = defaultdict(float)
    for series in kpis:
        if series.kpi.project_id and series.unit == "P" and series.latest:
            capacity[series.kpi.project_id] += series.latest[1]
    return capacity


def map_data(user: AnyUser, *, today: dt.date | None = None) -> MapData:
    """Per-prefecture figures, project points and the national clusters. Nine queries."""
    today = today or timezone.localdate()
    if not user_scope(user).can_read:
        return MapData([], [], [])
    prefectures = list(Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code"))
    projects = list(Project.objects.select_related("region"))
    data = load_program(projects, today=today)
    capacity = _capacity_by_project(data.kpis)
    by_region: dict[int, list[ProjectRow]] = defaultdict(list)
    for row in data.projects:
        if row.project.region_id:
            by_region[row.project.region_id].append(row)
    figures = []
    for region in prefectures:
        rows = by_region[region.pk]
        invest = [float(r.project.planned_investment_yuan or 0) for r in rows]
        progress = [r.progress for r in rows if r.progress is not None]
        caps = [capacity[r.project.pk] for r in rows if r.project.pk in capacity]
        figures.append(
            PrefectureFigures(
                adcode=region.code,
                name=region.display_name(),
                projects=len(rows),
                investment_yuan=sum(invest) if rows else None,
                progress=sum(progress) / len(progress) if progress else None,
                capacity_p=sum(caps) if caps else None,
            )
        )
    clusters = list(Region.objects.filter(level=RegionLevel.CLUSTER).order_by("order", "code"))
    return MapData(figures, data.projects, clusters)
