"""Reads behind the dashboard pages: overview, initiative, project and map.

Statuses, progress, next milestones, counts and KPI projections come from the stored read
model (`policy.readmodel` writes it; nothing here computes a status). The records a page lists
besides — milestones for the Gantt, KPI trajectories for the charts, owners, pending counts —
are loaded in a fixed number of queries (documented on each function), whatever the number of
projects, milestones or KPI values. Day-dependent figures (days overdue) are counted for the
day the page's statuses were computed for, which the page states.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Observation
from indicators.quality import flag_text

from ..i18n import english
from ..models import (
    Initiative,
    Kpi,
    KpiStatus,
    Membership,
    Milestone,
    MilestoneStatus,
    MilestoneUpdate,
    Project,
    ProjectStatus,
    Region,
    RegionLevel,
    Role,
    StatusChange,
    UpdateState,
)
from ..permissions import user_scope
from ..readmodel import Trajectory, change_status, load_trajectories, row_projection
from ..status import RAG_ORDER, Projection, Rag, Status
from ..types import AnyUser
from .investment import (
    InvestmentFigures,
    ReportRow,
    initiative_investment,
    investment_reports,
    program_investment,
    project_investment,
)
from .program import (
    initiative_status_row,
    is_stale,
    page_day,
    project_status_row,
    stored_status,
)
from .records import project_get
from .work import PendingSummary, pending_by_project

Point = tuple[dt.date, float]


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
    """One KPI: its stored projection, colour and latest figures, and (where a page draws a
    chart) its whole trajectory — the very values the projection was computed from."""

    kpi: Kpi
    name: str
    unit: str
    higher_is_better: bool
    baseline: Point | None
    targets: list[Point]
    values: list[Point]
    projection: Projection | None
    owner_name: str
    rag: Rag = Rag.GREY
    latest: Point | None = None
    previous: float | None = None
    year_target: Point | None = None  # the as-of year's target (else the next, else the last)
    as_of: dt.date | None = None
    # Approved values marked 存疑 (owner-confirmed against a data-quality rule): period end →
    # the rules' comparison in the active language.
    doubts: dict[dt.date, str] = field(default_factory=dict)


def kpi_series(kpi: Kpi, row: KpiStatus | None, trajectory: Trajectory | None = None) -> KpiSeries:
    """A KPI as pages and charts show it, from its stored row (and its trajectory, if any)."""
    trajectory = trajectory or Trajectory()
    baseline = trajectory.baseline
    if baseline is None and kpi.baseline_value is not None and kpi.baseline_date is not None:
        # The KPI row carries it: progress bars need it even where no trajectory is drawn.
        baseline = (kpi.baseline_date, float(kpi.baseline_value))
    owner = kpi.project if kpi.project_id else kpi.initiative
    latest = None
    year_target = None
    if row is not None and row.latest_date is not None and row.latest_value is not None:
        latest = (row.latest_date, row.latest_value)
    if row is not None and row.year_target_date is not None and row.year_target is not None:
        year_target = (row.year_target_date, row.year_target)
    return KpiSeries(
        kpi=kpi,
        name=kpi.display_name(),
        unit=kpi.unit,
        higher_is_better=kpi.direction == "higher",
        baseline=baseline,
        targets=trajectory.targets,
        values=trajectory.values,
        projection=row_projection(row),
        owner_name=owner.display_name() if owner else "",
        rag=Rag(row.rag) if row is not None else Rag.GREY,
        latest=latest,
        previous=row.previous_value if row is not None else None,
        year_target=year_target,
        as_of=row.as_of if row is not None else None,
        doubts={
            when: _("；").join(flag_text(f["rule"], f["params"]) for f in flags)
            for when, flags in trajectory.doubts.items()
        },
    )


def kpi_series_list(where: Q, *, trajectories: bool) -> list[KpiSeries]:
    """The KPIs matching `where` with their stored rows: one query; with their trajectories
    (for charts) two or three more."""
    kpis = list(
        Kpi.objects.filter(where)
        .select_related("initiative", "project", "status_row")
        .order_by("order", "code")
    )
    paths = load_trajectories(kpis) if trajectories else {}
    return [kpi_series(k, _kpi_row(k), paths.get(k.pk)) for k in kpis]


def _kpi_row(kpi: Kpi) -> KpiStatus | None:
    try:
        return kpi.status_row
    except KpiStatus.DoesNotExist:
        return None


@dataclass
class NextMilestone:
    pk: int
    title: str
    due_date: dt.date
    days_overdue: int


@dataclass
class ProjectRow:
    project: Project
    name: str
    url: str
    status: Status
    progress: float | None  # weighted milestone completion, percent
    next_milestone: NextMilestone | None
    owners: list[str]
    region_name: str
    milestones: list[MilestoneRow] = field(default_factory=list)
    # Submitted, not yet approved items; the figures above stay the approved ones.
    pending: PendingSummary = field(default_factory=PendingSummary)
    revision: int = 0
    investment: InvestmentFigures = field(default_factory=InvestmentFigures)

    @property
    def as_of(self) -> dt.date | None:
        return self.status.as_of


def _next_milestone(row: ProjectStatus | None) -> NextMilestone | None:
    if row is None or row.next_milestone_id is None or row.next_milestone_due is None:
        return None
    en = english()
    title = row.next_milestone_title_zh
    if en and row.next_milestone_title_en:
        title = row.next_milestone_title_en
    late = (row.as_of - row.next_milestone_due).days
    return NextMilestone(row.next_milestone_id, title, row.next_milestone_due, max(late, 0))


def project_row(project: Project, owners: list[str] | None = None) -> ProjectRow:
    """A project loaded with `select_related("status_row", "region")` as tables show it."""
    row = project_status_row(project)
    return ProjectRow(
        project=project,
        name=project.display_name(),
        url=reverse("policy:project-detail", args=[project.pk]),
        status=stored_status(row),
        progress=row.progress if row else None,
        next_milestone=_next_milestone(row),
        owners=owners or [],
        region_name=project.region.display_name() if project.region else "",
        revision=row.revision if row else 0,
        investment=project_investment(row),
    )


def milestone_rows(projects: Sequence[Project], on: dt.date) -> dict[int, list[MilestoneRow]]:
    """One query: every milestone of the projects by due date, days overdue counted on `on`.

    Plain tuples, not model instances: an initiative at provincial scale has 4,000 milestones.
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
        late = (on - due).days if status in open_states and due < on else 0
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


def owners_by_project(project_ids: Iterable[int]) -> dict[int, list[str]]:
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


def _sum_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for c in counts:
        for key, n in c.items():
            total[key] += n
    return dict(total)


# --- Status history (timelines) -------------------------------------------------------------


@dataclass
class TimelineEntry:
    """One change of colour: "转为红灯 2026-11-03：…" (the first entry: history starts)."""

    day: dt.date
    from_rag: str
    to_rag: str
    status: Status  # the reasons then, day counts as of `day`

    @property
    def is_start(self) -> bool:
        return not self.from_rag


@dataclass
class Timeline:
    entries: list[TimelineEntry]  # newest first
    starts_on: dt.date | None  # the first recorded day (history begins when first computed)


def status_timeline(changes: Iterable[StatusChange], limit: int = 12) -> Timeline:
    """Colour changes newest first (reason-only updates left out), and where history starts."""
    changes = list(changes)
    entries = [
        TimelineEntry(
            c.day,
            c.from_rag,
            c.to_rag,
            change_status(c),
        )
        for c in changes
        if not c.from_rag or c.from_rag != c.to_rag
    ]
    entries.sort(key=lambda e: e.day, reverse=True)
    return Timeline(entries[:limit], changes[0].day if changes else None)


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
    investment: InvestmentFigures = field(default_factory=InvestmentFigures)


@dataclass
class Overview:
    today: dt.date  # the day the statuses were computed for
    cards: list[InitiativeCard]
    projects_by_rag: dict[str, int]
    milestones_by_state: dict[str, int]
    headline_kpis: list[KpiSeries]
    stale: bool = False  # computed for an earlier day than today
    investment: InvestmentFigures = field(default_factory=InvestmentFigures)


def _card(initiative: Initiative) -> InitiativeCard:
    row = initiative_status_row(initiative)
    return InitiativeCard(
        initiative=initiative,
        name=initiative.display_name(),
        url=reverse("policy:initiative-detail", args=[initiative.code]),
        status=stored_status(row),
        project_count=row.project_count if row else 0,
        projects_by_rag=dict(row.projects_by_rag) if row else {},
        milestones_by_state=dict(row.milestones_by_state) if row else {},
        investment=initiative_investment(row),
    )


def program_overview(user: AnyUser) -> Overview | None:
    """Everything the overview page shows except indicators and changes. Two queries: the
    initiatives with their stored rows, the headline KPIs with theirs.

    None when the user may read nothing.
    """
    if not user_scope(user).can_read:
        return None
    initiatives = list(Initiative.objects.select_related("status_row").order_by("order"))
    cards = [_card(i) for i in initiatives]
    order = {i.pk: i.order for i in initiatives}
    headline = [
        k
        for k in kpi_series_list(Q(is_headline=True), trajectories=False)
        if k.year_target is not None
    ]

    def rank(k: KpiSeries) -> tuple[int, int]:
        owner_initiative = k.kpi.initiative_id or k.kpi.project.initiative_id  # type: ignore[union-attr]
        return order.get(owner_initiative, 0), k.kpi.order

    day = page_day([c.status for c in cards])
    return Overview(
        today=day or timezone.localdate(),
        cards=cards,
        projects_by_rag=_sum_counts(c.projects_by_rag for c in cards),
        milestones_by_state=_sum_counts(c.milestones_by_state for c in cards),
        headline_kpis=sorted(headline, key=rank),
        stale=is_stale(day),
        investment=program_investment([c.investment for c in cards]),
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
    today: dt.date  # the day the statuses were computed for
    timeline: Timeline = field(default_factory=lambda: Timeline([], None))
    stale: bool = False


def with_pending(rows: Sequence[ProjectRow]) -> None:
    """Attach each project's pending (待审核) counts to its row. Two queries."""
    pending = pending_by_project([r.project.pk for r in rows])
    for row in rows:
        row.pending = pending.get(row.project.pk, PendingSummary())


def _rows_with_records(projects: Sequence[Project], on: dt.date) -> list[ProjectRow]:
    """Project rows with owners and milestones. Two queries."""
    owners = owners_by_project(p.pk for p in projects)
    milestones = milestone_rows(projects, on)
    rows = []
    for p in projects:
        row = project_row(p, owners[p.pk])
        row.milestones = milestones[p.pk]
        rows.append(row)
    return rows


def initiative_detail(user: AnyUser, code: str) -> InitiativeDetail:
    """One initiative with its projects, KPIs, milestones, pending counts and status history.

    Eleven queries (twelve with indicator-linked KPIs): initiative, projects, owners,
    milestones, pending (2), KPIs, targets, values, history. Raises Http404 for an unknown
    code or a user who may read nothing (existence not leaked).
    """
    initiative = (
        Initiative.objects.select_related("status_row").filter(code=code).first()
        if user_scope(user).can_read
        else None
    )
    if initiative is None:
        raise Http404("No such initiative.")
    card = _card(initiative)
    day = card.status.as_of or timezone.localdate()
    projects = list(
        Project.objects.filter(initiative=initiative).select_related("region", "status_row")
    )
    rows = _rows_with_records(projects, day)
    with_pending(rows)
    kpis = kpi_series_list(
        Q(initiative=initiative) | Q(project__initiative=initiative, is_headline=True),
        trajectories=True,
    )
    own = [k for k in kpis if k.kpi.initiative_id]
    milestones = sorted((m for r in rows for m in r.milestones), key=lambda m: (m.due_date, m.pk))
    changes = StatusChange.objects.filter(initiative=initiative).order_by("day", "pk")
    return InitiativeDetail(
        initiative=initiative,
        name=card.name,
        status=card.status,
        # Worst status first: the table opens sorted the way officials read it.
        projects=sorted(rows, key=lambda r: (-RAG_ORDER[r.status.rag], r.name)),
        kpis=own + [k for k in kpis if k.kpi.project_id],
        milestones=milestones,
        today=day,
        timeline=status_timeline(changes),
        stale=is_stale(card.status.as_of),
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
    timeline: Timeline = field(default_factory=lambda: Timeline([], None))
    stale: bool = False
    investment_reports: list[ReportRow] = field(default_factory=list)
    can_report_investment: bool = False

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


def project_detail(user: AnyUser, pk: int) -> ProjectDetail:
    """One project: facts, owners, milestones, KPIs, stored status, related indicators, its
    status history, its latest investment reports and what waits for review. Thirteen queries
    (fourteen with an indicator-linked KPI).

    Raises Http404 when the user may not see the project (see `project_get`).
    """
    project = project_get(user, pk)
    stored = ProjectStatus.objects.filter(project=project).first()
    if stored is not None:
        project.status_row = stored  # the row the project's table row reads (no new query)
    status = stored_status(stored)
    day = status.as_of or timezone.localdate()
    row = _rows_with_records([project], day)[0]
    with_pending([row])
    changes = StatusChange.objects.filter(project=project).order_by("day", "pk")
    return ProjectDetail(
        row=row,
        kpis=kpi_series_list(Q(project=project), trajectories=True),
        related=_related_figures(project),
        today=day,
        pending_updates=pending_milestone_updates(project),
        can_review=user_scope(user).can_approve_for(project.initiative_id),
        timeline=status_timeline(changes),
        stale=is_stale(status.as_of),
        investment_reports=investment_reports(project, limit=12),
        can_report_investment=user_scope(user).can_write_project(project),
    )


# --- Map ------------------------------------------------------------------------------------

MAP_METRICS = ("projects", "investment", "invest_rate", "progress", "capacity")


@dataclass
class PrefectureFigures:
    adcode: str
    name: str
    projects: int
    investment_yuan: float | None  # planned investment (总投资) of its projects
    progress: float | None
    capacity_p: float | None
    # This year's plan and approved completion of its projects with a plan (stored rows).
    invest_plan_yuan: Decimal | None = None
    invest_completed_yuan: Decimal | None = None

    @property
    def invest_rate(self) -> float | None:
        if not self.invest_plan_yuan or self.invest_completed_yuan is None:
            return None
        return float(self.invest_completed_yuan / self.invest_plan_yuan) * 100


@dataclass
class MapData:
    prefectures: list[PrefectureFigures]
    projects: list[ProjectRow]
    clusters: list[Region]


def _capacity_by_project() -> dict[int, float]:
    """Latest approved computing capacity (project KPIs in P) per project. One query."""
    capacity: dict[int, float] = defaultdict(float)
    for project_id, value in KpiStatus.objects.filter(
        project__isnull=False, kpi__unit="P", latest_value__isnull=False
    ).values_list("project_id", "latest_value"):
        if project_id is not None and value is not None:
            capacity[project_id] += value
    return capacity


def map_data(user: AnyUser) -> MapData:
    """Per-prefecture figures, project points and the national clusters. Four queries."""
    if not user_scope(user).can_read:
        return MapData([], [], [])
    prefectures = list(Region.objects.filter(level=RegionLevel.PREFECTURE).order_by("code"))
    rows = [project_row(p) for p in Project.objects.select_related("region", "status_row")]
    capacity = _capacity_by_project()
    by_region: dict[int, list[ProjectRow]] = defaultdict(list)
    for row in rows:
        if row.project.region_id:
            by_region[row.project.region_id].append(row)
    figures = []
    for region in prefectures:
        mine = by_region[region.pk]
        invest = [float(r.project.planned_investment_yuan or 0) for r in mine]
        progress = [r.progress for r in mine if r.progress is not None]
        caps = [capacity[r.project.pk] for r in mine if r.project.pk in capacity]
        planned = [r.investment for r in mine if r.investment.plan is not None]
        figures.append(
            PrefectureFigures(
                adcode=region.code,
                name=region.display_name(),
                projects=len(mine),
                investment_yuan=sum(invest) if mine else None,
                progress=sum(progress) / len(progress) if progress else None,
                capacity_p=sum(caps) if caps else None,
                invest_plan_yuan=sum((f.plan or Decimal(0) for f in planned), Decimal(0))
                if planned
                else None,
                invest_completed_yuan=sum((f.completed or Decimal(0) for f in planned), Decimal(0))
                if planned
                else None,
            )
        )
    clusters = list(Region.objects.filter(level=RegionLevel.CLUSTER).order_by("order", "code"))
    return MapData(figures, rows, clusters)
