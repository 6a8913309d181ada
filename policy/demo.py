"""Build the demo program from policy/demo_data/ — idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from indicators.dataquality import consistency_evaluate
from indicators.models import ConsistencyRule, Indicator, Observation, RunStatus, Source
from indicators.periods import parse_period
from indicators.services import derived_recompute, source_ingest

from .demo_data.indicators import CONSISTENCY_RULES, INDICATORS
from .demo_data.investment import INVESTMENT, LAST_YEAR_COMPLETION, MONTH_WEIGHTS
from .demo_data.projects import DEMO_NOTE, KPIS, LEADS, OWNERS, PROJECTS
from .demo_data.sources import SOURCES
from .demo_data.workflow import KPI_EVENTS, MILESTONE_EVENTS, REVIEW_DELAY_DAYS
from .investment import Entry, derive_year, due_month
from .models import (
    FundingSource,
    Initiative,
    InvestmentPlan,
    InvestmentReport,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    Project,
    ProjectFunding,
    Region,
    ReviewState,
    Role,
)
from .readmodel import rebuild_all
from .services.investment import investment_report_record
from .services.kpis import kpi_value_approve, kpi_value_record
from .services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from .types import User
from .validators import period_bounds

DEMO_USERS = [
    # username, groups, full name, is_staff/superuser
    ("official", ["official"], "省政府办公厅（演示）", False),
    ("owner", ["owner"], "项目负责人甲（演示）", False),
    ("owner2", ["owner"], "项目负责人乙（演示）", False),
    ("lead", ["lead"], "推理算力牵头处室（演示）", False),
    ("lead2", ["lead"], "政务大模型牵头处室（演示）", False),
    ("admin", ["admin"], "系统管理员（演示）", True),
]


@dataclass
class SeedReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def note(self, kind: str, created: bool, changed: bool = True) -> None:
        if created:
            self.created[kind] += 1
        elif changed:
            self.updated[kind] += 1

    def count(self, kind: str, created: int, updated: int) -> None:
        if created:
            self.created[kind] += created
        if updated:
            self.updated[kind] += updated

    def lines(self) -> list[str]:
        kinds = sorted(set(self.created) | set(self.updated))
        if not kinds:
            return ["nothing to do: the demo is already in place"]
        return [f"{k}: created {self.created[k]}, updated {self.updated[k]}" for k in kinds]


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _upsert(
    model: type[Any], lookup: dict[str, Any], values: dict[str, Any], report: SeedReport, kind: str
) -> Any:
    """update_or_create that writes (and reports) only when something really differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.note(kind, created=True)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
        report.note(kind, created=False)
    return obj


def _seed_users(password: str, report: SeedReport) -> dict[str, User]:
    users = {}
    for username, groups, full_name, staff in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=password,
                email=f"{username}@example.invalid",
                first_name=full_name,
                is_staff=staff,
                is_superuser=staff,
            )
            report.note("user", created=True)
        wanted = set(Group.objects.filter(name__in=groups))
        if wanted - set(user.groups.all()):
            user.groups.add(*wanted)
        users[username] = user
    return users


def _seed_projects(report: SeedReport) -> dict[str, Project]:
    initiatives = {i.code: i for i in Initiative.objects.all()}
    regions = {r.code: r for r in Region.objects.all()}
    projects = {}
    for data in PROJECTS:
        data = dict(data)
        milestones = data.pop("milestones")
        values = {k: v for k, v in data.items() if k not in ("code", "initiative", "region")}
        for key in ("planned_start", "planned_end", "actual_start", "actual_end"):
            values[key] = _d(values.get(key))
        for key in ("planned_investment_yuan", "actual_investment_yuan"):
            values[key] = Decimal(values[key]) if values.get(key) is not None else None
        values.update(initiative=initiatives[data["initiative"]], region=regions[data["region"]])
        project = _upsert(Project, {"code": data["code"]}, values, report, "project")
        # Every submission and direct edit through the services moves the version on; the
        # seed's own writes do not.
        touched = set(
            Milestone.objects.filter(project=project, version__gt=1).values_list(
                "title_zh", flat=True
            )
        )
        for order, (zh, en, due, status, pct, done_on) in enumerate(milestones):
            fields: dict[str, Any] = {"title_en": en, "due_date": _d(due), "order": order}
            # Once the workflow (policy/demo_data/workflow.py) or a person in the demo has
            # changed a milestone, its progress is the services' business: re-seeding must
            # not undo an approval.
            if zh not in touched:
                fields.update(status=status, percent_complete=pct, completed_on=_d(done_on))
            _upsert(Milestone, {"project": project, "title_zh": zh}, fields, report, "milestone")
        projects[project.code] = project
    return projects


def _seed_memberships(
    users: dict[str, User], projects: dict[str, Project], report: SeedReport
) -> None:
    for username, codes in OWNERS.items():
        for code in codes:
            _upsert(
                Membership,
                {"user": users[username], "project": projects[code]},
                {"role": Role.OWNER},
                report,
                "membership",
            )
    for username, code in LEADS.items():
        _upsert(
            Membership,
            {"user": users[username], "initiative": Initiative.objects.get(code=code)},
            {"role": Role.LEAD},
            report,
            "membership",
        )


def _reporters(users: dict[str, User], kpi: Kpi, initiative: Initiative) -> tuple[User, User]:
    """Who entered and who approved a seeded value: the project's demo owner (else the lead)
    enters, the initiative's demo lead approves; initiatives without a demo lead: the admin."""
    lead_name = next((u for u, code in LEADS.items() if code == initiative.code), "admin")
    lead = users[lead_name]
    project = kpi.project if kpi.project_id else None
    if project is None:
        return lead, lead
    owner_name = next((u for u, codes in OWNERS.items() if project.code in codes), None)
    return (users[owner_name] if owner_name else lead), lead


def _reviewed_at(period_end: dt.date, current: dt.datetime | None) -> dt.datetime:
    """The seeded review moment: `REVIEW_DELAY_DAYS` after the period ended, at 10:00.

    Never in the future: for a period that ended too recently it is the moment of seeding,
    and that moment is kept afterwards (so a later run changes nothing).
    """
    moment = timezone.make_aware(
        dt.datetime.combine(period_end + dt.timedelta(days=REVIEW_DELAY_DAYS), dt.time(10))
    )
    ended = timezone.make_aware(dt.datetime.combine(period_end, dt.time.max))
    if current is not None and ended <= current <= moment:
        return current
    return min(moment, timezone.now())


def _seed_kpis(users: dict[str, User], projects: dict[str, Project], report: SeedReport) -> None:
    initiatives = {i.code: i for i in Initiative.objects.all()}
    for order, data in enumerate(KPIS):
        owner = data["owner"]
        target = (
            {"project": projects[owner.split(":", 1)[1]], "initiative": None}
            if owner.startswith("project:")
            else {"initiative": initiatives[owner], "project": None}
        )
        baseline = data["baseline"]
        kpi = _upsert(
            Kpi,
            {"code": data["code"]},
            {
                **target,
                "name_zh": data["name_zh"],
                "name_en": data["name_en"],
                "unit": data["unit"],
                "direction": data["direction"],
                "frequency": data["frequency"],
                "baseline_value": Decimal(str(baseline[1])) if baseline else None,
                "baseline_date": _d(baseline[0]) if baseline else None,
                "definition": data["definition"],
                "source_note": data["source"] or DEMO_NOTE,
                "is_headline": data["headline"],
                "order": order,
            },
            report,
            "kpi",
        )
        for date, value in data["targets"].items():
            _upsert(
                KpiTarget,
                {"kpi": kpi, "target_date": _d(date)},
                {"value": Decimal(str(value))},
                report,
                "kpi target",
            )
        entered_by, approver = _reporters(users, kpi, kpi.initiative or kpi.project.initiative)
        for period, (end, value, state) in data["values"].items():
            amount = Decimal(str(value))
            approved = state == "approved"
            existing = KpiValue.objects.filter(kpi=kpi, period=period).first()
            _upsert(
                KpiValue,
                {"kpi": kpi, "period": period},
                {
                    "period_end": _d(end),
                    "value": amount,
                    "state": state,
                    "approved_value": amount if approved else None,
                    "entered_by": entered_by,
                    "reviewed_by": approver if approved else None,
                    "reviewed_at": (
                        _reviewed_at(
                            dt.date.fromisoformat(end), existing.reviewed_at if existing else None
                        )
                        if approved
                        else None
                    ),
                    "comment": DEMO_NOTE,
                },
                report,
                "kpi value",
            )


def _recent_day(today: dt.date) -> dt.date:
    """A day of the last few that is still in the current week.

    The overview's changes panel counts from Monday, so a "recent" completion seeded on a
    Monday is dated that Monday, otherwise up to two days back.
    """
    return today - dt.timedelta(days=min(2, today.weekday()))


def _seed_milestone_event(event: dict[str, Any], users: dict[str, User], project: Project) -> bool:
    """Submit (and review) one scripted milestone update.

    Only on a milestone nobody has changed through the services yet (version 1): False when
    the event was replayed before, or someone trying the demo has worked on the milestone.
    """
    milestone = Milestone.objects.get(project=project, title_zh=event["milestone"])
    actor = users[event["actor"]]
    if milestone.version > 1:
        return False
    today = timezone.localdate()
    result = milestone_record_progress(
        actor=actor,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status=event["status"],
        percent_complete=event["percent"],
        completed_on=_recent_day(today) if event["completed"] == "recent" else None,
        narrative=event["narrative"],
        today=today,
    )
    if event["review"] and result.update is not None:
        verb, reviewer, note = event["review"]
        if verb == "approve":
            milestone_update_approve(actor=users[reviewer], update_id=result.update.pk, note=note)
        else:
            milestone_update_return(actor=users[reviewer], update_id=result.update.pk, reason=note)
    return True


def _seed_kpi_event(event: dict[str, Any], users: dict[str, User]) -> bool:
    """Report (and approve) one scripted KPI value; False when the period already has one."""
    kpi = Kpi.objects.get(code=event["kpi"])
    if KpiValue.objects.filter(kpi=kpi, period=event["period"]).exists():
        return False
    row = kpi_value_record(
        actor=users[event["actor"]],
        kpi_id=kpi.pk,
        period=event["period"],
        value=Decimal(str(event["value"])),
        comment=event["comment"],
        expected_version=None,
    )
    if event["review"]:
        kpi_value_approve(actor=users[event["review"]], value_id=row.pk)
    return True


def _seed_workflow(
    users: dict[str, User], projects: dict[str, Project], report: SeedReport
) -> None:
    """Replay policy/demo_data/workflow.py through the real services (owners submit, leads
    approve or return), so the review queue and "my work" are not empty on a fresh demo."""
    for user in users.values():
        # Memberships were seeded after the users were loaded: drop any cached scope.
        user.__dict__.pop("_policy_scope", None)
    for event in MILESTONE_EVENTS:
        if _seed_milestone_event(event, users, projects[event["project"]]):
            report.note("milestone update", created=True)
    for event in KPI_EVENTS:
        if _seed_kpi_event(event, users):
            report.note("kpi value", created=True)


WAN = Decimal(10_000)


def _wan(yuan: Decimal) -> Decimal:
    """Yuan as 万元 to two decimals (officials' precision), for the services' input."""
    return (yuan / WAN).quantize(Decimal("0.01"))


def _cumulative_shares(pace: float) -> list[float]:
    total = sum(MONTH_WEIGHTS)
    running, shares = 0.0, []
    for weight in MONTH_WEIGHTS:
        running += weight
        shares.append(pace * running / total)
    return shares


def _seed_year(
    project: Project,
    year: int,
    months: list[int],
    data: dict[str, Any],
    actors: tuple[User, User],
    report: SeedReport,
    pending_from: int = 13,
) -> None:
    """Plan and monthly reports of one year.

    Like the seeded KPI values, the approved history is written directly (checked with
    `derive_year`, the rule the services apply); months from `pending_from` on are submitted
    through the service by the owner (the second actor) and wait for review.
    """
    admin, owner = actors
    total = project.planned_investment_yuan or Decimal(0)
    plan = (total * Decimal(str(data["year_share"]))).quantize(Decimal(1))
    values = {"amount_yuan": plan, "note": DEMO_NOTE}
    _upsert(
        InvestmentPlan,
        {"project": project, "year": year, "quarter": None},
        values,
        report,
        "investment plan",
    )
    shares = _cumulative_shares(float(data["pace"]))
    existing = set(
        InvestmentReport.objects.filter(project=project, year=year).values_list("month", flat=True)
    )
    rows, entries, previous = [], [], Decimal(0)
    pending: list[tuple[int, str, Decimal]] = []
    for month in months:
        cumulative = _wan(plan * Decimal(str(shares[month - 1]))) * WAN
        monthly, previous = cumulative - previous, cumulative
        kind = "monthly" if data["entry"] == "monthly" else "cumulative"
        amount = monthly if kind == "monthly" else cumulative
        if month in existing:
            continue
        if month >= pending_from:
            pending.append((month, kind, amount))
            continue
        entries.append(Entry(month, kind, amount))
        rows.append(
            InvestmentReport(
                project=project,
                period=f"{year}-{month:02d}",
                year=year,
                month=month,
                period_end=period_bounds("M", f"{year}-{month:02d}")[1],  # type: ignore[index]
                entered_as=kind,
                amount_yuan=amount,
                entered_unit="wan",
                comment=DEMO_NOTE,
                state=ReviewState.APPROVED,
                approved_as=kind,
                approved_amount_yuan=amount,
                entered_by=admin,
                reviewed_by=admin,
                # Reviewed some days after the month, as the KPI values are: a briefing for
                # an earlier cut-off counts the months approved by then (the change history).
                reviewed_at=_reviewed_at(period_bounds("M", f"{year}-{month:02d}")[1], None),  # type: ignore[index]
            )
        )
    derive_year(entries)  # the demo's months obey the rule the services apply
    InvestmentReport.objects.bulk_create(rows)
    report.count("investment report", len(rows), 0)
    for month, kind, amount in pending:
        investment_report_record(
            actor=owner,
            project_id=project.pk,
            period=f"{year}-{month:02d}",
            amount=_wan(amount),
            entered_as=kind,
            comment=DEMO_NOTE,
            confirm_jump=True,
        )
        report.note("investment report", created=True)


def _seed_funding(project: Project, data: dict[str, Any], report: SeedReport) -> None:
    total = project.planned_investment_yuan or Decimal(0)
    sources = {s.code: s for s in FundingSource.objects.all()}
    for code, share, arrived in data["funding"]:
        planned = _wan(total * Decimal(str(share))) * WAN
        values = {
            "planned_yuan": planned,
            "arrived_yuan": _wan(planned * Decimal(str(arrived))) * WAN,
            "note": DEMO_NOTE,
        }
        _upsert(
            ProjectFunding,
            {"project": project, "source": sources[code]},
            values,
            report,
            "funding",
        )


def _seed_investment(
    users: dict[str, User], projects: dict[str, Project], report: SeedReport
) -> None:
    """Plans, monthly completions and funding of the demo projects (演示数据): last year by
    quarter, this year month by month up to the last month due, and — on owners' projects —
    the month after, reported early and waiting for review."""
    today = timezone.localdate()
    owners = {code: users[name] for name, codes in OWNERS.items() for code in codes}
    admin = users["admin"]
    seeded: list[Project] = []
    for code, data in INVESTMENT.items():
        project = projects[code]
        # Seeded once: a later run (days or months on) leaves the demo's figures — and what
        # people did with them — alone, like the scripted workflow.
        if project.planned_investment_yuan is None or project.investment_plans.exists():
            continue
        last_year = {**data, "pace": LAST_YEAR_COMPLETION, "entry": "cumulative"}
        _seed_year(project, today.year - 1, [3, 6, 9, 12], last_year, (admin, admin), report)
        due = due_month(today, 10)
        months = list(range(1, due + 1))
        if code in owners and due + 1 < today.month:
            months.append(due + 1)
        actors = (admin, owners.get(code, admin))
        _seed_year(project, today.year, months, data, actors, report, due + 1)
        _seed_funding(project, data, report)
        seeded.append(project)
    _backdate_plans(seeded, today.year)


def _backdate_plans(projects: list[Project], year: int) -> None:
    """Date the creation records of the projects just given a demo investment (their totals,
    plans and funding) at the start of the year they plan (the rest on 1 January last year):
    the change history then says they were in force all along, so a briefing for an earlier
    cut-off (issue 19: figures as recorded then) shows the demo's investment, not nothing."""
    ids = [p.pk for p in projects]
    if not ids:
        return
    first = timezone.make_aware(dt.datetime(year - 1, 1, 1))
    created = {"history_type": "+"}
    Project.history.filter(id__in=ids, **created).update(history_date=first)
    ProjectFunding.history.filter(project_id__in=ids, **created).update(history_date=first)
    for plan_year in (year - 1, year):
        InvestmentPlan.history.filter(project_id__in=ids, year=plan_year, **created).update(
            history_date=timezone.make_aware(dt.datetime(plan_year, 1, 1))
        )


def _seed_indicators(report: SeedReport) -> None:
    regions = {r.code: r for r in Region.objects.all()}
    for order, data in enumerate(INDICATORS):
        data = dict(data)
        observations = data.pop("observations")
        indicator = _upsert(
            Indicator, {"code": data.pop("code")}, {**data, "order": order}, report, "indicator"
        )
        for area, period, value, dimension, note in observations:
            parsed = parse_period(period)
            _upsert(
                Observation,
                {
                    "indicator": indicator,
                    "area": regions[area],
                    "period": parsed.code,
                    "dimension": dimension,
                },
                {"period_start": parsed.start, "value": float(value), "note": note},
                report,
                "observation",
            )


def _seed_sources(report: SeedReport) -> None:
    """One file source per fact sheet, ingested by the real service when its file changed."""

    folder = Path(__file__).resolve().parent / "demo_data"
    for data in SOURCES:
        data = dict(data)
        filename = data.pop("file")
        content = (folder / filename).read_bytes()
        source = _upsert(
            Source, {"code": data.pop("code")}, {**data, "kind": "csv"}, report, "source"
        )
        if not source.file or _file_bytes(source.file) != content:
            if source.file:
                source.file.delete(save=False)
            source.file.save(filename, ContentFile(content))
        last = source.runs.filter(status=RunStatus.SUCCEEDED).order_by("-started_at").first()
        if last is None or last.sha256 != hashlib.sha256(content).hexdigest():
            run = source_ingest(source=source, trigger="seed")
            report.note("ingestion run", created=True)
            report.count("observation", run.inserted, run.updated)
    derived = derived_recompute()
    report.count("derived observation", derived["inserted"], derived["updated"])


def _seed_consistency_rules(report: SeedReport) -> None:
    """The demo's rules between series, then one evaluation of them: the sources above may
    have been ingested before a rule existed (an earlier seed), so no ingestion judged it."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    codes: set[str] = set()
    for data in CONSISTENCY_RULES:
        values = dict(data)
        name = values.pop("name")
        for side in ("left_indicator", "right_indicator"):
            if side in values:
                codes.add(values[side])
                values[side] = indicators[values[side]]
        _upsert(ConsistencyRule, {"name": name}, values, report, "consistency rule")
    consistency_evaluate(codes, None)


def _file_bytes(field: Any) -> bytes | None:
    try:
        with field.open("rb") as fh:
            return bytes(fh.read())
    except FileNotFoundError:
        return None


@transaction.atomic
def demo_seed(*, password: str) -> SeedReport:
    """Create or bring up to date the demo program, users and indicator figures."""
    report = SeedReport()
    users = _seed_users(password, report)
    projects = _seed_projects(report)
    _seed_memberships(users, projects, report)
    _seed_kpis(users, projects, report)
    _seed_workflow(users, projects, report)
    _seed_investment(users, projects, report)
    _seed_indicators(report)
    _seed_sources(report)
    _seed_consistency_rules(report)
    # The seed writes records directly (not through the services): compute every stored
    # status from them. Rows it did not change keep their revision; a status that moved only
    # with the calendar is the read model's business, not a change of the demo, so it is
    # not reported.
    rebuild_all()
    return report
