"""Reads for PDF briefings: the archive list and every figure a briefing is written from.

`briefing_facts` runs a fixed number of queries whatever the data size (documented on it).
A briefing is written "as of" the end of its period: statuses, latest KPI values and overdue
milestones are judged on that day, never on the day the PDF happens to be generated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.analytics.results import PowerBriefing
from indicators.analytics.selectors import power_briefing
from indicators.models import Confidence, Indicator, IngestionRun, Observation, Source
from indicators.periods import (
    FREQUENCY_RANK,
    data_overdue,
    data_period_text,
    frequency_expression,
    frequency_of,
    frequency_sql,
    next_period_code,
    period_label,
    time_order,
)
from indicators.selectors import (
    Freshness,
    Provenance,
    SourceHealth,
    indicator_freshness,
    value_row_for,
    with_flags,
)

from ..investment import due_month
from ..models import (
    Initiative,
    InitiativeStatus,
    Kpi,
    KpiStatus,
    Membership,
    Milestone,
    MilestoneStatus,
    Region,
    Role,
    StatusChange,
    StatusSubject,
)
from ..permissions import Scope, scoped_reader, user_scope
from ..readmodel import Trajectory, change_status, load_trajectories
from ..selectors.dashboard import KpiSeries, kpi_series
from ..selectors.investment import (
    InvestmentFigures,
    ProjectInvestmentLine,
    initiative_investment,
    initiative_sums,
    investment_lines,
    program_investment,
)
from ..status import Rag, Reason, Status, target_progress
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

    @property
    def latest_doubt(self) -> str:
        """The 存疑 comparison of the latest value ("" when it breaks no rule)."""
        return self.series.doubts.get(self.latest_date, "") if self.latest_date else ""


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
    status: Status  # from the status history: the entry in force on the cut-off
    project_count: int
    projects_by_rag: dict[str, int]
    kpis: list[KpiLine] = field(default_factory=list)
    completed: list[MilestoneLine] = field(default_factory=list)
    overdue: list[MilestoneLine] = field(default_factory=list)

    @property
    def has_record(self) -> bool:
        """False when the status history records nothing for the initiative by the cut-off."""
        return not any(r.code == "no_record" for r in self.status.reasons)

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
    freq_label: str = ""
    flag_text: str = ""  # a data-quality rule's comparison when the value is doubtful
    # The next period should have been published by the cut-off (the indicator's publication
    # lag, ``indicators.periods.data_overdue``): the figure may be out of date.
    overdue: bool = False
    lag_days: int = 0
    expected_text: str = ""  # the period that should have been published ("2025 年数据")

    @property
    def source_stale(self) -> bool:
        """The indicators app's rule: the delivering source (or a derived input's) is stale."""
        return self.provenance.stale

    @property
    def is_stale(self) -> bool:
        """Out of date either way: the source stopped delivering, or the data is overdue."""
        return self.provenance.stale or self.overdue

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
class ColourChange:
    """A project or initiative that changed colour between two briefings' cut-offs."""

    day: dt.date
    subject: str  # "project" / "initiative"
    name: str
    from_rag: str
    to_rag: str
    status: Status  # the reasons then, day counts as of `day`


@dataclass
class InvestmentFacts:
    """The year's investment as of the cut-off: programme, initiatives, the projects behind."""

    programme: InvestmentFigures
    initiatives: list[tuple[str, InvestmentFigures]]
    behind: list[ProjectInvestmentLine]  # amber or red by the investment rule, worst first
    # Projects whose approved months of the year include one still marked 存疑.
    doubtful: list[ProjectInvestmentLine] = field(default_factory=list)


@dataclass
class BriefingFacts:
    period: BriefingPeriod
    as_of: dt.date
    initiatives: list[InitiativeSection]
    indicators: list[IndicatorLine]
    sources: list[SourceLine]
    history_starts: dt.date | None = None  # the first day the status history records
    changes_since: dt.date | None = None  # the previous briefing period's cut-off
    colour_changes: list[ColourChange] = field(default_factory=list)
    power: PowerBriefing | None = None  # the monthly compute–power section
    investment: InvestmentFacts | None = None

    @property
    def stale_indicators(self) -> list[IndicatorLine]:
        return [i for i in self.indicators if i.is_stale]

    @property
    def stale_sources(self) -> list[SourceLine]:
        return [s for s in self.sources if s.is_stale]


def _as_of(period: BriefingPeriod) -> dt.date:
    return min(period.end, timezone.localdate())


def _entries_at(subject: str, key: str, cutoff: dt.date) -> dict[int, StatusChange]:
    """The history entry in force on `cutoff` for every object of `subject`. One query
    (a window function picks each object's latest entry in the database)."""
    entries = (
        StatusChange.objects.filter(subject=subject, day__lte=cutoff)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F(key)],
                order_by=[F("day").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
    )
    return {getattr(e, key): e for e in entries}


def _no_record(cutoff: dt.date, starts: dt.date | None) -> Status:
    since = starts.isoformat() if starts else ""
    return Status(Rag.GREY, (Reason("no_record", {"since": since}),), cutoff)


def _status_at(
    entry: StatusChange | None,
    computed_on: dt.date | None,
    cutoff: dt.date,
    starts: dt.date | None,
) -> Status:
    """The recorded status on `cutoff`; its day is the cut-off, or the day the row was last
    computed when that is earlier (the nightly refresh did not run since)."""
    if entry is None:
        return _no_record(cutoff, starts)
    status = change_status(entry)
    day = min(cutoff, computed_on) if computed_on else cutoff
    return Status(status.rag, status.reasons, day)


def _kpi_row_at(kpi: Kpi, entry: StatusChange | None, day: dt.date) -> KpiStatus | None:
    """The KPI's figures recorded on the cut-off as an (unsaved) row."""
    if entry is None:
        return None
    snap = entry.snapshot

    def date(name: str) -> dt.date | None:
        value = snap.get(name)
        return dt.date.fromisoformat(value) if value else None

    return KpiStatus(
        kpi=kpi,
        rag=entry.to_rag,
        target_date=date("target_date"),
        target=snap.get("target"),
        projected=snap.get("projected"),
        shortfall=snap.get("shortfall"),
        latest_value=snap.get("latest_value"),
        latest_date=date("latest_date"),
        previous_value=snap.get("previous_value"),
        year_target_date=date("year_target_date"),
        year_target=snap.get("year_target"),
        as_of=day,
    )


def _cut(trajectory: Trajectory, as_of: dt.date) -> Trajectory:
    """The trajectory as of `as_of`: values of later periods did not exist on that day."""
    return Trajectory(
        trajectory.baseline,
        trajectory.targets,
        [v for v in trajectory.values if v[0] <= as_of],
        {when: flags for when, flags in trajectory.doubts.items() if when <= as_of},
    )


def _kpi_line(kpi: Kpi, series: KpiSeries, as_of: dt.date) -> KpiLine:
    """Table row of a KPI: the latest value up to the cut-off against the cut-off year's target
    (from the records), projection and colour as recorded on the cut-off (from the history)."""
    values = series.values
    latest = values[-1] if values else None
    later = [t for t in series.targets if t[0].year >= as_of.year]
    target = later[0] if later else (series.targets[-1] if series.targets else None)
    baseline = series.baseline[1] if series.baseline else None
    ratio = (
        target_progress(latest[1], target[1], baseline, series.higher_is_better)
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
        previous=values[-2][1] if len(values) > 1 else None,
        target=target[1] if target else None,
        target_date=target[0] if target else None,
        attainment_pct=ratio * 100 if ratio is not None else None,
        projected=series.projection.projected if series.projection else None,
        rag=series.rag,
        source_note=kpi.source_note,
        series=series,
    )


def _kpis_by_initiative(as_of: dt.date) -> dict[int, list[KpiLine]]:
    """Initiative KPIs and headline project KPIs with trajectories and the figures recorded
    on the cut-off. Four queries (five with an indicator-linked KPI)."""
    kpis = list(
        Kpi.objects.filter(Q(initiative__isnull=False) | Q(is_headline=True))
        .select_related("initiative", "project")
        .order_by("order", "pk")
    )
    trajectories = load_trajectories(kpis)
    entries = _entries_at(StatusSubject.KPI, "kpi_id", as_of)
    grouped: dict[int, list[KpiLine]] = defaultdict(list)
    for kpi in kpis:
        initiative_id = kpi.initiative_id or kpi.project.initiative_id  # type: ignore[union-attr]
        row = _kpi_row_at(kpi, entries.get(kpi.pk), as_of)
        series = kpi_series(kpi, row, _cut(trajectories[kpi.pk], as_of))
        grouped[initiative_id].append(_kpi_line(kpi, series, as_of))
    return grouped


def _colour_changes(since: dt.date, until: dt.date) -> list[ColourChange]:
    """Projects and initiatives that changed colour after `since` up to `until`. One query."""
    changes = []
    for c in (
        StatusChange.objects.filter(
            subject__in=[StatusSubject.PROJECT, StatusSubject.INITIATIVE],
            day__gt=since,
            day__lte=until,
        )
        .exclude(from_rag="")
        .exclude(from_rag=F("to_rag"))
        .select_related("project", "initiative")
        .order_by("-day", "-pk")
    ):
        owner = c.project or c.initiative
        changes.append(
            ColourChange(
                day=c.day,
                subject=c.subject,
                name=owner.display_name() if owner else "",
                from_rag=c.from_rag,
                to_rag=c.to_rag,
                status=change_status(c),
            )
        )
    return changes


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
            # Completed after the cut-off: still open, and late, on that day.
            | Q(status=MilestoneStatus.DONE, completed_on__gt=as_of, due_date__lt=as_of)
        )
        .select_related("project")
        .order_by("due_date", "pk")
    )
    owners = _owners_by_project({m.project_id for m in rows})
    completed: dict[int, list[MilestoneLine]] = defaultdict(list)
    overdue: dict[int, list[MilestoneLine]] = defaultdict(list)
    for m in rows:
        done = m.completed_on is not None and m.completed_on <= as_of
        line = MilestoneLine(
            title=m.display_title(),
            project=m.project.display_name(),
            owner_org=m.project.owner_org,
            owners="、".join(owners.get(m.project_id, [])),
            due_date=m.due_date,
            completed_on=m.completed_on if done else None,
            days_overdue=0 if done else (as_of - m.due_date).days,
        )
        target = completed if done else overdue
        target[m.project.initiative_id].append(line)
    for lines in overdue.values():
        lines.sort(key=lambda x: -x.days_overdue)
    return completed, overdue


def _series_lines(
    rows: list[Observation], then: Observation | None, fresh: Freshness, as_of: dt.date
) -> IndicatorLine:
    """A series' last two observations (oldest first) and its value at the end of the previous
    briefing period → its line, provenance by the indicators app; overdue as of the cut-off
    by the indicator's publication lag (the rule of the overview's figure cards)."""
    last = rows[-1]
    shown = value_row_for(last, fresh)
    before = rows[-2] if len(rows) > 1 else None
    indicator = last.indicator
    overdue = data_overdue(last.period, indicator.publication_lag_days, as_of)
    return IndicatorLine(
        code=indicator.code,
        name=indicator.display_name(),
        area=shown.area_name,
        dimension=last.dimension,
        unit=indicator.unit,
        decimals=indicator.decimals,
        period=period_label(last.period),
        freq_label=shown.freq_label,
        flag_text=shown.flag_text,
        value=last.value,
        provenance=shown.provenance,
        previous_period=period_label(then.period) if then else None,
        previous_value=then.value if then else None,
        prior_period=period_label(before.period) if before else None,
        prior_value=before.value if before else None,
        overdue=overdue,
        lag_days=indicator.publication_lag_days,
        expected_text=data_period_text(next_period_code(last.period)) if overdue else "",
    )


# Each series' latest `n` observation ids up to a day, one index probe per series on
# (indicator_id, area_id, period_start): a window function over every observation sorted two
# million rows at provincial scale (12 s); this takes half a second. Fixed names of our own
# tables and columns, no user input: the day and the count are parameters.
_LATEST_IDS_SQL = (
    "SELECT o.id FROM (SELECT DISTINCT indicator_id, area_id, dimension, "  # noqa: S608
    f"{frequency_sql('period')} AS fq "
    "FROM indicators_observation) s CROSS JOIN LATERAL (SELECT id FROM indicators_observation o "
    "WHERE o.indicator_id = s.indicator_id AND o.area_id = s.area_id "
    f"AND o.dimension = s.dimension AND {frequency_sql('o.period')} = s.fq "
    "AND o.period_start <= %s ORDER BY o.period_start DESC, o.period DESC LIMIT %s) o"
)


def _latest(until: dt.date, n: int) -> QuerySet[Observation]:
    """Each series' latest `n` observations up to `until` (a lazy queryset)."""
    if connection.vendor == "postgresql":
        ids = RawSQL(_LATEST_IDS_SQL, [until, n])  # noqa: S611 — fixed SQL, bound parameters
        return Observation.objects.filter(pk__in=ids)
    # Elsewhere (SQLite: the embedded default, small data) a window function does it.
    return (
        Observation.objects.filter(period_start__lte=until)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[
                    F("indicator_id"),
                    F("area_id"),
                    F("dimension"),
                    frequency_expression(),
                ],
                order_by=[F("period_start").desc(), F("period").desc()],
            )
        )
        .filter(rank__lte=n)
    )


def _attach_related(observations: list[Observation]) -> None:
    """Each observation's indicator, area and run (with its source), loaded once each.

    Two queries, three when an observation has a run: joined per row, 30,000 observations at
    provincial scale built 120,000 model instances for a few hundred indicators, areas, runs.
    """
    indicators = Indicator.objects.in_bulk({o.indicator_id for o in observations})
    areas = Region.objects.in_bulk({o.area_id for o in observations})
    runs = IngestionRun.objects.select_related("source").in_bulk(
        {o.run_id for o in observations if o.run_id}
    )
    for obs in observations:
        obs.indicator = indicators[obs.indicator_id]
        obs.area = areas[obs.area_id]
        obs.run = runs.get(obs.run_id) if obs.run_id else None


def _indicators(
    period: BriefingPeriod, as_of: dt.date
) -> tuple[list[IndicatorLine], dict[int, SourceHealth]]:
    """Every series up to `as_of` with provenance and staleness from the indicators app.

    Six queries (each series' last two observations; their indicators, areas and runs with
    sources; each series' value at the end of the previous period; source health), seven when
    a derived indicator is among them (its inputs' freshness). The database picks the rows
    (`_latest`): at provincial scale there are two million observations and a briefing
    needs two or three of each series. A source's staleness is the
    indicators app's rule, judged now: it says whether the pipeline behind a figure is still
    delivering, which is what a reader of any briefing, old or new, needs to know. Whether the
    data itself is overdue (its next period should have been published, by the indicator's
    publication lag) is judged on the cut-off, like everything else the briefing says.
    """

    latest = _latest
    previous_end = period.previous().end
    then = {
        (o.indicator_id, o.area_id, o.dimension, frequency_of(o.period)): o
        for o in latest(previous_end, 1).only(
            "indicator_id", "area_id", "dimension", "period", "period_start", "value"
        )
    }
    series: dict[tuple[int, int, str, str], list[Observation]] = defaultdict(list)
    observations = list(
        with_flags(latest(as_of, 2)).only(
            "indicator_id",
            "area_id",
            "dimension",
            "period",
            "period_start",
            "value",
            "run_id",
            "note",
        )
    )
    _attach_related(observations)
    observations.sort(
        key=lambda o: (
            o.indicator.category,
            o.indicator.order,
            o.indicator.code,
            o.area.order,
            o.area.code,
            o.dimension,
            FREQUENCY_RANK[frequency_of(o.period)],
            time_order(o.period),
        )
    )
    # A series is one frequency: a half-year is never "the previous period" of a year.
    for obs in observations:
        series[(obs.indicator_id, obs.area_id, obs.dimension, frequency_of(obs.period))].append(
            obs
        )
    fresh = indicator_freshness({rows[-1].indicator for rows in series.values()})
    lines = [_series_lines(rows, then.get(key), fresh, as_of) for key, rows in series.items()]
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

    Statuses (initiatives, KPI projections and colours) are the ones recorded in the status
    history on the cut-off — never a recompute over today's data; figures (latest values,
    project counts, milestones, indicators) are the records up to the cut-off. Fourteen
    queries whatever the data size (one more with derived indicators, one more with an
    indicator-linked KPI): initiatives with their rows and project counts, their history on
    the cut-off, where history starts, colour changes since the previous briefing (4); KPIs,
    targets, values and their recorded figures (4); milestones and their owners (2);
    observations (5) and source health (1); the sources' citations (1). A monthly briefing
    adds its compute–power section (one query when the cost indicator is not configured,
    else nine: ``power_briefing``). Names and explanations are in the active language: the
    renderer calls it inside `translation.override` of the briefing's language.
    """
    as_of = _as_of(period)
    # An aggregate query drops Meta.ordering (Django ≥ 3.1): order explicitly.
    initiatives = list(
        Initiative.objects.select_related("status_row")
        .annotate(project_count=Count("projects"))
        .order_by("order")
    )
    entries = _entries_at(StatusSubject.INITIATIVE, "initiative_id", as_of)
    starts = StatusChange.objects.aggregate(first=Min("day"))["first"]
    kpis = _kpis_by_initiative(as_of)
    completed, overdue = _milestones(period, as_of)
    sections = []
    for initiative in initiatives:
        entry = entries.get(initiative.pk)
        row = _row(initiative)
        snapshot = entry.snapshot if entry else {}
        sections.append(
            InitiativeSection(
                initiative=initiative,
                name=initiative.display_name(),
                status=_status_at(entry, row.as_of if row else None, as_of, starts),
                project_count=initiative.project_count,
                projects_by_rag=dict(snapshot.get("projects_by_rag", {})),
                kpis=kpis.get(initiative.pk, []),
                completed=completed.get(initiative.pk, []),
                overdue=overdue.get(initiative.pk, []),
            )
        )
    indicators, health = _indicators(period, as_of)
    previous_end = period.previous().end
    power = None
    if period.kind == BriefingKind.MONTHLY:
        power = power_briefing(reader=BRIEFING_READER, as_of=as_of, previous_end=previous_end)
    return BriefingFacts(
        period=period,
        as_of=as_of,
        initiatives=sections,
        indicators=indicators,
        sources=_sources(health),
        history_starts=starts,
        changes_since=previous_end,
        colour_changes=_colour_changes(previous_end, as_of),
        power=power,
        investment=_investment_facts(initiatives, as_of),
    )


def _investment_facts(initiatives: Sequence[Initiative], as_of: dt.date) -> InvestmentFacts:
    """Stored rows when the cut-off is their day (the usual case: a briefing of the current
    period), else derived as of the cut-off (`investment_lines(cutoff=...)`)."""
    rows = [_row(i) for i in initiatives]
    current = all(row is None or row.as_of <= as_of for row in rows)
    lines = investment_lines(BRIEFING_READER, cutoff=as_of)
    if current:
        parts = {i.pk: initiative_investment(_row(i)) for i in initiatives}
    else:
        parts = initiative_sums(lines, due_month(as_of, settings.INVESTMENT_REPORT_DUE_DAY))
    named = [(i.display_name(), parts.get(i.pk, InvestmentFigures())) for i in initiatives]
    order = {Rag.RED: 0, Rag.AMBER: 1}
    behind = sorted(
        (line for line in lines if line.figures.rag in order),
        key=lambda line: (order[Rag(line.figures.rag)], line.figures.rate or 0),
    )
    return InvestmentFacts(
        program_investment([f for _, f in named]),
        named,
        behind,
        [line for line in lines if line.doubts],
    )


def _row(initiative: Initiative) -> InitiativeStatus | None:
    try:
        return initiative.status_row
    except InitiativeStatus.DoesNotExist:
        return None
