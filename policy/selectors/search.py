"""One search box over projects, milestones, KPIs and indicators.

Case-insensitive substring matching (Chinese substrings and codes alike) on names, titles and
codes. On PostgreSQL trigram indexes on the upper-cased columns serve these LIKE queries
(migrations policy 0010, indicators 0007); on SQLite the same queries scan, which is sound
at its scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.urls import reverse

from indicators.models import Indicator

from ..models import Kpi, Milestone, Project
from ..permissions import user_scope
from ..types import AnyUser

MIN_LENGTH = 1
MAX_LENGTH = 100
PER_GROUP = 20
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Hit:
    title: str
    code: str
    context: str  # where it belongs: initiative, project
    url: str


@dataclass
class SearchGroup:
    key: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0


@dataclass
class SearchResult:
    q: str
    groups: list[SearchGroup]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


def normalise_query(raw: str | None) -> str:
    """Trimmed, inner whitespace collapsed, at most MAX_LENGTH characters."""
    return " ".join((raw or "").split())[:MAX_LENGTH]


def _matching(q: str, *columns: str) -> Q:
    where = Q()
    for column in columns:
        where |= Q(**{f"{column}__icontains": q})
    return where


def _group(key: str, qs: QuerySet[M], hit: Callable[[M], Hit]) -> SearchGroup:
    total = qs.count()
    return SearchGroup(key, [hit(r) for r in qs[:PER_GROUP]], total)


def site_search(user: AnyUser, raw: str | None) -> SearchResult:
    """Up to twenty hits per kind with each kind's total. Eight queries (none when empty)."""
    q = normalise_query(raw)
    if len(q) < MIN_LENGTH or not user_scope(user).can_read:
        return SearchResult(q, [])
    projects = (
        Project.objects.filter(_matching(q, "name_zh", "name_en", "code", "owner_org"))
        .select_related("initiative")
        .order_by("initiative__order", "code")
    )
    milestones = (
        Milestone.objects.filter(_matching(q, "title_zh", "title_en"))
        .select_related("project")
        .order_by("due_date", "pk")
    )
    kpis = (
        Kpi.objects.filter(_matching(q, "name_zh", "name_en", "code"))
        .select_related("project", "initiative")
        .order_by("order", "code")
    )
    indicators = Indicator.objects.filter(_matching(q, "name_zh", "name_en", "code")).order_by(
        "category", "order", "code"
    )
    groups = [
        _group(
            "projects",
            projects,
            lambda p: Hit(
                p.display_name(),
                p.code,
                p.initiative.display_name(),
                reverse("policy:project-detail", args=[p.pk]),
            ),
        ),
        _group(
            "milestones",
            milestones,
            lambda m: Hit(
                m.display_title(),
                m.due_date.isoformat(),
                m.project.display_name(),
                reverse("policy:milestone-detail", args=[m.pk]),
            ),
        ),
        _group("kpis", kpis, _kpi_hit),
        _group(
            "indicators",
            indicators,
            lambda i: Hit(
                i.display_name(), i.code, "", reverse("indicators:detail", args=[i.code])
            ),
        ),
    ]
    return SearchResult(q, groups)


def _kpi_hit(k: Kpi) -> Hit:
    if k.project_id and k.project is not None:
        where = k.project.display_name()
        url = reverse("policy:project-detail", args=[k.project_id])
    else:
        where = k.initiative.display_name() if k.initiative else ""
        url = reverse("policy:initiative-detail", args=[k.initiative.code if k.initiative else ""])
    return Hit(k.display_name(), k.code, where, url + "#h-kpis")
