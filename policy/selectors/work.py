"""Reads for the owner workflow: the "my work" page, milestone and KPI pages, evidence.

Scoped by the acting user: owners see their projects, leads their initiative, admins all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ..models import (
    Evidence,
    InvestmentReport,
    Kpi,
    KpiValue,
    Milestone,
    MilestoneStatus,
    MilestoneUpdate,
    Project,
    ReviewState,
    UpdateState,
)
from ..permissions import user_scope
from ..types import AnyUser
from ..validators import current_period

OPEN = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)


def editable_projects(user: AnyUser) -> QuerySet[Project]:
    """Projects the user may change: owned, of a led initiative, or all for admins."""
    scope = user_scope(user)
    qs = Project.objects.select_related("initiative")
    if scope.is_admin:
        return qs
    return qs.filter(
        Q(pk__in=scope.owned_project_ids) | Q(initiative_id__in=scope.led_initiative_ids)
    )


def approvable_filter(user: AnyUser, prefix: str) -> Q:
    """Rows whose project (through `prefix`) belongs to an initiative the user may approve for."""
    scope = user_scope(user)
    if scope.is_admin:
        return Q()
    return Q(**{f"{prefix}initiative_id__in": scope.led_initiative_ids})


@dataclass
class KpiToReport:
    kpi: Kpi
    period: str
    value: KpiValue | None


@dataclass
class MyWork:
    projects: list[Project]
    overdue: list[Milestone]
    due_soon: list[Milestone]
    kpis_to_report: list[KpiToReport]
    returned_updates: list[MilestoneUpdate]
    returned_values: list[KpiValue]
    pending_updates: list[MilestoneUpdate] = field(default_factory=list)
    pending_values: list[KpiValue] = field(default_factory=list)
    due_soon_days: int = 7
    returned_investment: list[InvestmentReport] = field(default_factory=list)
    pending_investment: list[InvestmentReport] = field(default_factory=list)
    # The person's own submissions waiting for review, and those approved lately.
    my_pending_updates: list[MilestoneUpdate] = field(default_factory=list)
    my_pending_values: list[KpiValue] = field(default_factory=list)
    approved_updates: list[MilestoneUpdate] = field(default_factory=list)
    approved_values: list[KpiValue] = field(default_factory=list)
    # This period's values already submitted (so not "to report"), waiting for review.
    kpis_waiting: list[KpiToReport] = field(default_factory=list)
    recent_days: int = 14
    # Projects whose plans and funding the person sets (leads' and admins').
    plannable_project_ids: set[int] = field(default_factory=set)

    @property
    def has_submissions(self) -> bool:
        return bool(self.my_pending_updates or self.my_pending_values)

    @property
    def has_recently_approved(self) -> bool:
        return bool(self.approved_updates or self.approved_values)


def _latest_returned(project_ids: list[int]) -> list[MilestoneUpdate]:
    newer = MilestoneUpdate.objects.filter(milestone=OuterRef("milestone"), pk__gt=OuterRef("pk"))
    return list(
        MilestoneUpdate.objects.filter(
            milestone__project_id__in=project_ids, state=UpdateState.RETURNED
        )
        .filter(~Exists(newer))
        .select_related("milestone__project", "reviewed_by")
    )


def _kpi_scope(user: AnyUser, project_ids: list[int], prefix: str = "") -> Q:
    """KPIs the user reports: of their projects, plus initiative KPIs of led initiatives."""
    scope = user_scope(user)
    own = Q(**{f"{prefix}project_id__in": project_ids})
    if scope.is_admin:
        own |= Q(**{f"{prefix}initiative__isnull": False})
    elif scope.led_initiative_ids:
        own |= Q(**{f"{prefix}initiative_id__in": scope.led_initiative_ids})
    return own


def _kpis_to_report(
    user: AnyUser, project_ids: list[int], today: dt.date
) -> tuple[list[KpiToReport], list[KpiToReport]]:
    """This period's KPIs still to report, and those whose value waits for review."""
    kpis = list(
        Kpi.objects.filter(_kpi_scope(user, project_ids)).select_related("project", "initiative")
    )
    periods = {k.pk: current_period(k.frequency, today) for k in kpis}
    values = {
        (v.kpi_id, v.period): v
        for v in KpiValue.objects.filter(kpi__in=kpis, period__in=set(periods.values()))
    }
    rows = []
    waiting = []
    for kpi in kpis:
        if kpi.indicator_id:  # its values come from ingested observations
            continue
        value = values.get((kpi.pk, periods[kpi.pk]))
        if value is None or value.state in (ReviewState.DRAFT, ReviewState.RETURNED):
            rows.append(KpiToReport(kpi, periods[kpi.pk], value))
        elif value.state == ReviewState.SUBMITTED:
            waiting.append(KpiToReport(kpi, periods[kpi.pk], value))
    return rows, waiting


RECENT_DAYS = 14


def _own_submissions(user: AnyUser, work: MyWork, project_ids: list[int]) -> None:
    """The person's pending and lately approved submissions; pending marks on milestones."""
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    pending = list(
        MilestoneUpdate.objects.filter(
            milestone__project_id__in=project_ids, state=UpdateState.SUBMITTED
        ).select_related("milestone__project", "submitted_by")
    )
    by_milestone = {u.milestone_id: u for u in pending}
    for m in work.overdue + work.due_soon:
        m.pending_update = by_milestone.get(m.pk)  # type: ignore[attr-defined]
    work.my_pending_updates = [u for u in pending if u.submitted_by_id == user.pk]
    work.my_pending_values = list(
        KpiValue.objects.filter(entered_by_id=user.pk, state=ReviewState.SUBMITTED)
        .select_related("kpi__project", "kpi__initiative")
        .order_by("-entered_at")
    )
    work.approved_updates = list(
        MilestoneUpdate.objects.filter(
            submitted_by_id=user.pk, state=UpdateState.APPROVED, reviewed_at__gte=since
        )
        .select_related("milestone__project", "reviewed_by")
        .order_by("-reviewed_at")
    )
    work.approved_values = list(
        KpiValue.objects.filter(
            entered_by_id=user.pk, state=ReviewState.APPROVED, reviewed_at__gte=since
        )
        .exclude(reviewed_by_id=user.pk)  # a lead's own direct entries were not reviewed
        .select_related("kpi__project", "kpi__initiative", "reviewed_by")
        .order_by("-reviewed_at")
    )
    work.recent_days = RECENT_DAYS


def my_work(user: AnyUser, *, today: dt.date | None = None) -> MyWork:
    """Everything waiting for this owner or lead: twelve queries (plus two for the scope)."""
    today = today or timezone.localdate()
    days = settings.MILESTONE_DUE_SOON_DAYS
    projects = list(editable_projects(user))
    ids = [p.pk for p in projects]
    open_ms = list(
        Milestone.objects.filter(
            project_id__in=ids, status__in=OPEN, due_date__lte=today + dt.timedelta(days=days)
        )
        .select_related("project")
        .order_by("due_date")
    )
    work = MyWork(
        projects=projects,
        overdue=[m for m in open_ms if m.due_date < today],
        due_soon=[m for m in open_ms if m.due_date >= today],
        kpis_to_report=[],
        returned_updates=_latest_returned(ids),
        returned_values=list(
            KpiValue.objects.filter(
                _kpi_scope(user, ids, "kpi__"), state=ReviewState.RETURNED
            ).select_related("kpi", "reviewed_by")
        ),
        due_soon_days=days,
        returned_investment=list(
            InvestmentReport.objects.filter(
                project_id__in=ids, state=ReviewState.RETURNED
            ).select_related("project", "reviewed_by")
        ),
    )
    work.kpis_to_report, work.kpis_waiting = _kpis_to_report(user, ids, today)
    _own_submissions(user, work, ids)
    scope = user_scope(user)
    work.plannable_project_ids = {p.pk for p in projects if scope.can_approve_for(p.initiative_id)}
    if scope.is_admin or scope.led_initiative_ids:
        work.pending_updates = list(
            MilestoneUpdate.objects.filter(
                approvable_filter(user, "milestone__project__"), state=UpdateState.SUBMITTED
            ).select_related("milestone__project", "submitted_by")
        )
        work.pending_values = list(
            KpiValue.objects.filter(
                approvable_filter(user, "kpi__project__") | approvable_filter(user, "kpi__"),
                state=ReviewState.SUBMITTED,
            ).select_related("kpi__project", "entered_by")
        )
        work.pending_investment = list(
            InvestmentReport.objects.filter(
                approvable_filter(user, "project__"), state=ReviewState.SUBMITTED
            )
            .select_related("project", "entered_by")
            .order_by("project__code", "period_end")
        )
    return work


@dataclass
class MilestonePage:
    milestone: Milestone
    pending: MilestoneUpdate | None
    last_returned: MilestoneUpdate | None
    evidence: list[Evidence]


def milestone_page(milestone: Milestone) -> MilestonePage:
    """Pending submission, the latest returned one and every evidence file. Three queries."""
    updates = list(
        MilestoneUpdate.objects.filter(milestone=milestone)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-pk")[:1]
    )
    latest = updates[0] if updates else None
    return MilestonePage(
        milestone=milestone,
        pending=latest if latest and latest.state == UpdateState.SUBMITTED else None,
        last_returned=latest if latest and latest.state == UpdateState.RETURNED else None,
        evidence=list(
            Evidence.objects.filter(milestone=milestone).select_related("update", "uploaded_by")
        ),
    )


def kpi_values_recent(kpi: Kpi, limit: int = 8) -> list[KpiValue]:
    return list(
        KpiValue.objects.filter(kpi=kpi)
        .select_related("entered_by")
        .order_by("-period_end")[:limit]
    )


@dataclass(frozen=True)
class PendingSummary:
    """What waits for review in one project; dashboards show it marked 待审核."""

    milestone_updates: int = 0
    kpi_values: int = 0
    investment_reports: int = 0

    @property
    def total(self) -> int:
        return self.milestone_updates + self.kpi_values + self.investment_reports


def pending_by_project(project_ids: list[int]) -> dict[int, PendingSummary]:
    """Pending (submitted, not yet approved) items per project. Three queries.

    Dashboards keep showing approved values; this lets them add "N 项待审核" next to them.
    Projects with nothing pending are absent from the result.
    """
    updates = dict(
        MilestoneUpdate.objects.filter(
            milestone__project_id__in=project_ids, state=UpdateState.SUBMITTED
        )
        .values_list("milestone__project_id")
        .annotate(n=Count("pk"))
        .values_list("milestone__project_id", "n")
    )
    values = dict(
        KpiValue.objects.filter(kpi__project_id__in=project_ids, state=ReviewState.SUBMITTED)
        .values_list("kpi__project_id")
        .annotate(n=Count("pk"))
        .values_list("kpi__project_id", "n")
    )
    reports = dict(
        InvestmentReport.objects.filter(project_id__in=project_ids, state=ReviewState.SUBMITTED)
        .values_list("project_id")
        .annotate(n=Count("pk"))
        .values_list("project_id", "n")
    )
    return {
        pid: PendingSummary(updates.get(pid, 0), values.get(pid, 0), reports.get(pid, 0))
        for pid in set(updates) | set(values) | set(reports)
    }


def pending_review_count(user: AnyUser) -> int:
    """How many submissions wait for this lead's (or admin's) review; 0 for everyone else.

    On every page's navigation, so cached per user and data revision (any write to the
    program, a submission or review included, starts a new revision).
    """
    # Local: policy.revision imports the app registry's models at import time.
    from django.core.cache import cache

    from ..revision import program_revision

    scope = user_scope(user)
    if not (scope.is_admin or scope.led_initiative_ids):
        return 0
    key = f"work:pending:{user.pk}:{program_revision()}"
    found = cache.get(key)
    if isinstance(found, int):
        return found
    count = (
        MilestoneUpdate.objects.filter(
            approvable_filter(user, "milestone__project__"), state=UpdateState.SUBMITTED
        ).count()
        + KpiValue.objects.filter(
            approvable_filter(user, "kpi__project__") | approvable_filter(user, "kpi__"),
            state=ReviewState.SUBMITTED,
        ).count()
    )
    cache.set(key, count, 3600)
    return count
