"""Investment as pages, charts, the API, exports and briefings show it: the stored read model.

Every figure here is read from `ProjectStatus` / `InitiativeStatus` (written by
`policy.readmodel` from approved reports); nothing is derived again. The programme total is
the sum of the initiatives' stored sums. The reports themselves (pending ones, history) are
read for the form and the project page only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F

from ..formatting import yuan
from ..i18n import english
from ..investment import DerivationError, Entry, MonthFigure, derive_year
from ..models import (
    EntryFlagStatus,
    FundingSource,
    InitiativeStatus,
    InvestmentPlan,
    InvestmentReport,
    Project,
    ProjectFunding,
    ProjectStatus,
    ReviewState,
)
from ..services.investment import derivation_message
from ..status import Rag


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class MonthRow:
    month: int
    monthly: Decimal | None
    cumulative: Decimal | None
    plan_cumulative: Decimal | None
    covers: int


@dataclass(frozen=True)
class FundingRow:
    code: str
    name: str
    planned: Decimal
    arrived: Decimal

    @property
    def arrived_share(self) -> float | None:
        return float(self.arrived / self.planned) if self.planned else None


@dataclass
class InvestmentFigures:
    """A project's (or initiative's, or the programme's) investment of the as-of year."""

    year: int | None = None
    plan: Decimal | None = None
    completed: Decimal | None = None
    rate: float | None = None
    elapsed: float | None = None
    month: int | None = None  # the month completion is judged at
    through_month: int | None = None  # last approved month
    rag: str = Rag.GREY
    note: str = ""
    total_plan: Decimal | None = None
    completed_total: Decimal | None = None
    months: list[MonthRow] = field(default_factory=list)
    funding: list[FundingRow] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return self.plan is not None

    @property
    def lag_points(self) -> float | None:
        """Percentage points behind the elapsed share (negative: ahead)."""
        if self.rate is None or self.elapsed is None:
            return None
        return (self.elapsed - self.rate) * 100

    @property
    def rate_percent(self) -> float | None:
        return self.rate * 100 if self.rate is not None else None

    @property
    def elapsed_percent(self) -> float | None:
        return self.elapsed * 100 if self.elapsed is not None else None

    @property
    def funding_planned(self) -> Decimal:
        return sum((f.planned for f in self.funding), Decimal(0))

    @property
    def funding_arrived(self) -> Decimal:
        return sum((f.arrived for f in self.funding), Decimal(0))


def project_investment(row: ProjectStatus | None) -> InvestmentFigures:
    """The stored investment of a project (no query)."""
    if row is None:
        return InvestmentFigures()
    en = english()
    return InvestmentFigures(
        year=row.invest_year,
        plan=row.invest_plan_yuan,
        completed=row.invest_completed_yuan,
        rate=row.invest_rate,
        elapsed=row.invest_elapsed,
        month=row.invest_month,
        through_month=row.invest_through_month,
        rag=row.invest_rag,
        note=row.invest_note,
        total_plan=row.invest_total_plan_yuan,
        completed_total=row.invest_completed_total_yuan,
        months=[
            MonthRow(
                m["month"],
                _dec(m["monthly"]),
                _dec(m["cumulative"]),
                _dec(m["plan_cumulative"]),
                m["covers"],
            )
            for m in row.invest_months
        ],
        funding=[
            FundingRow(
                f["code"],
                (f["name_en"] or f["name_zh"]) if en else f["name_zh"],
                Decimal(f["planned"]),
                Decimal(f["arrived"]),
            )
            for f in row.funding
        ],
    )


def initiative_investment(row: InitiativeStatus | None) -> InvestmentFigures:
    """The stored sums of an initiative's projects with a plan for the year (no query)."""
    if row is None or row.invest_plan_yuan is None:
        return InvestmentFigures(year=row.as_of.year if row else None)
    return InvestmentFigures(
        year=row.as_of.year,
        plan=row.invest_plan_yuan,
        completed=row.invest_completed_yuan,
        rate=row.invest_rate,
        elapsed=row.invest_elapsed,
        month=row.invest_month,
    )


def program_investment(parts: Sequence[InvestmentFigures]) -> InvestmentFigures:
    """The programme: the initiatives' stored sums added up (no query)."""
    planned = [p for p in parts if p.plan is not None]
    if not planned:
        return InvestmentFigures(year=next((p.year for p in parts if p.year), None))
    plan = sum((p.plan or Decimal(0) for p in planned), Decimal(0))
    completed = sum((p.completed or Decimal(0) for p in planned), Decimal(0))
    month = max(p.month or 0 for p in planned)
    return InvestmentFigures(
        year=planned[0].year,
        plan=plan,
        completed=completed,
        rate=float(completed / plan) if plan else None,
        elapsed=month / 12 if month else None,
        month=month or None,
    )


@dataclass(frozen=True)
class ReportRow:
    """One month's report as the form and the project page list it (latest and approved)."""

    report: InvestmentReport
    period: str
    kind_label: str
    amount: Decimal
    approved_amount: Decimal | None
    state: str
    state_label: str
    entered_by: str
    review_note: str

    @property
    def is_pending(self) -> bool:
        return self.state == ReviewState.SUBMITTED


def investment_doubts(rows: list[ReportRow], year: int | None) -> list[tuple[str, str]]:
    """(what, comparison) of the year's approved months that are 存疑, oldest first."""
    return [
        (f"{r.period} {r.kind_label} {yuan(r.approved_amount)}", r.report.quality_text)
        for r in reversed(rows)
        if r.report.year == year and r.report.approved_is_doubtful
    ]


def investment_reports(project: Project, *, limit: int = 24) -> list[ReportRow]:
    """The project's latest monthly reports, newest first. One query."""
    rows = []
    for r in (
        InvestmentReport.objects.filter(project=project)
        .select_related("entered_by")
        .order_by("-period_end")[:limit]
    ):
        who = r.entered_by
        rows.append(
            ReportRow(
                report=r,
                period=r.period,
                kind_label=str(r.get_entered_as_display()),
                amount=r.amount_yuan,
                approved_amount=r.approved_amount_yuan,
                state=r.state,
                state_label=str(r.get_state_display()),
                entered_by=(who.get_full_name() or who.get_username()) if who else "",
                review_note=r.review_note,
            )
        )
    return rows


@dataclass(frozen=True)
class ReportComparison:
    """A report's month derived from the year's approved figures: as they stand (`approved`)
    and as they would be were this report approved (`proposed`, None with `problem` when the
    figures would not derive); the cumulative of the approved month before it."""

    approved: MonthFigure | None
    proposed: MonthFigure | None
    problem: str
    previous_month: int
    previous_cumulative: Decimal


def _month(entries: list[Entry], month: int) -> tuple[MonthFigure | None, list[MonthFigure]]:
    try:
        derived = derive_year(entries)
    except DerivationError:
        return None, []
    return next((m for m in derived if m.month == month), None), derived


def report_comparison(row: InvestmentReport) -> ReportComparison:
    """What approving `row` changes, derived by `derive_year` as approval checks it. One query."""
    others = [
        Entry(month, kind, amount)
        for month, kind, amount in InvestmentReport.objects.filter(
            project_id=row.project_id, year=row.year, approved_amount_yuan__isnull=False
        )
        .exclude(pk=row.pk)
        .values_list("month", "approved_as", "approved_amount_yuan")
        if amount is not None
    ]
    mine = []
    if row.approved_amount_yuan is not None:
        mine = [Entry(row.month, row.approved_as, row.approved_amount_yuan)]
    approved, _derived = _month(others + mine, row.month)
    earlier = [m for m in _month(others, row.month)[1] if m.month < row.month]
    problem = ""
    try:
        derived = derive_year([*others, Entry(row.month, row.entered_as, row.amount_yuan)])
        proposed = next(m for m in derived if m.month == row.month)
    except DerivationError as exc:
        proposed, problem = None, derivation_message(exc, row.year)
    return ReportComparison(
        approved=approved,
        proposed=proposed,
        problem=problem,
        previous_month=earlier[-1].month if earlier else 0,
        previous_cumulative=earlier[-1].cumulative if earlier else Decimal(0),
    )


@dataclass(frozen=True)
class ProjectInvestmentLine:
    """One project's stored investment of the year, for tables, exports and briefings."""

    project: Project
    name: str
    initiative_name: str
    figures: InvestmentFigures
    as_of: Any  # dt.date | None: the day the row was computed for
    # The year's approved months still 存疑: (what, comparison), oldest first.
    doubts: list[tuple[str, str]] = field(default_factory=list)


def investment_lines(user: Any, *, cutoff: Any = None) -> list[ProjectInvestmentLine]:
    """Every readable project with its stored investment, by initiative and code, with the
    approved months still marked 存疑. Two queries.

    With a `cutoff` before the stored rows' day (a briefing for an earlier period), the
    figures are derived as recorded then by `policy.readmodel.investment_at` (ten more
    queries).
    """
    from ..permissions import user_scope  # permissions import the models only
    from ..readmodel import investment_at

    if not user_scope(user).can_read:
        return []
    projects = list(
        Project.objects.select_related("initiative", "status_row").order_by(
            "initiative__order", "code"
        )
    )
    days = [r.as_of for r in (_status_row(p) for p in projects) if r is not None]
    past = investment_at(cutoff) if cutoff is not None and days and cutoff < min(days) else None
    doubtful = _doubtful_reports()
    lines = []
    for project in projects:
        row = _status_row(project)
        if past is not None:
            row = ProjectStatus(project=project, as_of=cutoff, **past[project.pk])
        figures = project_investment(row)
        lines.append(
            ProjectInvestmentLine(
                project=project,
                name=project.display_name(),
                initiative_name=project.initiative.display_name(),
                figures=figures,
                as_of=row.as_of if row else None,
                doubts=[
                    (f"{r.period} {r.get_entered_as_display()} {yuan(r.approved_amount_yuan)}", t)
                    for r, t in doubtful.get(project.pk, [])
                    if r.year == figures.year and (cutoff is None or r.period_end <= cutoff)
                ],
            )
        )
    return lines


def _doubtful_reports() -> dict[int, list[tuple[InvestmentReport, str]]]:
    """Approved monthly reports still marked 存疑, by project, oldest first. One query (on
    the partial index of open flags)."""
    found: dict[int, list[tuple[InvestmentReport, str]]] = {}
    for r in InvestmentReport.objects.filter(
        quality_status=EntryFlagStatus.OPEN, approved_amount_yuan__isnull=False
    ).order_by("period_end"):
        if r.approved_is_doubtful:
            found.setdefault(r.project_id, []).append((r, r.quality_text))
    return found


def _status_row(project: Project) -> ProjectStatus | None:
    try:
        return project.status_row
    except ProjectStatus.DoesNotExist:
        return None


def initiative_sums(
    lines: Sequence[ProjectInvestmentLine], month: int | None
) -> dict[int, InvestmentFigures]:
    """Each initiative's sums over its projects with a plan, judged at `month` — the stored
    initiative rows' arithmetic (`policy.readmodel._investment_sums`), for a past cut-off."""
    groups: dict[int, list[InvestmentFigures]] = {}
    for line in lines:
        groups.setdefault(line.project.initiative_id, []).append(line.figures)
    result = {}
    for initiative_id, parts in groups.items():
        total = program_investment(parts)
        total.month = month if total.plan is not None else None
        total.elapsed = month / 12 if month and total.plan is not None else None
        result[initiative_id] = total
    return result


@dataclass
class InvestmentRecordVersions:
    """What a client needs to write plans and funding: the records and their versions."""

    plans: list[dict[str, Any]]
    funding_versions: dict[str, int]


def investment_records(project: Project) -> InvestmentRecordVersions:
    """The project's plans and the versions of its funding rows. Two queries."""
    plans: list[dict[str, Any]] = [
        dict(row)
        for row in InvestmentPlan.objects.filter(project=project)
        .order_by("year", "quarter")
        .values("year", "quarter", "amount_yuan", "note", "version")
    ]
    versions = dict(
        ProjectFunding.objects.filter(project=project).values_list("source__code", "version")
    )
    return InvestmentRecordVersions(plans, versions)


@dataclass(frozen=True)
class PlanPage:
    """What the plans-and-funding form shows: the project's plans (by year, the year's plan
    first), funding rows and the sources one may choose (active ones, and any in use)."""

    plans: list[InvestmentPlan]
    funding: list[ProjectFunding]
    sources: list[tuple[str, str]]

    def plan(self, year: int, quarter: int | None) -> InvestmentPlan | None:
        return next((p for p in self.plans if (p.year, p.quarter) == (year, quarter)), None)

    def funding_of(self, code: str) -> ProjectFunding | None:
        return next((f for f in self.funding if f.source.code == code), None)


def investment_plan_page(project: Project) -> PlanPage:
    """The project's plans, funding rows and the funding sources. Three queries."""
    plans = list(
        InvestmentPlan.objects.filter(project=project).order_by(
            "-year", F("quarter").asc(nulls_first=True)
        )
    )
    funding = list(
        ProjectFunding.objects.filter(project=project)
        .select_related("source")
        .order_by("source__order", "source__code")
    )
    used = {f.source_id for f in funding}
    sources = [
        (s.code, s.display_name())
        for s in FundingSource.objects.all()
        if s.is_active or s.pk in used
    ]
    return PlanPage(plans, funding, sources)
