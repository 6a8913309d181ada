"""Facts → `policy.status` → the stored read model, and the history of every change.

The one module that turns the program's records into `ProjectStatus`, `InitiativeStatus` and
`KpiStatus` rows (policy/models/readmodel.py). Pages, the API, charts and briefings read those
rows; nothing computes a status anywhere else.

- Writes: every service that changes an input calls `refresh_projects` (or `refresh_kpis`,
  `refresh_initiatives`, `refresh_for_indicators`) inside its own transaction, so the change is
  visible on the very next request. A refresh locks the projects, then their initiatives, in
  id order before it reads the facts: two concurrent writes to one project or initiative are
  serialised and the last to commit computes from everything committed before it.
- Calendar: status depends on the day (overdue milestones, passed target dates); the beat job
  `status_refresh_stale_task` recomputes every row whose `as_of` is not today, shortly after
  midnight. `manage.py status_rebuild` recomputes everything.
- History: a `StatusChange` is recorded when a project's or initiative's colour or reasons
  change, and when any figure of a KPI changes, with the day it took effect.

Facts are loaded in a fixed number of queries for any set of projects (documented on each
loader). `recompute` computes every row from scratch without reading or writing the stored
ones: the tests compare it with what is stored.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from indicators.models import Observation
from indicators.periods import parse_period

from .investment import (
    DerivationError,
    Entry,
    MonthFigure,
    derive_year,
    due_month,
    monthly_plan,
    year_progress,
)
from .models import (
    EntryFlagStatus,
    FundingSource,
    Initiative,
    InitiativeStatus,
    InvestmentPlan,
    InvestmentReport,
    Kpi,
    KpiStatus,
    KpiTarget,
    KpiValue,
    Milestone,
    MilestoneStatus,
    Project,
    ProjectFunding,
    ProjectStatus,
    StatusChange,
)
from .revision import program_changed
from .status import (
    RAGS,
    InvestmentFact,
    KpiFact,
    MilestoneFact,
    Projection,
    Rag,
    Reason,
    Status,
    Thresholds,
    initiative_status,
    investment_rag,
    project_kpi,
    project_status,
    projection_rag,
)

OPEN_STATES = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)
BATCH = 200  # projects per transaction in the nightly refresh and the rebuild

Payload = dict[str, Any]
Point = tuple[dt.date, float]


# --- Facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRecord:
    pk: int
    project_id: int
    title_zh: str
    title_en: str
    due_date: dt.date
    status: str
    percent: int
    weight: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def state(self, on: dt.date) -> str:
        """done / cancelled / overdue (open, past due on `on`) / due — the overview's buckets."""
        if self.status == MilestoneStatus.DONE:
            return "done"
        if self.status == MilestoneStatus.CANCELLED:
            return "cancelled"
        return "overdue" if self.due_date < on else "due"


@dataclass(frozen=True)
class Trajectory:
    """A KPI's baseline, target trajectory and actual values, each sorted by date.

    Actual values are the approved `KpiValue`s, or — for a KPI that follows an ingested
    indicator (`Kpi.indicator` + `indicator_area`) — that series' observations at period end.
    """

    baseline: Point | None = None
    targets: list[Point] = field(default_factory=list)
    values: list[Point] = field(default_factory=list)
    # Approved values still marked 存疑 (owner-confirmed, not yet resolved): their flags.
    doubts: dict[dt.date, list[dict[str, Any]]] = field(default_factory=dict)


def load_trajectories(kpis: Sequence[Kpi]) -> dict[int, Trajectory]:
    """Trajectories of the KPIs: two queries (targets, approved values, with the flags of
    those still 存疑), three when one of them follows an indicator (its observations)."""
    ids = [k.pk for k in kpis]
    targets: dict[int, list[Point]] = defaultdict(list)
    values: dict[int, list[Point]] = defaultdict(list)
    doubts: dict[int, dict[dt.date, list[dict[str, Any]]]] = defaultdict(dict)
    if ids:
        for kpi_id, when, value in (
            KpiTarget.objects.filter(kpi_id__in=ids)
            .order_by("target_date")
            .values_list("kpi_id", "target_date", "value")
        ):
            targets[kpi_id].append((when, float(value)))
        manual = [k.pk for k in kpis if not k.indicator_id]
        for kpi_id, when, approved, entered, quality, flags in (
            KpiValue.objects.filter(kpi_id__in=manual, approved_value__isnull=False)
            .order_by("period_end")
            .values_list(
                "kpi_id",
                "period_end",
                "approved_value",
                "value",
                "quality_status",
                "quality_flags",
            )
        ):
            if approved is not None:
                values[kpi_id].append((when, float(approved)))
                if quality == EntryFlagStatus.OPEN and approved == entered:
                    doubts[kpi_id][when] = flags
        values.update(_observed_values([k for k in kpis if k.indicator_id]))
    result = {}
    for kpi in kpis:
        baseline = None
        if kpi.baseline_value is not None and kpi.baseline_date is not None:
            baseline = (kpi.baseline_date, float(kpi.baseline_value))
        result[kpi.pk] = Trajectory(
            baseline, targets[kpi.pk], values[kpi.pk], doubts.get(kpi.pk, {})
        )
    return result


def _observed_values(kpis: Sequence[Kpi]) -> dict[int, list[Point]]:
    """(period end, value) of each linked KPI's series (no dimension). One query."""
    if not kpis:
        return {}
    wanted: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for kpi in kpis:
        wanted[(kpi.indicator_id, kpi.indicator_area_id)].append(kpi.pk)  # type: ignore[index]
    match = Q(pk__in=[])
    for indicator_id, area_id in wanted:
        match |= Q(indicator_id=indicator_id, area_id=area_id)
    values: dict[int, list[Point]] = defaultdict(list)
    for indicator_id, area_id, period, value in (
        Observation.objects.filter(match, dimension="")
        .order_by("period_start")
        .values_list("indicator_id", "area_id", "period", "value")
    ):
        end = parse_period(period).end
        for kpi_id in wanted[(indicator_id, area_id)]:
            values[kpi_id].append((end, float(value)))
    return values


def _kpis(where: Q) -> list[Kpi]:
    """KPIs with the initiative they count for (a project KPI: its project's). One query."""
    return list(Kpi.objects.filter(where).select_related("project").order_by("order", "code"))


def _fact(kpi: Kpi, trajectory: Trajectory) -> KpiFact:
    return KpiFact(
        name=kpi.name_zh,
        name_en=kpi.name_en,
        unit=kpi.unit,
        higher_is_better=kpi.direction == "higher",
        targets=trajectory.targets,
        values=trajectory.values,
        baseline=trajectory.baseline,
    )


def _milestones(project_ids: Sequence[int]) -> dict[int, list[MilestoneRecord]]:
    """Every milestone of the projects in due-date order. One query (plain tuples: at
    provincial scale that is 20,000 rows)."""
    rows: dict[int, list[MilestoneRecord]] = defaultdict(list)
    for values in (
        Milestone.objects.filter(project_id__in=list(project_ids))
        .order_by("due_date", "order", "pk")
        .values_list(
            "pk",
            "project_id",
            "title_zh",
            "title_en",
            "due_date",
            "status",
            "percent_complete",
            "weight",
        )
    ):
        record = MilestoneRecord(*values)
        rows[record.project_id].append(record)
    return rows


@dataclass
class InvestmentRecords:
    """A project's investment records: plans by (year, quarter), approved entries by year,
    funding rows (JSON-ready)."""

    total_plan: Decimal | None = None
    plans: dict[tuple[int, int | None], Decimal] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)  # the year plans' notes
    entries: dict[int, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    funding: list[dict[str, Any]] = field(default_factory=list)


def money(value: Decimal | None) -> str | None:
    """A stored amount as the JSON string the read model keeps (exact, two decimals)."""
    return None if value is None else f"{value:.2f}"


def _funding_entry(
    code: str, name_zh: str, name_en: str, planned: Decimal, arrived: Decimal
) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": name_zh,
        "name_en": name_en,
        "planned": money(planned),
        "arrived": money(arrived),
    }


def _investment(project_ids: Sequence[int]) -> dict[int, InvestmentRecords]:
    """Plans, approved monthly reports and funding of the projects. Four queries."""
    ids = list(project_ids)
    reports = InvestmentReport.objects.filter(
        project_id__in=ids, approved_amount_yuan__isnull=False
    )
    records: dict[int, InvestmentRecords] = defaultdict(InvestmentRecords)
    for pk, total in Project.objects.filter(pk__in=ids).values_list(
        "pk", "planned_investment_yuan"
    ):
        records[pk].total_plan = total
    for pk, year, quarter, amount, note in InvestmentPlan.objects.filter(
        project_id__in=ids
    ).values_list("project_id", "year", "quarter", "amount_yuan", "note"):
        records[pk].plans[(year, quarter)] = amount
        if quarter is None:
            records[pk].notes[year] = note
    for pk, year, month, kind, approved in reports.order_by("year", "month").values_list(
        "project_id", "year", "month", "approved_as", "approved_amount_yuan"
    ):
        if approved is not None:
            records[pk].entries[year].append(Entry(month, kind, approved))
    for pk, code, name_zh, name_en, planned, arrived in (
        ProjectFunding.objects.filter(project_id__in=ids)
        .order_by("source__order", "source__code")
        .values_list(
            "project_id",
            "source__code",
            "source__name_zh",
            "source__name_en",
            "planned_yuan",
            "arrived_yuan",
        )
    ):
        records[pk].funding.append(_funding_entry(code, name_zh, name_en, planned, arrived))
    return records


def _recorded(model: Any, where: Q, moment: dt.datetime, unrecorded: Q | None = None) -> list[Any]:
    """Each object's history record in force at `moment` (objects deleted by then dropped),
    plus the objects with no history at all (written by a bulk insert, as the demo's approved
    months are) that match `unrecorded`. Two queries."""
    in_force = (
        model.history.filter(where, history_date__lt=moment)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("id")],
                order_by=[F("history_date").desc(), F("history_id").desc()],
            )
        )
        .filter(rank=1)
    )
    found = [r for r in in_force if r.history_type != "-"]
    if unrecorded is not None:
        found += model.objects.filter(where, unrecorded).exclude(pk__in=model.history.values("id"))
    return found


def _investment_recorded(
    project_ids: Sequence[int], cutoff: dt.date
) -> dict[int, InvestmentRecords]:
    """As `_investment`, but as the change history had it at the end of `cutoff`: the plans,
    totals and funding in force then, and the reports approved by then (of months ended by
    then) with the amount approved then — a later approval, revision or plan change does not
    reach back. Nine queries."""
    moment = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time()))
    ids = list(project_ids)
    records: dict[int, InvestmentRecords] = defaultdict(InvestmentRecords)
    for project in _recorded(Project, Q(id__in=ids), moment, Q()):
        records[project.id].total_plan = project.planned_investment_yuan
    for plan in _recorded(InvestmentPlan, Q(project_id__in=ids), moment, Q()):
        records[plan.project_id].plans[(plan.year, plan.quarter)] = plan.amount_yuan
        if plan.quarter is None:
            records[plan.project_id].notes[plan.year] = plan.note
    where = Q(project_id__in=ids, period_end__lte=cutoff)
    reports = _recorded(InvestmentReport, where, moment, Q(reviewed_at__lt=moment))
    for r in sorted(reports, key=lambda r: (r.year, r.month)):
        if r.approved_amount_yuan is not None:
            records[r.project_id].entries[r.year].append(
                Entry(r.month, r.approved_as, r.approved_amount_yuan)
            )
    sources = {s.pk: s for s in FundingSource.objects.all()}
    funding = _recorded(ProjectFunding, Q(project_id__in=ids), moment, Q())
    for row in sorted(funding, key=lambda f: (sources[f.source_id].order, f.source_id)):
        source = sources[row.source_id]
        records[row.project_id].funding.append(
            _funding_entry(
                source.code, source.name_zh, source.name_en, row.planned_yuan, row.arrived_yuan
            )
        )
    return records


def _derived(entries: Sequence[Entry]) -> list[MonthFigure] | None:
    """The approved months derived; None when they do not derive (the services refuse such
    approvals, so only a hand edit in the database gets here)."""
    try:
        return derive_year(entries)
    except DerivationError:
        return None


def _investment_payload(
    records: InvestmentRecords, today: dt.date, limits: Thresholds
) -> tuple[Payload, InvestmentFact | None]:
    year = today.year
    plan = records.plans.get((year, None))
    quarters = {q: a for (y, q), a in records.plans.items() if y == year and q is not None}
    months = _derived(records.entries.get(year, [])) or []
    total = Decimal(0)
    for entries in records.entries.values():
        derived = _derived(entries)
        total += derived[-1].cumulative if derived else Decimal(0)
    spread = monthly_plan(plan, quarters) if plan is not None else None
    by_month = {m.month: m for m in months}
    rows = []
    plan_cumulative = Decimal(0)
    for month in range(1, 13):
        plan_cumulative += spread[month - 1] if spread else Decimal(0)
        figure = by_month.get(month)
        rows.append(
            {
                "month": month,
                "monthly": money(figure.monthly) if figure else None,
                "cumulative": money(figure.cumulative) if figure else None,
                "covers": figure.covers if figure else 0,
                "plan_cumulative": money(plan_cumulative) if spread else None,
            }
        )
    progress = year_progress(year, plan, months, today, settings.INVESTMENT_REPORT_DUE_DAY)
    fact = None
    if progress is not None:
        fact = InvestmentFact(
            year=year,
            month=progress.month,
            through_month=progress.through_month,
            plan=money(progress.plan) or "0",
            completed=money(progress.completed) or "0",
            rate=progress.rate,
            elapsed=progress.elapsed,
        )
    payload = {
        "invest_year": year,
        "invest_plan_yuan": plan,
        "invest_completed_yuan": months[-1].cumulative if months else None,
        "invest_through_month": months[-1].month if months else None,
        "invest_month": progress.month if progress else None,
        "invest_rate": progress.rate if progress else None,
        "invest_elapsed": progress.elapsed if progress else None,
        "invest_rag": investment_rag(fact, limits),
        "invest_note": records.notes.get(year, ""),
        "invest_total_plan_yuan": records.total_plan,
        "invest_completed_total_yuan": total if records.entries else None,
        "invest_months": rows if (months or spread) else [],
        "funding": records.funding,
    }
    return payload, fact


def investment_at(cutoff: dt.date) -> dict[int, Payload]:
    """Every project's investment figures as of a past cut-off (briefings for an earlier
    period): the same derivation over the figures as recorded then — the plans, total and
    funding in force at the end of the cut-off day and the reports approved by then, with
    the amounts approved then (`_investment_recorded`). Ten queries; nothing is stored."""
    ids = list(Project.objects.values_list("pk", flat=True))
    limits = Thresholds.from_settings()
    records = _investment_recorded(ids, cutoff)
    return {pk: _investment_payload(records[pk], cutoff, limits)[0] for pk in ids}


# --- Computing rows -------------------------------------------------------------------------


def progress_percent(milestones: Sequence[MilestoneRecord]) -> float | None:
    """Weighted completion of the milestones that still count (cancelled ones do not)."""
    counted = [m for m in milestones if m.status != MilestoneStatus.CANCELLED]
    total = sum(m.weight for m in counted)
    if not total:
        return None
    return sum(m.weight * m.percent for m in counted) / total


def _count(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return dict(counts)


def _kpi_payload(kpi: Kpi, fact: KpiFact, today: dt.date, limits: Thresholds) -> Payload:
    projection = project_kpi(fact, today)
    values = sorted(fact.values)
    targets = sorted(fact.targets)
    later = [t for t in targets if t[0].year >= today.year]
    year_target = later[0] if later else (targets[-1] if targets else None)
    return {
        "kpi_id": kpi.pk,
        "initiative_id": kpi.owner_initiative_id,
        "project_id": kpi.project_id,
        "rag": projection_rag(projection, limits.amber_max_kpi_shortfall),
        "target_date": projection.target_date if projection else None,
        "target": projection.target if projection else None,
        "projected": projection.projected if projection else None,
        "shortfall": projection.shortfall if projection else None,
        "latest_value": values[-1][1] if values else None,
        "latest_date": values[-1][0] if values else None,
        "previous_value": values[-2][1] if len(values) > 1 else None,
        "year_target_date": year_target[0] if year_target else None,
        "year_target": year_target[1] if year_target else None,
        "as_of": today,
    }


@dataclass
class ProjectResult:
    payload: Payload
    code: str
    name: tuple[str, str]
    status: Status


@dataclass
class Computed:
    projects: dict[int, ProjectResult] = field(default_factory=dict)
    kpis: dict[int, Payload] = field(default_factory=dict)


def _compute_projects(project_ids: Sequence[int], today: dt.date, limits: Thresholds) -> Computed:
    """Rows of the projects and of their KPIs. Nine queries (ten with indicator-linked KPIs)."""
    projects = list(
        Project.objects.filter(pk__in=list(project_ids)).values_list(
            "pk", "initiative_id", "code", "name_zh", "name_en"
        )
    )
    ids = [p[0] for p in projects]
    milestones = _milestones(ids)
    kpis = _kpis(Q(project_id__in=ids))
    trajectories = load_trajectories(kpis)
    investment = _investment(ids)
    facts: dict[int, list[KpiFact]] = defaultdict(list)
    result = Computed()
    for kpi in kpis:
        fact = _fact(kpi, trajectories[kpi.pk])
        facts[kpi.project_id].append(fact)  # type: ignore[index]
        result.kpis[kpi.pk] = _kpi_payload(kpi, fact, today, limits)
    for pk, initiative_id, code, name_zh, name_en in projects:
        mine = milestones[pk]
        invest, invest_fact = _investment_payload(investment[pk], today, limits)
        status = project_status(
            [MilestoneFact(m.title_zh, m.due_date, m.is_open, m.title_en) for m in mine],
            facts[pk],
            today,
            limits,
            invest_fact,
        )
        nxt = next((m for m in mine if m.is_open), None)
        result.projects[pk] = ProjectResult(
            payload={
                "project_id": pk,
                "initiative_id": initiative_id,
                "rag": status.rag,
                "reasons": status.reasons_json(),
                "progress": progress_percent(mine),
                "milestones_by_state": _count(m.state(today) for m in mine),
                "next_milestone_id": nxt.pk if nxt else None,
                "next_milestone_title_zh": nxt.title_zh if nxt else "",
                "next_milestone_title_en": nxt.title_en if nxt else "",
                "next_milestone_due": nxt.due_date if nxt else None,
                **invest,
                "as_of": today,
            },
            code=code,
            name=(name_zh, name_en),
            status=status,
        )
    return result


@dataclass(frozen=True)
class ProjectInput:
    """What an initiative's status needs of one of its projects."""

    initiative_id: int
    name: tuple[str, str]
    status: Status
    milestones_by_state: dict[str, int]
    invest_plan: Decimal | None = None
    invest_completed: Decimal | None = None


def _stored_project_inputs(initiative_ids: Sequence[int]) -> list[ProjectInput]:
    """The stored rows of the initiatives' projects, by project code. One query."""
    return [
        ProjectInput(
            row.initiative_id,
            (row.project.name_zh, row.project.name_en),
            Status(Rag(row.rag), tuple(Reason.from_json(r) for r in row.reasons), row.as_of),
            row.milestones_by_state,
            row.invest_plan_yuan,
            row.invest_completed_yuan,
        )
        for row in ProjectStatus.objects.filter(initiative_id__in=list(initiative_ids))
        .select_related("project")
        .only(
            "initiative_id",
            "rag",
            "reasons",
            "as_of",
            "milestones_by_state",
            "invest_plan_yuan",
            "invest_completed_yuan",
            "project__name_zh",
            "project__name_en",
            "project__code",
        )
        .order_by("project__code")
    ]


def _compute_initiatives(
    initiative_ids: Sequence[int],
    inputs: Sequence[ProjectInput],
    today: dt.date,
    limits: Thresholds,
) -> tuple[dict[int, Payload], dict[int, Payload]]:
    """Rows of the initiatives and of their own KPIs from their projects' statuses.

    Three queries (four with indicator-linked KPIs): KPIs, targets, values.
    """
    kpis = _kpis(Q(initiative_id__in=list(initiative_ids)))
    trajectories = load_trajectories(kpis)
    facts: dict[int, list[KpiFact]] = defaultdict(list)
    kpi_rows = {}
    for kpi in kpis:
        fact = _fact(kpi, trajectories[kpi.pk])
        facts[kpi.initiative_id].append(fact)  # type: ignore[index]
        kpi_rows[kpi.pk] = _kpi_payload(kpi, fact, today, limits)
    by_initiative: dict[int, list[ProjectInput]] = defaultdict(list)
    for item in inputs:
        by_initiative[item.initiative_id].append(item)
    rows = {}
    for initiative_id in initiative_ids:
        mine = by_initiative[initiative_id]
        status = initiative_status(
            [(p.name, p.status) for p in mine], facts[initiative_id], today, limits
        )
        milestones: dict[str, int] = defaultdict(int)
        for p in mine:
            for state, n in p.milestones_by_state.items():
                milestones[state] += n
        rows[initiative_id] = {
            "initiative_id": initiative_id,
            "rag": status.rag,
            "reasons": status.reasons_json(),
            "project_count": len(mine),
            "projects_by_rag": _count(p.status.rag for p in mine),
            "milestones_by_state": dict(milestones),
            **_investment_sums(mine, today),
            "as_of": today,
        }
    return rows, kpi_rows


def _investment_sums(projects: Sequence[ProjectInput], today: dt.date) -> Payload:
    """An initiative's plan and completion of the year: sums over its projects with a plan."""
    plans = [(p.invest_plan, p.invest_completed) for p in projects if p.invest_plan is not None]
    if not plans:
        return {"invest_plan_yuan": None, "invest_completed_yuan": None, "invest_month": None}
    return {
        "invest_plan_yuan": sum((plan for plan, _done in plans if plan), Decimal(0)),
        "invest_completed_yuan": sum((done for _plan, done in plans if done), Decimal(0)),
        "invest_month": due_month(today, settings.INVESTMENT_REPORT_DUE_DAY),
    }


# --- Storing rows and history ---------------------------------------------------------------

PROJECT_FIELDS = (
    "initiative_id",
    "rag",
    "reasons",
    "progress",
    "milestones_by_state",
    "next_milestone_id",
    "next_milestone_title_zh",
    "next_milestone_title_en",
    "next_milestone_due",
    "invest_year",
    "invest_plan_yuan",
    "invest_completed_yuan",
    "invest_through_month",
    "invest_month",
    "invest_rate",
    "invest_elapsed",
    "invest_rag",
    "invest_note",
    "invest_total_plan_yuan",
    "invest_completed_total_yuan",
    "invest_months",
    "funding",
)
INITIATIVE_FIELDS = (
    "rag",
    "reasons",
    "project_count",
    "projects_by_rag",
    "milestones_by_state",
    "invest_plan_yuan",
    "invest_completed_yuan",
    "invest_month",
)
KPI_FIELDS = (
    "initiative_id",
    "project_id",
    "rag",
    "target_date",
    "target",
    "projected",
    "shortfall",
    "latest_value",
    "latest_date",
    "previous_value",
    "year_target_date",
    "year_target",
)


@dataclass(frozen=True)
class Kind:
    model: type[ProjectStatus] | type[InitiativeStatus] | type[KpiStatus]
    key: str  # the primary key field's attname
    fields: tuple[str, ...]
    history_fields: tuple[str, ...]  # a change of one of these records a StatusChange
    subject: str


PROJECT = Kind(ProjectStatus, "project_id", PROJECT_FIELDS, ("rag", "reasons"), "project")
INITIATIVE = Kind(
    InitiativeStatus,
    "initiative_id",
    INITIATIVE_FIELDS,
    ("rag", "reasons", "project_count", "projects_by_rag"),
    "initiative",
)
KPI = Kind(KpiStatus, "kpi_id", KPI_FIELDS, KPI_FIELDS[2:], "kpi")


@dataclass
class Counts:
    """What a refresh did: rows computed, rows whose content changed, history recorded."""

    computed: int = 0
    changed: int = 0
    history: int = 0

    def add(self, other: Counts) -> None:
        self.computed += other.computed
        self.changed += other.changed
        self.history += other.history


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _snapshot(kind: Kind, payload: Payload) -> dict[str, Any]:
    if kind is KPI:
        return {f: _json_safe(payload[f]) for f in KPI_FIELDS[2:]}
    if kind is INITIATIVE:
        return {
            "project_count": payload["project_count"],
            "projects_by_rag": payload["projects_by_rag"],
        }
    return {}


def _change(kind: Kind, payload: Payload, old: Any, now: dt.datetime) -> StatusChange:
    key = kind.key
    return StatusChange(
        subject=kind.subject,
        **{key: payload[key]},
        from_rag=old.rag if old is not None else "",
        to_rag=payload["rag"],
        day=payload["as_of"],
        recorded_at=now,
        reasons=payload.get("reasons", []),
        snapshot=_snapshot(kind, payload),
    )


def _store(kind: Kind, payloads: Iterable[Payload]) -> Counts:
    """Upsert the rows; move `revision` on where the content changed; record history."""
    payloads = list(payloads)
    counts = Counts(computed=len(payloads))
    if not payloads:
        return counts
    key = kind.key
    existing = {
        getattr(row, key): row
        for row in kind.model.objects.filter(**{f"{key}__in": [p[key] for p in payloads]})
    }
    now = timezone.now()
    rows, changes = [], []
    for payload in payloads:
        old = existing.get(payload[key])
        differs = old is None or any(getattr(old, f) != payload[f] for f in kind.fields)
        if old is not None and not differs and old.as_of == payload["as_of"]:
            continue
        if old is None or any(getattr(old, f) != payload[f] for f in kind.history_fields):
            changes.append(_change(kind, payload, old, now))
        revision = 1 if old is None else old.revision + (1 if differs else 0)
        counts.changed += 1 if differs else 0
        rows.append(kind.model(**payload, revision=revision, computed_at=now))
    if rows:
        kind.model.objects.bulk_create(
            rows,  # type: ignore[arg-type]  # rows of kind.model, built just above
            update_conflicts=True,
            unique_fields=[kind.model._meta.pk.name],
            update_fields=[*kind.fields, "as_of", "revision", "computed_at"],
        )
    if changes:
        StatusChange.objects.bulk_create(changes)
        counts.history = len(changes)
    if counts.changed:
        program_changed()  # bulk writes send no signals: tell the page caches ourselves
    return counts


# --- Refreshing -----------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _locked_projects(project_ids: Iterable[int]) -> list[int]:
    return list(
        Project.objects.select_for_update()
        .filter(pk__in=sorted(set(project_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _stale_siblings(initiative_ids: Iterable[int], today: dt.date) -> list[int]:
    """Projects of the initiatives whose row is missing or computed for another day."""
    return list(
        Project.objects.filter(initiative_id__in=list(initiative_ids))
        .exclude(status_row__as_of=today)
        .values_list("pk", flat=True)
    )


def refresh_projects(project_ids: Iterable[int], *, today: dt.date | None = None) -> Counts:
    """Recompute the projects (and their KPIs) and the initiatives they belong to.

    Call it inside the transaction that changed their facts. The initiatives' other projects
    are recomputed too when their rows are not of today (the nightly job did not run yet), so
    an initiative is never computed from an earlier day's project statuses.
    """
    today = _today(today)
    limits = Thresholds.from_settings()
    ids = set(project_ids)
    with transaction.atomic():
        initiatives = set(
            Project.objects.filter(pk__in=ids).values_list("initiative_id", flat=True)
        ) | set(
            ProjectStatus.objects.filter(project_id__in=ids).values_list(
                "initiative_id", flat=True
            )
        )
        ids |= set(_stale_siblings(initiatives, today))
        locked = _locked_projects(ids)
        computed = _compute_projects(locked, today, limits)
        counts = _store(PROJECT, [r.payload for r in computed.projects.values()])
        counts.add(_store(KPI, computed.kpis.values()))
        initiatives |= {r.payload["initiative_id"] for r in computed.projects.values()}
        counts.add(_refresh_initiatives(initiatives, today, limits))
    return counts


def refresh_initiatives(initiative_ids: Iterable[int], *, today: dt.date | None = None) -> Counts:
    """Recompute the initiatives (e.g. after one of their projects was deleted, or their own
    KPIs changed), with any of their projects whose row is not of today."""
    today = _today(today)
    ids = set(initiative_ids)
    counts = Counts()
    with transaction.atomic():
        stale = _stale_siblings(ids, today)
        if stale:
            counts.add(refresh_projects(stale, today=today))
        counts.add(_refresh_initiatives(ids, today, Thresholds.from_settings()))
    return counts


def _refresh_initiatives(ids: set[int], today: dt.date, limits: Thresholds) -> Counts:
    if not ids:
        return Counts()
    locked = list(
        Initiative.objects.select_for_update()
        .filter(pk__in=sorted(ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows, kpi_rows = _compute_initiatives(locked, _stored_project_inputs(locked), today, limits)
    counts = _store(INITIATIVE, rows.values())
    counts.add(_store(KPI, kpi_rows.values()))
    return counts


def refresh_kpis(kpi_ids: Iterable[int], *, today: dt.date | None = None) -> Counts:
    """Recompute what the KPIs count for: their projects, or their initiatives."""
    pairs = list(
        Kpi.objects.filter(pk__in=list(kpi_ids)).values_list("project_id", "initiative_id")
    )
    projects = {p for p, _ in pairs if p}
    initiatives = {i for _, i in pairs if i}
    counts = Counts()
    with transaction.atomic():
        if projects:
            counts.add(refresh_projects(projects, today=today))
        if initiatives:
            counts.add(refresh_initiatives(initiatives, today=today))
    return counts


def refresh_for_indicators(
    indicator_codes: Iterable[str], *, today: dt.date | None = None
) -> Counts:
    """After an ingestion run: recompute the KPIs that follow the indicators it changed.

    KPIs following a derived indicator are included whatever the codes (a derived series moves
    with its inputs, and there are few of them). No KPI follows an indicator: one query.
    """
    codes = list(indicator_codes)
    kpi_ids = list(
        Kpi.objects.filter(
            Q(indicator__code__in=codes) | (Q(indicator__isnull=False) & ~Q(indicator__formula=""))
        ).values_list("pk", flat=True)
    )
    return refresh_kpis(kpi_ids, today=today) if kpi_ids else Counts()


@dataclass
class Affected:
    """Projects and initiatives whose stored status depends on some records."""

    projects: set[int] = field(default_factory=set)
    initiatives: set[int] = field(default_factory=set)

    def __or__(self, other: Affected) -> Affected:
        return Affected(self.projects | other.projects, self.initiatives | other.initiatives)


def affected_by(obj: Any) -> Affected:
    """What a project, milestone, KPI, KPI target or value, investment plan, report or funding
    row, or initiative counts for.

    For a record about to be changed or deleted, call it first (and again after a change: a
    milestone or KPI may have moved to another project).
    """
    if isinstance(obj, Project):
        return Affected({obj.pk} if obj.pk else set(), {obj.initiative_id})
    if isinstance(obj, Initiative):
        return Affected(set(), {obj.pk} if obj.pk else set())
    if isinstance(obj, Milestone):
        return Affected({obj.project_id}, set())
    if isinstance(obj, Kpi):
        return Affected(
            {obj.project_id} if obj.project_id else set(),
            {obj.initiative_id} if obj.initiative_id else set(),
        )
    if isinstance(obj, KpiTarget | KpiValue):
        owner = Kpi.objects.filter(pk=obj.kpi_id).first()
        return affected_by(owner) if owner else Affected()
    if isinstance(obj, InvestmentPlan | InvestmentReport | ProjectFunding):
        return Affected({obj.project_id}, set())
    if isinstance(obj, FundingSource):  # its names are in the projects' stored splits
        return Affected(
            set(ProjectFunding.objects.filter(source=obj).values_list("project_id", flat=True)),
            set(),
        )
    return Affected()


def affected_in_db(obj: Any) -> Affected:
    """`affected_by` for the record as it is stored now (before an edit is saved)."""
    if obj.pk is None:
        return Affected()
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return affected_by(stored) if stored is not None else Affected()


def refresh_affected(affected: Affected, *, today: dt.date | None = None) -> Counts:
    """Recompute what `affected` names (projects that no longer exist are skipped)."""
    counts = Counts()
    with transaction.atomic():
        if affected.projects:
            counts.add(refresh_projects(affected.projects, today=today))
        if affected.initiatives:
            counts.add(refresh_initiatives(affected.initiatives, today=today))
    return counts


Progress = Callable[[int, int], None]


def _batched(
    project_ids: Sequence[int], today: dt.date, progress: Progress | None
) -> tuple[Counts, set[int]]:
    """The projects in batches of `BATCH`, one transaction each; returns their initiatives."""
    counts = Counts()
    limits = Thresholds.from_settings()
    initiatives: set[int] = set()
    for start in range(0, len(project_ids), BATCH):
        batch = project_ids[start : start + BATCH]
        with transaction.atomic():
            computed = _compute_projects(_locked_projects(batch), today, limits)
            counts.add(_store(PROJECT, [r.payload for r in computed.projects.values()]))
            counts.add(_store(KPI, computed.kpis.values()))
            initiatives |= {r.payload["initiative_id"] for r in computed.projects.values()}
        if progress:
            progress(min(start + BATCH, len(project_ids)), len(project_ids))
    return counts, initiatives


def refresh_stale(*, today: dt.date | None = None, progress: Progress | None = None) -> Counts:
    """Recompute every row whose `as_of` is not today (or that is missing): the nightly job.

    Projects in batches of `BATCH`, one transaction each, then every initiative in one. Run
    twice, the second run finds nothing to do.
    """
    today = _today(today)
    stale = sorted(Project.objects.exclude(status_row__as_of=today).values_list("pk", flat=True))
    counts, initiatives = _batched(stale, today, progress)
    with transaction.atomic():
        initiatives |= set(
            Initiative.objects.exclude(status_row__as_of=today).values_list("pk", flat=True)
        )
        initiatives |= set(
            Kpi.objects.filter(initiative__isnull=False)
            .exclude(status_row__as_of=today)
            .values_list("initiative_id", flat=True)
        )
        counts.add(_refresh_initiatives(initiatives, today, Thresholds.from_settings()))
    return counts


def rebuild_all(*, today: dt.date | None = None, progress: Progress | None = None) -> Counts:
    """Recompute every row (`manage.py status_rebuild`). Unchanged rows keep their revision."""
    today = _today(today)
    ids = sorted(Project.objects.values_list("pk", flat=True))
    counts, _initiatives = _batched(ids, today, progress)
    with transaction.atomic():
        initiatives = set(Initiative.objects.values_list("pk", flat=True))
        counts.add(_refresh_initiatives(initiatives, today, Thresholds.from_settings()))
    return counts


# --- From scratch (for the proofs) ----------------------------------------------------------


@dataclass
class Snapshot:
    projects: dict[int, Payload]
    initiatives: dict[int, Payload]
    kpis: dict[int, Payload]


def recompute(*, today: dt.date | None = None) -> Snapshot:
    """Every row computed from the records alone (nothing stored is read or written)."""
    today = _today(today)
    limits = Thresholds.from_settings()
    computed = _compute_projects(list(Project.objects.values_list("pk", flat=True)), today, limits)
    inputs = [
        ProjectInput(
            r.payload["initiative_id"],
            r.name,
            r.status,
            r.payload["milestones_by_state"],
            r.payload["invest_plan_yuan"],
            r.payload["invest_completed_yuan"],
        )
        for r in sorted(computed.projects.values(), key=lambda r: r.code)
    ]
    initiatives, kpis = _compute_initiatives(
        list(Initiative.objects.values_list("pk", flat=True)), inputs, today, limits
    )
    return Snapshot(
        projects={pk: r.payload for pk, r in computed.projects.items()},
        initiatives=initiatives,
        kpis={**computed.kpis, **kpis},
    )


def stored() -> Snapshot:
    """Every stored row as the same payloads `recompute` returns."""

    def rows(kind: Kind) -> dict[int, Payload]:
        return {
            getattr(row, kind.key): {
                kind.key: getattr(row, kind.key),
                **{f: getattr(row, f) for f in kind.fields},
                "as_of": row.as_of,
            }
            for row in kind.model.objects.all()
        }

    return Snapshot(rows(PROJECT), rows(INITIATIVE), rows(KPI))


# --- Reading rows back as statuses ----------------------------------------------------------


def row_status(row: ProjectStatus | InitiativeStatus) -> Status:
    """The stored row as a `Status` whose explanation counts days as of the row's day."""
    return Status(Rag(row.rag), tuple(Reason.from_json(r) for r in row.reasons), row.as_of)


def change_status(change: StatusChange) -> Status:
    """A history entry as the `Status` then, day counts as of the day it took effect."""
    reasons = tuple(Reason.from_json(r) for r in change.reasons)
    return Status(Rag(change.to_rag), reasons, change.day)


def row_projection(row: KpiStatus | None) -> Projection | None:
    if row is None or row.target_date is None or row.target is None or row.projected is None:
        return None
    return Projection(row.target_date, row.target, row.projected, row.shortfall or 0.0)


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(RAGS, 0)


# --- The nightly job ------------------------------------------------------------------------


@shared_task(name="policy.tasks.status_refresh_stale_task", soft_time_limit=1800)
def status_refresh_stale_task() -> dict[str, Any]:
    """Beat, shortly after midnight (Asia/Shanghai): recompute every row not of today.

    Safe to run twice and at any hour: a second run finds every row of today and does nothing.
    """
    started = time.perf_counter()
    counts = refresh_stale()
    return {
        "computed": counts.computed,
        "changed": counts.changed,
        "history": counts.history,
        "seconds": round(time.perf_counter() - started, 2),
    }
