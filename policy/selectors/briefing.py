"""Reads for PDF briefings: the archive list and every figure a briefing is written from.

`briefing_facts` runs a fixed number of queries whatever the data size (documented on it).
A briefing is written "as of" the end of its period: statuses, latest KPI values and overdue
milestones are judged on that day, never on the day the PDF happens to be generated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from ..briefings.periods import BriefingPeriod
from ..models import (
    Briefing,
    BriefingStatus,
    BriefingSubscription,
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneStatus,
    Role,
)
from ..permissions import Scope, user_scope
from ..status import KpiFact, Status, Thresholds, project_kpi
from .program import InitiativeRow, initiative_overview, kpi_facts

OPEN = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)

# How old (days from the period start) an indicator's latest figure may be before the
# briefing calls it stale: about two publication cycles, since statistics come out late.
STALE_AFTER_DAYS = {"A": 913, "H": 548, "Q": 270, "M": 120, "D": 30}


def briefing_list(user: Any) -> QuerySet[Briefing]:
    """The archive, newest period first. Every role may read it; no role sees nothing."""
    if not user_scope(user).can_read:
        return Briefing.objects.none()
    return Briefing.objects.select_related("requested_by")


def briefing_last_generated_at() -> dt.datetime | None:
    """When the latest briefing was generated ("what changed since the last briefing")."""
    return (
        Briefing.objects.filter(status=BriefingStatus.READY, kind__in=["weekly", "monthly"])
        .order_by("-generated_at")
        .values_list("generated_at", flat=True)
        .first()
    )


def briefing_subscription_get(user: Any) -> BriefingSubscription | None:
    """The user's email opt-in, if they ever saved one."""
    return BriefingSubscription.objects.filter(user=user).first()


class _BriefingReader:
    """The reader a scheduled briefing is written for: may read everything, no one in person.

    Beat and the command have no request user; selectors that scope by user get this one.
    """

    is_authenticated = True
    is_active = True
    _policy_scope = Scope(frozenset({"official"}), frozenset(), frozenset())


BRIEFING_READER = _BriefingReader()


@dataclass
class KpiLine:
    code: str
    name: str
    unit: str
    higher_is_better: bool
    is_headline: bool
    latest: float | None
    latest_date: dt.date | None
    previous: float | None
    target: float | None
    target_date: dt.date | None
    attainment_pct: float | None  # latest as % of the next target (direction-aware)
    projected: float | None
    rag: str
    source_note: str
    fact: KpiFact


@dataclass
class MilestoneLine:
    title: str
    project: str
    owner_org: str
    owners: str
    due_date: dt.date
    completed_on: dt.date | None
    days_overdue: int


@dataclass
class InitiativeSection:
    initiative: Initiative
    name: str
    status: Status
    project_count: int
    projects_by_rag: dict[str, int]
    kpis: list[KpiLine] = field(default_factory=list)
    completed: list[MilestoneLine] = field(default_factory=list)
    overdue: list[MilestoneLine] = field(default_factory=list)

    @property
    def headline_kpi(self) -> KpiLine | None:
        with_data = [k for k in self.kpis if k.fact.values]
        return next((k for k in with_data if k.is_headline), with_data[0] if with_data else None)


@dataclass
class IndicatorLine:
    code: str
    name: str
    area: str
    dimension: str
    unit: str
    decimals: int
    period: str
    value: float
    previous_period: str | None
    previous_value: float | None
    confidence: str
    confidence_note: str
    is_stale: bool
    updated_at: dt.datetime | None

    @property
    def change(self) -> float | None:
        return None if self.previous_value is None else self.value - self.previous_value

    @property
    def change_pct(self) -> float | None:
        if self.previous_value in (None, 0):
            return None
        return (self.value - self.previous_value) / abs(self.previous_value) * 100


@dataclass
class SourceLine:
    name: str
    publisher: str
    citation: str
    confidence: str
    last_run_at: dt.datetime | None
    last_status: str | None
    last_success_at: dt.datetime | None
    is_stale: bool


@dataclass
class BriefingFacts:
    period: BriefingPeriod
    as_of: dt.date
    lang: str
    initiatives: list[InitiativeSection]
    indicators: list[IndicatorLine]
    sources: list[SourceLine]

    @property
    def stale_indicators(self) -> list[IndicatorLine]:
        return [i for i in self.indicators if i.is_stale]

    @property
    def stale_sources(self) -> list[SourceLine]:
        return [s for s in self.sources if s.is_stale]


def _as_of(period: BriefingPeriod) -> dt.date:
    return min(period.end, timezone.localdate())


def _kpi_line(kpi: Kpi, fact: KpiFact, as_of: dt.date, limits: Thresholds) -> KpiLine:
    values = sorted(v for v in fact.values if v[0] <= as_of)
    fact = KpiFact(
        fact.name, fact.unit, fact.higher_is_better, fact.targets, values, fact.baseline
    )
    projection = project_kpi(fact, as_of)
    upcoming = [t for t in sorted(fact.targets) if t[0] >= as_of] or sorted(fact.targets)[-1:]
    target_date, target = upcoming[0] if upcoming else (None, None)
    latest = values[-1] if values else None
    attainment = None
    if latest and target and latest[1]:
        ratio = latest[1] / target if fact.higher_is_better else target / latest[1]
        attainment = ratio * 100
    rag = "grey"
    if projection is not None:
        shortfall = projection.shortfall
        rag = (
            "green"
            if shortfall <= 0
            else "amber"
            if shortfall <= limits.amber_max_kpi_shortfall
            else "red"
        )
    return KpiLine(
        code=kpi.code,
        name=fact.name,
        unit=kpi.unit,
        higher_is_better=fact.higher_is_better,
        is_headline=kpi.is_headline,
        latest=latest[1] if latest else None,
        latest_date=latest[0] if latest else None,
        previous=values[-2][1] if len(values) > 1 else None,
        target=target,
        target_date=target_date,
        attainment_pct=attainment,
        projected=projection.projected if projection else None,
        rag=rag,
        source_note=kpi.source_note,
        fact=fact,
    )


def _kpis_by_initiative(as_of: dt.date, lang: str) -> dict[int, list[KpiLine]]:
    """Initiative KPIs and headline project KPIs, with trajectories. Three queries."""
    kpis = list(
        Kpi.objects.filter(Q(initiative__isnull=False) | Q(is_headline=True))
        .select_related("project")
        .prefetch_related(
            Prefetch("targets", queryset=KpiTarget.objects.order_by("target_date")),
            Prefetch(
                "values",
                queryset=KpiValue.objects.filter(approved_value__isnull=False).order_by(
                    "period_end"
                ),
            ),
        )
    )
    facts = kpi_facts(kpis, lang)
    limits = Thresholds.from_settings()
    grouped: dict[int, list[KpiLine]] = defaultdict(list)
    for kpi in kpis:
        initiative_id = kpi.initiative_id or kpi.project.initiative_id
        grouped[initiative_id].append(_kpi_line(kpi, facts[kpi.pk], as_of, limits))
    return grouped


def _owners_by_project(project_ids: set[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for membership in Membership.objects.filter(
        project_id__in=project_ids, role=Role.OWNER
    ).select_related("user"):
        user = membership.user
        names[membership.project_id].append(user.get_full_name() or user.username)
    return names


def _milestones(
    period: BriefingPeriod, as_of: dt.date, lang: str
) -> tuple[dict[int, list[MilestoneLine]], dict[int, list[MilestoneLine]]]:
    """Completed in the period and overdue on `as_of`, by initiative. Two queries."""
    rows = list(
        Milestone.objects.filter(
            Q(completed_on__gte=period.start, completed_on__lte=as_of)
            | Q(status__in=OPEN, due_date__lt=as_of)
        )
        .select_related("project")
        .order_by("due_date", "pk")
    )
    owners = _owners_by_project({m.project_id for m in rows})
    completed: dict[int, list[MilestoneLine]] = defaultdict(list)
    overdue: dict[int, list[MilestoneLine]] = defaultdict(list)
    for m in rows:
        line = MilestoneLine(
            title=m.display_title(lang),
            project=m.project.display_name(lang),
            owner_org=m.project.owner_org,
            owners="、".join(owners.get(m.project_id, [])),
            due_date=m.due_date,
            completed_on=m.completed_on,
            days_overdue=m.days_overdue(as_of),
        )
        target = completed if m.completed_on else overdue
        target[m.project.initiative_id].append(line)
    for lines in overdue.values():
        lines.sort(key=lambda x: -x.days_overdue)
    return completed, overdue


def _indicators(as_of: dt.date, lang: str) -> list[IndicatorLine]:
    """Latest figure of every series up to `as_of`, with the one before it. One query."""
    from indicators.models import Observation

    series: dict[tuple[int, str, str], list[Any]] = defaultdict(list)
    observations = (
        Observation.objects.filter(period_start__lte=as_of)
        .select_related("indicator", "area")
        .order_by("indicator__category", "indicator__order", "area__code", "period_start")
    )
    for obs in observations:
        series[(obs.indicator_id, obs.area_id, obs.dimension)].append(obs)
    lines = []
    for rows in series.values():
        last, before = rows[-1], (rows[-2] if len(rows) > 1 else None)
        ind = last.indicator
        max_age = STALE_AFTER_DAYS.get(ind.frequency, 913)
        lines.append(
            IndicatorLine(
                code=ind.code,
                name=ind.display_name(lang),
                area=last.area.display_name(lang),
                dimension=last.dimension,
                unit=ind.unit,
                decimals=ind.decimals,
                period=last.period,
                value=last.value,
                previous_period=before.period if before else None,
                previous_value=before.value if before else None,
                confidence=str(ind.get_confidence_display()),
                confidence_note=ind.confidence_note,
                is_stale=(as_of - last.period_start).days > max_age,
                updated_at=last.updated_at,
            )
        )
    return lines


def _sources(as_of: dt.date) -> list[SourceLine]:
    """Each configured source with its last run and last success. One query."""
    from indicators.models import IngestionRun, RunStatus, Source

    latest = IngestionRun.objects.filter(source=OuterRef("pk")).order_by("-started_at")
    rows = Source.objects.annotate(
        last_run_at=Max("runs__started_at"),
        last_success_at=Max("runs__finished_at", filter=Q(runs__status=RunStatus.SUCCEEDED)),
        last_status=Subquery(latest.values("status")[:1]),
    ).order_by("code")
    limit = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
    lines = []
    for source in rows:
        ok = source.last_success_at
        stale = source.enabled and (ok is None or (limit - ok).days > source.expected_every_days)
        lines.append(
            SourceLine(
                name=source.name,
                publisher=source.publisher,
                citation=source.citation,
                confidence=str(source.get_confidence_display()),
                last_run_at=source.last_run_at,
                last_status=source.last_status,
                last_success_at=ok,
                is_stale=stale,
            )
        )
    return lines


def briefing_facts(period: BriefingPeriod, *, lang: str = "zh-hans") -> BriefingFacts:
    """Everything a briefing states, as of the end of `period`.

    Sixteen queries whatever the data size: the 4+1 overview (9), KPIs with targets and
    values (3), milestones and their owners (2), observations (1), sources with runs (1).
    """
    as_of = _as_of(period)
    rows: list[InitiativeRow] = initiative_overview(BRIEFING_READER, today=as_of, lang=lang)
    # Meta.ordering is not applied to the overview's GROUP BY query: order here.
    rows.sort(key=lambda r: r.initiative.order)
    kpis = _kpis_by_initiative(as_of, lang)
    completed, overdue = _milestones(period, as_of, lang)
    sections = [
        InitiativeSection(
            initiative=row.initiative,
            name=row.initiative.display_name(lang),
            status=row.status,
            project_count=row.project_count,
            projects_by_rag=row.projects_by_rag,
            kpis=kpis.get(row.initiative.pk, []),
            completed=completed.get(row.initiative.pk, []),
            overdue=overdue.get(row.initiative.pk, []),
        )
        for row in rows
    ]
    return BriefingFacts(
        period=period,
        as_of=as_of,
        lang=lang,
        initiatives=sections,
        indicators=_indicators(as_of, lang),
        sources=_sources(as_of),
    )
