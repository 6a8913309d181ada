"""Reads for PDF briefings: the archive list and every figure a briefing is written from.

`briefing_facts` runs a fixed number of queries whatever the data size (documented on it).
A briefing is written "as of" the end of its period: statuses, latest KPI values and overdue
milestones are judged on that day, never on the day the PDF happens to be generated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.analytics.results import PowerBriefing
from indicators.analytics.selectors import power_briefing
from indicators.models import Confidence, Observation, Source
from indicators.selectors import (
    Freshness,
    Provenance,
    SourceHealth,
    indicator_freshness,
    value_row_for,
)

from ..charts.kpi import progress_ratio
from ..models import (
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneStatus,
    Role,
)
from ..permissions import Scope, scoped_reader, user_scope
from ..selectors.dashboard import KpiSeries
from ..selectors.program import InitiativeRow, initiative_overview, kpi_facts
from ..status import KpiFact, Rag, Status, Thresholds, project_kpi, projection_rag
from ..types import AnyUser, User
from .models import Briefing, BriefingKind, BriefingStatus, BriefingSubscription
from .periods import BriefingPeriod

OPEN = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)


def briefing_list(user: AnyUser) -> QuerySet[Briefing]:
    """The archive, newest period first. Every role may read it; no role sees nothing."""
    if not user_scope(user).can_read:
        return Briefing.objects.none()
    return Briefing.objects.select_related("requested_by")


def briefing_get(user: AnyUser, pk: int) -> Briefing:
    """One briefing of the archive, 404 when it does not exist or the user may read nothing."""
    briefing = briefing_list(user).filter(pk=pk).first()
    if briefing is None:
        raise Http404(_("简报不存在。"))
    return briefing


def briefing_failures(user: AnyUser, *, limit: int = 10) -> list[Briefing]:
    """The latest failed briefings with their reasons, newest request first (admins only)."""
    if not user_scope(user).is_admin:
        return []
    return list(
        Briefing.objects.filter(status=BriefingStatus.FAILED).order_by("-requested_at")[:limit]
    )


def briefing_last_generated_at() -> dt.datetime | None:
    """When the latest briefing was generated ("what changed since the last briefing")."""
    return (
        Briefing.objects.filter(status=BriefingStatus.READY, kind__in=["weekly", "monthly"])
        .order_by("-generated_at")
        .values_list("generated_at", flat=True)
        .first()
    )


def briefing_subscription_get(user: User) -> BriefingSubscription | None:
    """The user's email opt-in, if they ever saved one."""
    return BriefingSubscription.objects.filter(user=user).first()


# The reader a scheduled briefing is written for: may read everything, no one in person.
BRIEFING_READER = scoped_reader(Scope(frozenset({"official"}), frozenset(), frozenset()))


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
    target: float | None  # this year's target (else the next one), as on the web pages
    target_date: dt.date | None
    attainment_pct: float | None  # latest as % of that target (direction-aware)
    projected: float | None
    rag: Rag
    source_note: str
    series: KpiSeries  # the trajectory as of the period end, for the dashboards' charts


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
        with_data = [k for k in self.kpis if k.series.values]
        return next((k for k in with_data if k.is_headline), with_data[0] if with_data else None)


@dataclass
class IndicatorLine:
    """One series' latest figure as of the period end, with provenance and two comparisons.

    - `previous_*`: the figure this series showed at the end of the previous briefing period
      ("change vs the previous period"); the same release as now means no new data since.
    - `prior_*`: the release before the latest one (e.g. 2024 beside 2025), for the trend.
    """

    code: str
    name: str
    area: str
    dimension: str
    unit: str
    decimals: int
    period: str
    value: float
    provenance: Provenance
    previous_period: str | None
    previous_value: float | None
    prior_period: str | None
    prior_value: float | None

    @property
    def is_stale(self) -> bool:
        """The indicators app's rule: the delivering source (or a derived input's) is stale."""
        return self.provenance.stale

    @property
    def has_previous(self) -> bool:
        return self.previous_value is not None

    @property
    def is_new(self) -> bool:
        """A release newer than the one the previous briefing period showed."""
        return self.has_previous and self.previous_period != self.period

    @property
    def change(self) -> float | None:
        if not self.is_new or self.previous_value is None:
            return None
        return self.value - self.previous_value

    @property
    def change_pct(self) -> float | None:
        return _pct(self.value, self.previous_value) if self.is_new else None

    @property
    def prior_change_pct(self) -> float | None:
        return _pct(self.value, self.prior_value)


def _pct(value: float, base: float | None) -> float | None:
    if base is None or base == 0:
        return None
    return (value - base) / abs(base) * 100


@dataclass
class SourceLine:
    """A configured source for the appendix: the indicators app's health plus its citation."""

    health: SourceHealth
    publisher: str
    citation: str
    confidence: str
    confidence_note: str

    @property
    def name(self) -> str:
        return self.health.name

    @property
    def is_stale(self) -> bool:
        return self.health.stale


@dataclass
class BriefingFacts:
    period: BriefingPeriod
    as_of: dt.date
    initiatives: list[InitiativeSection]
    indicators: list[IndicatorLine]
    sources: list[SourceLine]
    power: PowerBriefing | None = None  # the monthly compute–power section

    @property
    def stale_indicators(self) -> list[IndicatorLine]:
        return [i for i in self.indicators if i.is_stale]

    @property
    def stale_sources(self) -> list[SourceLine]:
        return [s for s in self.sources if s.is_stale]


def _as_of(period: BriefingPeriod) -> dt.date:
    return min(period.end, timezone.localdate())


def _kpi_series(kpi: Kpi, fact: KpiFact, as_of: dt.date) -> KpiSeries:
    """The dashboards' KPI series, cut at `as_of`: later values did not exist on that day."""
    values = sorted(v for v in fact.values if v[0] <= as_of)
    trimmed = KpiFact(
        fact.name, fact.unit, fact.higher_is_better, fact.targets, values, fact.baseline
    )
    owner = kpi.project or kpi.initiative
    return KpiSeries(
        kpi=kpi,
        name=fact.name,
        unit=fact.unit,
        higher_is_better=fact.higher_is_better,
        baseline=fact.baseline,
        targets=sorted(fact.targets),
        values=values,
        projection=project_kpi(trimmed, as_of),
        owner_name=owner.display_name() if owner else "",
    )


def _kpi_line(kpi: Kpi, series: KpiSeries, as_of: dt.date, limits: Thresholds) -> KpiLine:
    """Table row of a KPI: latest value vs this year's target, the figures the charts show."""
    latest = series.latest
    target = series.target_for_year(as_of.year)
    ratio = (
        progress_ratio(latest[1], target[1], series.higher_is_better)
        if latest and target
        else None
    )
    return KpiLine(
        code=kpi.code,
        name=series.name,
        unit=kpi.unit,
        higher_is_better=series.higher_is_better,
        is_headline=kpi.is_headline,
        latest=latest[1] if latest else None,
        latest_date=latest[0] if latest else None,
        previous=series.values[-2][1] if len(series.values) > 1 else None,
        target=target[1] if target else None,
        target_date=target[0] if target else None,
        attainment_pct=ratio * 100 if ratio is not None else None,
        projected=series.projection.projected if series.projection else None,
        rag=projection_rag(series.projection, limits.amber_max_kpi_shortfall),
        source_note=kpi.source_note,
        series=series,
    )


def _kpis_by_initiative(as_of: dt.date) -> dict[int, list[KpiLine]]:
    """Initiative KPIs and headline project KPIs, with trajectories. Three queries."""
    kpis = list(
        Kpi.objects.filter(Q(initiative__isnull=False) | Q(is_headline=True))
        .select_related("initiative", "project")
        .prefetch_related(
            Prefetch("targets", queryset=KpiTarget.objects.order_by("target_date")),
            Prefetch(
                "values",
                queryset=KpiValue.objects.filter(approved_value__isnull=False).order_by(
                    "period_end"
                ),
            ),
        )
        .order_by("order", "pk")
    )
    facts = kpi_facts(kpis)
    limits = Thresholds.from_settings()
    grouped: dict[int, list[KpiLine]] = defaultdict(list)
    for kpi in kpis:
        series = _kpi_series(kpi, facts[kpi.pk], as_of)
        grouped[kpi.owner_initiative_id].append(_kpi_line(kpi, series, as_of, limits))
    return grouped


def _owners_by_project(project_ids: set[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for membership in Membership.objects.filter(
        project_id__in=project_ids, role=Role.OWNER
    ).select_related("user"):
        user = membership.user
        if membership.project_id is not None:  # an owner's membership names its project
            names[membership.project_id].append(user.get_full_name() or user.username)
    return names


def _milestones(
    period: BriefingPeriod, as_of: dt.date
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
            title=m.display_title(),
            project=m.project.display_name(),
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


def _series_lines(
    rows: list[Observation], then: Observation | None, fresh: Freshness
) -> IndicatorLine:
    """A series' last two observations (oldest first) and its value at the end of the previous
    briefing period → its line, provenance by the indicators app."""
    last = rows[-1]
    shown = value_row_for(last, fresh)
    before = rows[-2] if len(rows) > 1 else None
    indicator = last.indicator
    return IndicatorLine(
        code=indicator.code,
        name=indicator.display_name(),
        area=shown.area_name,
        dimension=last.dimension,
        unit=indicator.unit,
        decimals=indicator.decimals,
        period=last.period,
        value=last.value,
        provenance=shown.provenance,
        previous_period=then.period if then else None,
        previous_value=then.value if then else None,
        prior_period=before.period if before else None,
        prior_value=before.value if before else None,
    )


def _indicators(
    period: BriefingPeriod, as_of: dt.date
) -> tuple[list[IndicatorLine], dict[int, SourceHealth]]:
    """Every series up to `as_of` with provenance and staleness from the indicators app.

    Three queries (each series' last two observations with runs and sources; each series'
    value at the end of the previous period; source health), four when a derived indicator is
    among them (its inputs' freshness). Window functions pick the rows in the database: at
    provincial scale there are a million observations and a briefing needs two or three of
    each series. Staleness is the indicators
    app's rule, judged now: it says whether the pipeline behind a figure is still delivering,
    which is what a reader of any briefing, old or new, needs to know.
    """

    def latest(until: dt.date, n: int) -> QuerySet[Observation]:
        return (
            Observation.objects.filter(period_start__lte=until)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("indicator_id"), F("area_id"), F("dimension")],
                    order_by=F("period_start").desc(),
                )
            )
            .filter(rank__lte=n)
        )

    previous_end = period.previous().end
    then = {
        (o.indicator_id, o.area_id, o.dimension): o
        for o in latest(previous_end, 1).only(
            "indicator_id", "area_id", "dimension", "period", "period_start", "value"
        )
    }
    series: dict[tuple[int, int, str], list[Observation]] = defaultdict(list)
    observations = (
        latest(as_of, 2)
        .select_related("indicator", "area", "run", "run__source")
        .order_by(
            "indicator__category",
            "indicator__order",
            "indicator__code",
            "area__order",
            "area__code",
            "dimension",
            "period_start",
        )
    )
    for obs in observations:
        series[(obs.indicator_id, obs.area_id, obs.dimension)].append(obs)
    fresh = indicator_freshness({rows[-1].indicator for rows in series.values()})
    lines = [_series_lines(rows, then.get(key), fresh) for key, rows in series.items()]
    return lines, fresh.health


def _sources(health: dict[int, SourceHealth]) -> list[SourceLine]:
    """Each configured source with its health (runs) and citation. One query."""
    lines = []
    for source in Source.objects.order_by("code"):
        state = health.get(source.pk)
        if state is None:  # created between the two reads: report it on the next briefing
            continue
        lines.append(
            SourceLine(
                health=state,
                publisher=source.publisher,
                citation=source.citation,
                confidence=str(Confidence(source.confidence).label)
                if source.confidence in Confidence.values
                else source.confidence,
                confidence_note=source.confidence_note,
            )
        )
    return lines


def briefing_facts(period: BriefingPeriod) -> BriefingFacts:
    """Everything a briefing states, as of the end of `period`.

    Seventeen queries whatever the data size (eighteen with derived indicators): the 4+1
    overview (9), KPIs with targets and values (3), milestones and their owners (2),
    observations with runs and sources (1), source health (1, +1 for derived inputs) and the
    sources' citations (1). A monthly briefing adds its compute–power section (one query
    when the cost indicator is not configured, else nine: ``power_briefing``). Names and
    explanations are in the active language: the renderer
    calls it inside `translation.override` of the briefing's language.
    """
    as_of = _as_of(period)
    rows: list[InitiativeRow] = initiative_overview(BRIEFING_READER, today=as_of)
    # Meta.ordering is not applied to the overview's GROUP BY query: order here.
    rows.sort(key=lambda r: r.initiative.order)
    kpis = _kpis_by_initiative(as_of)
    completed, overdue = _milestones(period, as_of)
    sections = [
        InitiativeSection(
            initiative=row.initiative,
            name=row.initiative.display_name(),
            status=row.status,
            project_count=row.project_count,
            projects_by_rag=row.projects_by_rag,
            kpis=kpis.get(row.initiative.pk, []),
            completed=completed.get(row.initiative.pk, []),
            overdue=overdue.get(row.initiative.pk, []),
        )
        for row in rows
    ]
    indicators, health = _indicators(period, as_of)
    power = None
    if period.kind == BriefingKind.MONTHLY:
        previous_end = period.previous().end
        power = power_briefing(reader=BRIEFING_READER, as_of=as_of, previous_end=previous_end)
    return BriefingFacts(
        period=period,
        as_of=as_of,
        initiatives=sections,
        indicators=indicators,
        sources=_sources(health),
        power=power,
    )
