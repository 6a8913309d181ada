"""A briefing for a past cut-off states investment as it was recorded then: the plan in force
and the reports approved by the end of the cut-off day, with the amounts approved then. A
later approval, revision, plan or funding change shows in the current briefing only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from policy.briefings.content import executive_summary
from policy.briefings.periods import parse_period
from policy.briefings.selectors import BRIEFING_READER, briefing_facts
from policy.models import InvestmentReport, ProjectStatus
from policy.selectors.investment import investment_lines
from policy.services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_approve,
    investment_report_record,
)

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
APRIL = dt.datetime(2026, 4, 8, 10, 0, tzinfo=SHANGHAI)  # March reported, before the cut-off
LATE = dt.datetime(2026, 5, 1, 0, 30, tzinfo=SHANGHAI)  # just after the cut-off (30 April)
MAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)  # "today"
WAN = Decimal(10_000)


def report(actor: Any, project: Any, period: str, amount: str) -> InvestmentReport:
    return investment_report_record(
        actor=actor, project_id=project.pk, period=period, amount=Decimal(amount)
    )


@pytest.fixture
def recorded(project: Any, lead: Any, owner: Any) -> Any:
    """By 30 April: a plan of 1,000 万元, 300 万元 approved through March, 100 万元 of special
    bonds arrived. After it: April approved (450), March revised (320), the plan raised to
    2,000 万元 and more bonds arrived."""
    with time_machine.travel(APRIL, tick=False):
        investment_plan_set(actor=lead, project_id=project.pk, year=2026, amount=Decimal(1000))
        report(lead, project, "2026-02", "200")
        report(lead, project, "2026-03", "300")
        funding_set(
            actor=lead,
            project_id=project.pk,
            source_code="special-bonds",
            planned=Decimal(600),
            arrived=Decimal(100),
        )
        april = report(owner, project, "2026-04", "450")  # submitted, approved only in May
    with time_machine.travel(LATE, tick=False):
        investment_report_approve(actor=lead, report_id=april.pk)
    with time_machine.travel(MAY, tick=False):
        march = InvestmentReport.objects.get(project=project, period="2026-03")
        investment_report_record(
            actor=lead,
            project_id=project.pk,
            period="2026-03",
            amount=Decimal(320),
            expected_version=march.version,
        )
        investment_plan_set(
            actor=lead, project_id=project.pk, year=2026, amount=Decimal(2000), expected_version=1
        )
        funding_set(
            actor=lead,
            project_id=project.pk,
            source_code="special-bonds",
            planned=Decimal(600),
            arrived=Decimal(500),
            expected_version=1,
        )
    return project


def test_a_past_briefing_uses_the_plan_and_approvals_in_force_at_its_cut_off(
    recorded: Any,
) -> None:
    with time_machine.travel(MAY, tick=False):
        past = briefing_facts(parse_period("monthly", "2026-04"))
        current = briefing_facts(parse_period("monthly", "2026-05"))
        stored = ProjectStatus.objects.get(project=recorded)
    assert past.as_of == dt.date(2026, 4, 30)
    assert past.investment is not None
    assert past.investment.programme.plan == 1000 * WAN  # not the 2,000 set in May
    assert past.investment.programme.completed == 300 * WAN  # April approved on 1 May
    sentences = " ".join(executive_summary(past))
    assert "本年计划投资 1,000万元" in sentences
    assert current.investment is not None
    assert current.investment.programme.plan == 2000 * WAN
    assert current.investment.programme.completed == 450 * WAN
    assert stored.invest_completed_yuan == 450 * WAN
    assert "本年计划投资 2,000万元" in " ".join(executive_summary(current))


def test_the_past_project_figures_carry_the_funding_and_months_as_recorded(
    recorded: Any,
) -> None:
    with time_machine.travel(MAY, tick=False):
        past = investment_lines(BRIEFING_READER, cutoff=dt.date(2026, 4, 30))
        now = investment_lines(BRIEFING_READER)
    then = next(line.figures for line in past if line.project.pk == recorded.pk)
    assert [(m.month, m.cumulative) for m in then.months if m.cumulative is not None] == [
        (2, 200 * WAN),
        (3, 300 * WAN),  # approved then; the 320 came in May
    ]
    assert [(f.code, f.arrived) for f in then.funding] == [("special-bonds", 100 * WAN)]
    today = next(line.figures for line in now if line.project.pk == recorded.pk)
    assert [f.arrived for f in today.funding] == [500 * WAN]
    assert today.months[2].cumulative == 320 * WAN


def test_a_month_approved_on_the_cut_off_day_counts(project: Any, lead: Any, owner: Any) -> None:
    with time_machine.travel(APRIL, tick=False):
        investment_plan_set(actor=lead, project_id=project.pk, year=2026, amount=Decimal(1000))
        row = report(owner, project, "2026-03", "300")
    with time_machine.travel(dt.datetime(2026, 4, 30, 23, 50, tzinfo=SHANGHAI), tick=False):
        investment_report_approve(actor=lead, report_id=row.pk)
    with time_machine.travel(MAY, tick=False):
        past = briefing_facts(parse_period("monthly", "2026-04"))
    assert past.investment is not None
    assert past.investment.programme.completed == 300 * WAN
