"""The project list: filters, server-side sorting and pages, rows as every table shows them.

Statuses, progress and next milestones come from the stored read model (policy.readmodel):
sorting orders by its columns, nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, OrderBy, QuerySet, Value, When

from ..models import Initiative, Membership, Project, ProjectPhase, Region, RegionLevel, Role
from ..status import RAG_ORDER, Rag
from ..types import AnyUser
from .dashboard import ProjectRow, owners_by_project, project_row, with_pending
from .records import ProjectFilters, projects_filtered

PAGE_SIZE = 50

_RAG_RANK = Case(
    *(When(status_row__rag=rag.value, then=Value(rank)) for rag, rank in RAG_ORDER.items()),
    default=Value(-1),
    output_field=IntegerField(),
)

# sort key → the columns it orders by (ascending); "-key" reverses. Ties end on the code.
SORTS: dict[str, tuple[object, ...]] = {
    "name": ("name_zh",),
    "initiative": ("initiative__order", "name_zh"),
    "region": ("region__code", "name_zh"),
    "status": (_RAG_RANK, "name_zh"),
    "progress": (F("status_row__progress"), "name_zh"),
    "due": (F("status_row__next_milestone_due"), "name_zh"),
    "phase": ("phase", "name_zh"),
}
DEFAULT_SORT = "-status"


@dataclass(frozen=True)
class ProjectListQuery:
    filters: ProjectFilters
    sort: str = DEFAULT_SORT

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def parse_sort(raw: str | None) -> str:
    """A sort the list knows, else the default (worst status first)."""
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in SORTS and raw.count("-") <= 1 else DEFAULT_SORT


def _ordering(sort: str) -> list[OrderBy]:
    descending = sort.startswith("-")
    out: list[OrderBy] = []
    for column in SORTS[sort.lstrip("-")]:
        expression = F(column) if isinstance(column, str) else column
        out.append(
            OrderBy(expression, descending=descending, nulls_last=True)  # type: ignore[arg-type]
        )
    out.append(OrderBy(F("code")))
    return out


def project_list(user: AnyUser, query: ProjectListQuery) -> QuerySet[Project]:
    """Matching projects in the chosen order (lazy: the caller slices a page or exports)."""
    return projects_filtered(user, query.filters).order_by(*_ordering(query.sort))


def project_list_rows(projects: Sequence[Project]) -> list[ProjectRow]:
    """Rows for one page of projects: owners and pending counts. Three queries."""
    owners = owners_by_project(p.pk for p in projects)
    rows = [project_row(p, owners[p.pk]) for p in projects]
    with_pending(rows)
    return rows


@dataclass(frozen=True)
class FilterChoices:
    initiatives: list[Initiative]
    regions: list[Region]
    owners: list[tuple[str, str]]  # (username, display name)
    statuses: list[tuple[str, str]]
    phases: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    """What the list's filters offer. Three queries."""
    owners = {}
    for m in (
        Membership.objects.filter(role=Role.OWNER, project__isnull=False, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    ):
        owners[m.user.username] = m.user.get_full_name() or m.user.username
    return FilterChoices(
        initiatives=list(Initiative.objects.order_by("order")),
        regions=list(
            Region.objects.filter(level=RegionLevel.PREFECTURE, projects__isnull=False)
            .distinct()
            .order_by("code")
        ),
        owners=list(owners.items()),
        statuses=[(r.value, str(r.label)) for r in (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY)],
        phases=[(p.value, str(p.label)) for p in ProjectPhase],
    )
