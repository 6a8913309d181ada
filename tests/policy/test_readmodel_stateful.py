"""The stored read model always equals a from-scratch recompute (hypothesis, stateful).

Random sequences of the real services — owners submit milestone progress, KPI values and
monthly investment, leads approve, return and edit directly and set investment plans, an
admin changes a target (through the admin's own
refresh hooks), an ingestion run feeds a KPI that follows an indicator, and the calendar moves
on (the nightly job runs) — and after every step every stored row (projects, initiatives,
KPIs) must equal what `policy.readmodel.recompute` computes from the records alone. A step a
service refuses (conflict, validation) is a step too: nothing may drift then either.

Runs on the real database (PostgreSQL in CI); each example lives in a savepoint that is rolled
back. The default size keeps CI quick (under ten seconds); the bigger search (about four
minutes on the 2-core machine) runs with `READMODEL_LONG_RUN=1 pytest -m slow
tests/policy/test_readmodel_stateful.py`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from indicators.models import Indicator
from indicators.services import IngestRequest, ingest
from policy.exceptions import PolicyError
from policy.models import (
    Initiative,
    InvestmentReport,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneUpdate,
    Project,
    Region,
    ReviewState,
    Role,
    UpdateState,
)
from policy.readmodel import (
    affected_by,
    affected_in_db,
    recompute,
    refresh_affected,
    status_refresh_stale_task,
    stored,
)
from policy.services.investment import (
    investment_plan_set,
    investment_report_approve,
    investment_report_record,
    investment_report_return,
)
from policy.services.kpis import kpi_value_approve, kpi_value_record, kpi_value_return
from policy.services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from tests.conftest import make_user, refresh_statuses

START = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai
MILESTONE_STATES = ("not_started", "in_progress", "done", "cancelled")


def _world() -> dict[str, Any]:
    """Three projects in two initiatives, milestones around today, three kinds of KPI."""
    a = Initiative.objects.get(code="inference-compute")
    b = Initiative.objects.get(code="gov-llm")
    area = Region.objects.get(code="510000")
    projects = [
        Project.objects.create(initiative=a, code="sm-p1", name_zh="项目一", owner_org="x"),
        Project.objects.create(initiative=a, code="sm-p2", name_zh="项目二", owner_org="x"),
        Project.objects.create(initiative=b, code="sm-p3", name_zh="项目三", owner_org="x"),
    ]
    today = dt.date(2026, 6, 15)
    for p in projects:
        for k, offset in enumerate((-45, -10, 20)):
            Milestone.objects.create(
                project=p,
                title_zh=f"{p.name_zh}节点{k}",
                due_date=today + dt.timedelta(days=offset),
                status="in_progress",
                percent_complete=30,
            )
    owner = make_user("sm-owner", "owner")
    lead = make_user("sm-lead", "lead")
    lead2 = make_user("sm-lead2", "lead")
    admin = make_user("sm-admin", "admin", is_staff=True, is_superuser=True)
    for p in projects:
        Membership.objects.create(user=owner, role=Role.OWNER, project=p)
    Membership.objects.create(user=lead, role=Role.LEAD, initiative=a)
    Membership.objects.create(user=lead2, role=Role.LEAD, initiative=b)
    manual = Kpi.objects.create(
        project=projects[0],
        code="sm-k1",
        name_zh="项目算力",
        unit="P",
        baseline_value=Decimal(10),
        baseline_date=dt.date(2022, 12, 31),
    )
    indicator = Indicator.objects.create(code="sm-ind", name_zh="外部算力", unit="P")
    linked = Kpi.objects.create(
        project=projects[1],
        code="sm-k2",
        name_zh="接入算力",
        unit="P",
        indicator=indicator,
        indicator_area=area,
    )
    own = Kpi.objects.create(initiative=a, code="sm-k3", name_zh="方向占比", unit="%")
    for kpi, target in ((manual, 100), (linked, 80), (own, 60)):
        KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=target)
        KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2027, 12, 31), value=target * 2)
    KpiValue.objects.create(
        kpi=manual,
        period="2024",
        period_end=dt.date(2024, 12, 31),
        value=30,
        approved_value=30,
        state="approved",
    )
    refresh_statuses()
    return {
        "projects": projects,
        "owner": owner,
        "leads": {a.pk: lead, b.pk: lead2},
        "admin": admin,
        "kpis": [manual, own],
        "indicator": indicator,
    }


class ReadModelMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.w = _world()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.traveller.stop()

    # --- helpers ---------------------------------------------------------------------

    def _milestone(self, index: int) -> Milestone:
        milestones = list(Milestone.objects.filter(project__code__startswith="sm-").order_by("pk"))
        return milestones[index % len(milestones)]

    def _lead_of(self, initiative_id: int) -> Any:
        return self.w["leads"][initiative_id]

    def _today(self) -> dt.date:
        return dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()

    def _progress(self, actor: Any, milestone: Milestone, status: str, percent: int) -> None:
        done = status == "done"
        percent = 100 if done else (0 if status == "not_started" else percent)
        # Refused (nothing changed, or a rule): the invariant must hold all the same.
        with contextlib.suppress(PolicyError):
            milestone_record_progress(
                actor=actor,
                milestone_id=milestone.pk,
                expected_version=milestone.version,
                status=status,
                percent_complete=percent,
                completed_on=self._today() - dt.timedelta(days=1) if done else None,
                narrative="",
            )

    # --- rules -----------------------------------------------------------------------

    @rule(m=st.integers(0, 8), status=st.sampled_from(MILESTONE_STATES), pct=st.integers(1, 99))
    def owner_submits_progress(self, m: int, status: str, pct: int) -> None:
        self._progress(self.w["owner"], self._milestone(m), status, pct)

    @rule(m=st.integers(0, 8), status=st.sampled_from(MILESTONE_STATES), pct=st.integers(1, 99))
    def lead_edits_directly(self, m: int, status: str, pct: int) -> None:
        milestone = self._milestone(m)
        self._progress(self._lead_of(milestone.project.initiative_id), milestone, status, pct)

    @rule(approve=st.booleans())
    def lead_reviews_a_milestone_update(self, approve: bool) -> None:
        update = MilestoneUpdate.objects.filter(state=UpdateState.SUBMITTED).order_by("pk").first()
        if update is None:
            return
        lead = self._lead_of(update.milestone.project.initiative_id)
        try:
            if approve:
                milestone_update_approve(actor=lead, update_id=update.pk)
            else:
                milestone_update_return(actor=lead, update_id=update.pk, reason="请补充")
        except PolicyError:
            pass

    @rule(k=st.integers(0, 1), year=st.integers(2023, 2026), value=st.integers(0, 100))
    def someone_reports_a_kpi_value(self, k: int, year: int, value: int) -> None:
        kpi = self.w["kpis"][k]
        initiative_id = kpi.initiative_id or kpi.project.initiative_id
        actor = self.w["owner"] if kpi.project_id else self._lead_of(initiative_id)
        row = KpiValue.objects.filter(kpi=kpi, period=str(year)).first()
        with contextlib.suppress(PolicyError):
            kpi_value_record(
                actor=actor,
                kpi_id=kpi.pk,
                period=str(year),
                value=Decimal(value),
                expected_version=row.version if row else None,
                confirm_jump=True,
            )

    @rule(approve=st.booleans())
    def lead_reviews_a_kpi_value(self, approve: bool) -> None:
        row = KpiValue.objects.filter(state=ReviewState.SUBMITTED).order_by("pk").first()
        if row is None:
            return
        kpi = row.kpi
        lead = self._lead_of(kpi.initiative_id or kpi.project.initiative_id)
        try:
            if approve:
                kpi_value_approve(actor=lead, value_id=row.pk)
            else:
                kpi_value_return(actor=lead, value_id=row.pk, reason="口径不一致")
        except PolicyError:
            pass

    @rule(
        p=st.integers(0, 2),
        month=st.integers(1, 6),
        kind=st.sampled_from(["monthly", "cumulative"]),
        amount=st.integers(0, 3000),
        by_lead=st.booleans(),
    )
    def someone_reports_investment(
        self, p: int, month: int, kind: str, amount: int, by_lead: bool
    ) -> None:
        project = self.w["projects"][p]
        actor = self._lead_of(project.initiative_id) if by_lead else self.w["owner"]
        row = InvestmentReport.objects.filter(project=project, month=month, year=2026).first()
        with contextlib.suppress(PolicyError):
            investment_report_record(
                actor=actor,
                project_id=project.pk,
                period=f"2026-{month:02d}",
                amount=Decimal(amount),
                entered_as=kind,
                expected_version=row.version if row else None,
                confirm_jump=True,
            )

    @rule(approve=st.booleans())
    def lead_reviews_investment(self, approve: bool) -> None:
        row = InvestmentReport.objects.filter(state=ReviewState.SUBMITTED).order_by("pk").first()
        if row is None:
            return
        lead = self._lead_of(row.project.initiative_id)
        with contextlib.suppress(PolicyError):
            if approve:
                investment_report_approve(actor=lead, report_id=row.pk)
            else:
                investment_report_return(actor=lead, report_id=row.pk, reason="请附报表")

    @rule(p=st.integers(0, 2), amount=st.integers(0, 20000))
    def lead_sets_a_plan(self, p: int, amount: int) -> None:
        project = self.w["projects"][p]
        with contextlib.suppress(PolicyError):
            investment_plan_set(
                actor=self._lead_of(project.initiative_id),
                project_id=project.pk,
                year=2026,
                amount=Decimal(amount),
            )

    @rule(k=st.integers(0, 1), value=st.integers(1, 400))
    def admin_changes_a_target(self, k: int, value: int) -> None:
        # What the admin's save hooks do (policy.admin.ReadModelAdmin), in one transaction.
        target = KpiTarget.objects.filter(kpi=self.w["kpis"][k]).order_by("target_date").first()
        with transaction.atomic():
            before = affected_in_db(target)
            target.value = Decimal(value)
            target.save()
            refresh_affected(before | affected_by(target))

    @rule(year=st.integers(2023, 2026), value=st.integers(0, 200))
    def ingestion_feeds_a_kpi(self, year: int, value: int) -> None:
        payload = f"indicator,area,period,value\nsm-ind,510000,{year},{value}\n".encode()
        ingest(
            IngestRequest(kind="csv", options={}, label="sm", payload=payload, trigger="manual")
        )

    @rule(days=st.integers(1, 60))
    def the_calendar_moves_on(self, days: int) -> None:
        self.clock.shift(dt.timedelta(days=days))
        status_refresh_stale_task()

    # --- the property ----------------------------------------------------------------

    @invariant()
    def stored_equals_a_recompute(self) -> None:
        today = self._today()
        fresh, kept = recompute(today=today), stored()
        assert kept.projects == fresh.projects
        assert kept.initiatives == fresh.initiatives
        assert kept.kpis == fresh.kpis


def _run(examples: int, steps: int) -> None:
    run_state_machine_as_test(
        ReadModelMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            database=None,
        ),
    )


@pytest.mark.django_db
def test_stored_statuses_equal_a_recompute_after_every_service_call() -> None:
    _run(examples=12, steps=12)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("READMODEL_LONG_RUN"), reason="the long search: READMODEL_LONG_RUN=1"
)
@pytest.mark.django_db
def test_stored_statuses_equal_a_recompute_after_every_service_call_long_run() -> None:
    _run(examples=100, steps=30)
