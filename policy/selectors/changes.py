"""What changed in the program since a moment (the last briefing), and key indicator figures.

`program_changes_since` is shared with the PDF briefing: the overview passes the Monday of the
current week for now; the briefing passes the date of the previous briefing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..models import KpiValue, Milestone, MilestoneStatus, ReviewState
from ..permissions import user_scope
from ..types import AnyUser


@dataclass
class MilestoneChange:
    title: str
    project_name: str
    url: str
    date: dt.date  # completed on, or due on (for one that became overdue)


@dataclass
class KpiChange:
    name: str
    owner_name: str
    period: str
    value: float
    unit: str
    approved_at: dt.datetime
    url: str


@dataclass
class ProgramChanges:
    since: dt.datetime
    completed: list[MilestoneChange] = field(default_factory=list)
    newly_overdue: list[MilestoneChange] = field(default_factory=list)
    kpi_values: list[KpiChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.completed or self.newly_overdue or self.kpi_values)


def week_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight (local time) of the Monday of the current week."""
    today = timezone.localtime(now or timezone.now()).date()
    monday = today - dt.timedelta(days=today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def _milestone_changes(
    since_day: dt.date, today: dt.date
) -> tuple[list[MilestoneChange], list[MilestoneChange]]:
    """One query: milestones completed since the day, and open ones that fell due since then.

    "Newly overdue" means due on or after `since_day` and before today while still open:
    at `since` they were not yet late, now they are.
    """
    completed, overdue = [], []
    rows = (
        Milestone.objects.filter(
            Q(status=MilestoneStatus.DONE, completed_on__gte=since_day)
            | Q(
                status__in=[MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS],
                due_date__gte=since_day,
                due_date__lt=today,
            )
        )
        .select_related("project")
        .order_by("due_date", "pk")
    )
    for m in rows:
        url = reverse("policy:project-detail", args=[m.project_id])
        name = m.project.display_name()
        if m.status == MilestoneStatus.DONE:
            done_on = m.completed_on or m.due_date  # a done milestone has its date (constraint)
            completed.append(MilestoneChange(m.display_title(), name, url, done_on))
        else:
            overdue.append(MilestoneChange(m.display_title(), name, url, m.due_date))
    completed.sort(key=lambda c: c.date)
    return completed, overdue


def _kpi_changes(since: dt.datetime) -> list[KpiChange]:
    """One query: KPI values approved at or after `since`.

    A value approved without a review timestamp (seeded or imported as approved) counts from
    the moment it was entered.
    """
    rows = (
        KpiValue.objects.filter(state=ReviewState.APPROVED, approved_value__isnull=False)
        .filter(Q(reviewed_at__gte=since) | Q(reviewed_at__isnull=True, entered_at__gte=since))
        .select_related("kpi", "kpi__project", "kpi__initiative")
        .order_by("kpi__order", "period_end")
    )
    changes = []
    for v in rows:
        owner = v.kpi.project or v.kpi.initiative
        if v.kpi.project is not None:
            url = reverse("policy:project-detail", args=[v.kpi.project.pk])
        elif v.kpi.initiative is not None:
            url = reverse("policy:initiative-detail", args=[v.kpi.initiative.code])
        changes.append(
            KpiChange(
                name=v.kpi.display_name(),
                owner_name=owner.display_name() if owner else "",
                period=v.period,
                value=float(v.approved_value or 0),  # the query keeps approved values only
                unit=v.kpi.unit,
                approved_at=v.reviewed_at or v.entered_at,
                url=url,
            )
        )
    return changes


def program_changes_since(
    user: AnyUser, since: dt.datetime, *, today: dt.date | None = None
) -> ProgramChanges:
    """Milestones completed, milestones newly overdue and KPI values approved since `since`.

    Two queries. Empty for a user who may read nothing.
    """
    changes = ProgramChanges(since=since)
    if not user_scope(user).can_read:
        return changes
    today = today or timezone.localdate()
    since_day = timezone.localtime(since).date() if timezone.is_aware(since) else since.date()
    changes.completed, changes.newly_overdue = _milestone_changes(since_day, today)
    changes.kpi_values = _kpi_changes(since)
    return changes
