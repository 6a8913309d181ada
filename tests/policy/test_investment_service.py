"""Investment reports through submit → review, plans and funding: permissions, bad input,
the stored read model and the investment status rule (real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from policy.models import (
    FundingSource,
    InvestmentReport,
    ProjectFunding,
    ProjectStatus,
    ReviewState,
)
from policy.readmodel import recompute, refresh_projects, stored
from policy.services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_approve,
    investment_report_record,
    investment_report_return,
    investment_total_set,
)
from policy.services.kpis import NeedsConfirmation

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 10, 20)
W = Decimal(10_000)


def report(actor, project, period, amount, kind="cumulative", unit="wan", **extra):
    return investment_report_record(
        actor=actor,
        project_id=project.pk,
        period=period,
        amount=Decimal(amount),
        unit=unit,
        entered_as=kind,
        today=TODAY,
        **extra,
    )


def status_row(project) -> ProjectStatus:
    refresh_projects([project.pk], today=TODAY)
    return ProjectStatus.objects.get(project=project)


@pytest.fixture
def planned(project, lead):
    investment_plan_set(actor=lead, project_id=project.pk, year=2026, amount=Decimal("1000"))
    return project


def test_an_owner_report_waits_for_review_and_counts_only_once_approved(
    planned, owner, lead
) -> None:
    row = report(owner, planned, "2026-09", "300")
    assert (row.state, row.amount_yuan, row.approved_amount_yuan) == (
        ReviewState.SUBMITTED,
        300 * W,
        None,
    )
    assert status_row(planned).invest_completed_yuan is None  # pending: not counted
    approved = investment_report_approve(
        actor=lead, report_id=row.pk, expected_version=row.version
    )
    assert approved.approved_amount_yuan == 300 * W
    stored_row = ProjectStatus.objects.get(project=planned)  # refreshed by the approval itself
    assert stored_row.invest_completed_yuan == 300 * W
    assert stored_row.invest_rate == pytest.approx(0.3)
    last = approved.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (lead, "form:approved")


def test_a_pending_revision_keeps_the_approved_figure(planned, owner, lead) -> None:
    first = report(lead, planned, "2026-09", "300")  # a lead's report is approved at once
    assert first.state == ReviewState.APPROVED
    revised = report(owner, planned, "2026-09", "320", expected_version=first.version)
    assert (revised.amount_yuan, revised.approved_amount_yuan) == (320 * W, 300 * W)
    assert ProjectStatus.objects.get(project=planned).invest_completed_yuan == 300 * W
    returned = investment_report_return(actor=lead, report_id=revised.pk, reason="与统计口径不符")
    assert returned.state == ReviewState.RETURNED
    assert returned.approved_amount_yuan == 300 * W


def test_monthly_entries_derive_the_cumulative_and_the_other_way(planned, lead) -> None:
    report(lead, planned, "2026-01", "50", kind="monthly")
    report(lead, planned, "2026-02", "130")  # cumulative: February's own is 80
    report(lead, planned, "2026-03", "0.7", kind="monthly", unit="yi", confirm_jump=True)
    row = status_row(planned)
    months = {m["month"]: m for m in row.invest_months}
    assert (months[2]["monthly"], months[2]["cumulative"]) == ("800000.00", "1300000.00")
    assert months[3]["cumulative"] == "71300000.00"
    assert row.invest_completed_yuan == Decimal("71300000.00")


def test_a_cumulative_that_goes_down_is_refused_with_a_clear_message(planned, lead) -> None:
    report(lead, planned, "2026-08", "500")
    with pytest.raises(ValidationFailed) as exc:
        report(lead, planned, "2026-09", "450")
    assert "2026 年 9 月 的自年初累计完成投资 450万元 低于 2026 年 8 月 的累计 500万元" in (
        exc.value.message
    )
    assert "累计数只增不减" in exc.value.message
    assert exc.value.fields["amount"]
    assert not InvestmentReport.objects.filter(period="2026-09").exists()  # nothing written


def test_revising_an_earlier_month_below_a_later_cumulative_is_refused(planned, lead) -> None:
    first = report(lead, planned, "2026-08", "500")
    report(lead, planned, "2026-09", "600")
    with pytest.raises(ValidationFailed, match="2026 年 9 月"):
        report(lead, planned, "2026-08", "650", expected_version=first.version)


def test_a_monthly_figure_after_an_unreported_month_is_refused(planned, owner) -> None:
    with pytest.raises(ValidationFailed, match="2026 年 8 月 尚未填报"):
        report(owner, planned, "2026-09", "10", kind="monthly")


def test_a_tenfold_month_needs_confirmation_as_kpi_values_do(planned, owner) -> None:
    report(owner, planned, "2026-01", "10", kind="monthly")
    with pytest.raises(NeedsConfirmation) as exc:
        report(owner, planned, "2026-02", "100000", kind="monthly")  # 万 typed for 元?
    assert "十倍以上" in exc.value.message
    row = report(owner, planned, "2026-02", "100000", kind="monthly", confirm_jump=True)
    assert row.amount_yuan == 100000 * W


def test_approval_is_refused_while_an_earlier_month_waits(planned, owner, lead) -> None:
    """Approved figures must derive too: a monthly March before February is approved."""
    report(lead, planned, "2026-01", "10", kind="monthly")
    february = report(owner, planned, "2026-02", "10", kind="monthly")
    march = report(owner, planned, "2026-03", "10", kind="monthly")
    with pytest.raises(ConflictError, match="请先审核"):
        investment_report_approve(actor=lead, report_id=march.pk)
    investment_report_approve(actor=lead, report_id=february.pk)
    investment_report_approve(actor=lead, report_id=march.pk)
    assert status_row(planned).invest_completed_yuan == 30 * W


@pytest.mark.parametrize(
    ("period", "amount", "unit", "field", "text"),
    [
        ("2026-13", "1", "wan", "period", "格式不对"),
        ("2026/09", "1", "wan", "period", "格式不对"),
        ("2026-11", "1", "wan", "period", "尚未开始"),
        ("2026-09", "-1", "wan", "amount", "不能为负"),
        ("2026-09", "0.0000001", "wan", "amount", "分以下"),
        ("2026-09", "1", "yuan", "amount", "万元或亿元"),
        ("2026-09", "1e30", "yi", "amount", "过大"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(
    planned, owner, period, amount, unit, field, text
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        report(owner, planned, period, amount, unit=unit)
    assert text in exc.value.message
    assert field in exc.value.fields
    assert not InvestmentReport.objects.exists()


def test_a_stale_version_is_a_conflict(planned, owner) -> None:
    report(owner, planned, "2026-09", "300")
    with pytest.raises(ConflictError, match="已有改动"):
        report(owner, planned, "2026-09", "310")  # saw no row: expected_version None


def test_who_may_report_review_and_plan(
    planned, owner, owner2, lead, other_lead, official, outsider
) -> None:
    for actor in (owner2, other_lead, official, outsider):
        with pytest.raises(PermissionDeniedError):
            report(actor, planned, "2026-09", "300")
    row = report(owner, planned, "2026-09", "300")
    for actor in (owner, other_lead, official):
        with pytest.raises(PermissionDeniedError):
            investment_report_approve(actor=actor, report_id=row.pk)
    with pytest.raises(PermissionDeniedError):
        investment_plan_set(actor=owner, project_id=planned.pk, year=2026, amount=Decimal(1))
    with pytest.raises(PermissionDeniedError):
        funding_set(
            actor=owner,
            project_id=planned.pk,
            source_code="special-bonds",
            planned=Decimal(1),
            arrived=Decimal(0),
        )


def test_plans_total_and_funding_are_stored_in_the_read_model(planned, lead, admin_user) -> None:
    investment_total_set(actor=lead, project_id=planned.pk, amount=Decimal("12.5"), unit="yi")
    funding_set(
        actor=lead,
        project_id=planned.pk,
        source_code="ultra-long-bonds",
        planned=Decimal("3"),
        arrived=Decimal("1.2"),
        unit="yi",
    )
    FundingSource.objects.create(code="policy-bank", name_zh="政策性开发性金融工具", order=80)
    funding_set(
        actor=admin_user,
        project_id=planned.pk,
        source_code="policy-bank",
        planned=Decimal("500"),
        arrived=Decimal("500"),
    )
    row = ProjectStatus.objects.get(project=planned)
    assert row.invest_total_plan_yuan == Decimal("1250000000")
    assert [(f["code"], f["planned"], f["arrived"]) for f in row.funding] == [
        ("ultra-long-bonds", "300000000.00", "120000000.00"),
        ("policy-bank", "5000000.00", "5000000.00"),
    ]
    with pytest.raises(ValidationFailed, match="不存在"):
        funding_set(
            actor=lead,
            project_id=planned.pk,
            source_code="nope",
            planned=Decimal(1),
            arrived=Decimal(1),
        )
    with pytest.raises(ConflictError):  # saw no row, but there is one now
        funding_set(
            actor=lead,
            project_id=planned.pk,
            source_code="policy-bank",
            planned=Decimal(1),
            arrived=Decimal(1),
        )
    assert ProjectFunding.objects.count() == 2


def test_the_status_rule_turns_the_project_red_and_the_initiative_names_it(planned, lead) -> None:
    report(lead, planned, "2026-09", "300")  # 30 % at the end of September (75 % elapsed)
    row = status_row(planned)
    assert row.rag == "red"
    assert row.reasons[-1]["code"] == "investment_behind"
    initiative = planned.initiative.status_row
    initiative.refresh_from_db()
    assert initiative.invest_plan_yuan == 1000 * W
    assert initiative.invest_completed_yuan == 300 * W
    assert initiative.rag in ("red", "amber")
    report(lead, planned, "2026-10", "780")  # October reported early: 78 % vs 83 %
    assert status_row(planned).rag == "green"


def test_the_stored_investment_equals_a_recompute(planned, lead, owner) -> None:
    report(lead, planned, "2026-08", "200")
    report(owner, planned, "2026-09", "100", kind="monthly")
    refresh_projects([planned.pk], today=TODAY)
    assert stored().projects == recompute(today=TODAY).projects


months = st.integers(1, 9)
ops = st.lists(
    st.tuples(
        st.sampled_from(["owner", "lead", "approve"]),
        months,
        st.sampled_from(["monthly", "cumulative"]),
        st.integers(0, 2000),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops)
def test_any_sequence_of_reports_and_approvals_keeps_the_series_consistent(
    planned, owner, lead, steps
) -> None:
    """Whatever owners and leads do, the latest and the approved figures always derive: every
    stored cumulative is the running sum of the months and never goes down."""
    from policy.exceptions import PolicyError
    from policy.investment import Entry, derive_year

    InvestmentReport.objects.filter(project=planned).delete()
    refresh_projects([planned.pk])  # hypothesis reuses the fixtures: start every example afresh
    actors = {"owner": owner, "lead": lead}
    for who, month, kind, amount in steps:
        existing = InvestmentReport.objects.filter(project=planned, month=month).first()
        try:
            if who == "approve":
                if existing is not None and existing.state == ReviewState.SUBMITTED:
                    investment_report_approve(actor=lead, report_id=existing.pk)
                continue
            report(
                actors[who],
                planned,
                f"2026-{month:02d}",
                str(amount),
                kind=kind,
                expected_version=existing.version if existing else None,
                confirm_jump=True,
            )
        except PolicyError:
            pass
        rows = list(InvestmentReport.objects.filter(project=planned))
        derive_year([Entry(r.month, r.entered_as, r.amount_yuan) for r in rows])
        approved = derive_year(
            [
                Entry(r.month, r.approved_as, r.approved_amount_yuan)
                for r in rows
                if r.approved_amount_yuan is not None
            ]
        )
        expected = approved[-1].cumulative if approved else None
        assert ProjectStatus.objects.get(project=planned).invest_completed_yuan == expected


def test_renaming_a_funding_source_in_the_admin_renames_it_in_the_stored_splits(
    planned, lead, admin_client_
) -> None:
    funding_set(
        actor=lead,
        project_id=planned.pk,
        source_code="bank-loans",
        planned=Decimal("100"),
        arrived=Decimal("0"),
    )
    source = FundingSource.objects.get(code="bank-loans")
    response = admin_client_.post(
        f"/admin/policy/fundingsource/{source.pk}/change/",
        {"code": "bank-loans", "name_zh": "银行贷款（含政策性）", "name_en": "", "order": 60},
    )
    assert response.status_code == 302, response.content[:500]
    row = ProjectStatus.objects.get(project=planned)
    assert row.funding[0]["name_zh"] == "银行贷款（含政策性）"
