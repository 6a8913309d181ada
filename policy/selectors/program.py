"""Reads of the program's statuses: the stored read model (policy/readmodel.py writes it).

Nothing here computes a status: every function reads the rows `policy.readmodel` stored, so
pages, the API and briefings show the same colour and reasons for the same day. Query counts
are fixed whatever the data size: each function documents how many it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Initiative, InitiativeStatus, Project, ProjectStatus
from ..permissions import user_scope
from ..readmodel import row_status
from ..status import Rag, Reason, Status
from ..types import AnyUser

NOT_COMPUTED = Status(Rag.GREY, (Reason("not_computed", {}),), None)


def stored_status(row: ProjectStatus | InitiativeStatus | None) -> Status:
    """The row's status, or "not computed yet" for an object no refresh has reached."""
    return row_status(row) if row is not None else NOT_COMPUTED


def project_status_row(project: Project) -> ProjectStatus | None:
    """The stored row of a project loaded with `select_related("status_row")` (no query)."""
    try:
        return project.status_row
    except ProjectStatus.DoesNotExist:
        return None


def initiative_status_row(initiative: Initiative) -> InitiativeStatus | None:
    """The stored row of an initiative loaded with `select_related("status_row")`."""
    try:
        return initiative.status_row
    except InitiativeStatus.DoesNotExist:
        return None


def project_list(user: AnyUser) -> QuerySet[Project]:
    """Projects the user may read (every project for any role; none without a role), each
    with its stored status row."""
    if not user_scope(user).can_read:
        return Project.objects.none()
    return Project.objects.select_related("initiative", "region", "status_row")


@dataclass
class InitiativeRow:
    initiative: Initiative
    project_count: int
    status: Status
    projects_by_rag: dict[str, int]
    milestones_by_state: dict[str, int]
    revision: int

    @property
    def as_of(self) -> dt.date | None:
        return self.status.as_of


def initiative_rows(user: AnyUser) -> list[InitiativeRow]:
    """The 4+1 in order with their stored statuses and counts. One query."""
    if not user_scope(user).can_read:
        return []
    rows = []
    for initiative in Initiative.objects.select_related("status_row").order_by("order"):
        row = initiative_status_row(initiative)
        rows.append(
            InitiativeRow(
                initiative=initiative,
                project_count=row.project_count if row else 0,
                status=stored_status(row),
                projects_by_rag=dict(row.projects_by_rag) if row else {},
                milestones_by_state=dict(row.milestones_by_state) if row else {},
                revision=row.revision if row else 0,
            )
        )
    return rows


def page_day(statuses: list[Status]) -> dt.date | None:
    """The day a page's statuses were computed for: the earliest (None: nothing computed)."""
    days = [s.as_of for s in statuses if s.as_of is not None]
    return min(days) if days else None


def is_stale(day: dt.date | None) -> bool:
    """Rows computed for an earlier day than today (the nightly refresh has not run)."""
    return day is not None and day < timezone.localdate()
