"""Owner entry: a confirmed value breaking a data-quality rule is stored marked 存疑 with its
rule and comparison, in the change history; a later plausible revision clears it; an analyst
resolves it with who and why (real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policy.exceptions import PermissionDeniedError, ValidationFailed
from policy.models import EntryFlagStatus, InvestmentReport, Kpi, KpiValue
from policy.services.investment import investment_report_record, investment_total_set
from policy.services.kpis import NeedsConfirmation, kpi_value_record
from policy.services.quality import entry_flag_resolve

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def kpi(project) -> Kpi:
    return Kpi.objects.create(
        project=project,
        code="icc-online",
        name_zh="上线算力",
        unit="P",
        frequency="M",
        max_value=Decimal(5000),
    )


def report(actor, kpi, period, value, **extra) -> KpiValue:
    return kpi_value_record(
        actor=actor, kpi_id=kpi.pk, period=period, value=Decimal(value), today=TODAY, **extra
    )


def invest(actor, project, period, amount, **extra) -> InvestmentReport:
    return investment_report_record(
        actor=actor,
        project_id=project.pk,
        period=period,
        amount=Decimal(amount),
        unit="wan",
        entered_as="monthly",
        today=TODAY,
        **extra,
    )


def test_a_confirmed_tenfold_value_is_kept_marked_with_the_comparison(owner, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "100")
    with pytest.raises(NeedsConfirmation):
        report(owner, kpi, "2026-02", "1000")
    row = report(owner, kpi, "2026-02", "1000", confirm_jump=True)
    assert row.is_doubtful
    assert row.quality_rules == ["jump"]
    assert row.quality_text == "较上期 100 P 增长 10 倍，疑似多写或漏写一位数"
    saved = row.history.order_by("-history_id").first()
    assert saved.quality_status == EntryFlagStatus.OPEN
    assert saved.quality_flags[0]["rule"] == "jump"


def test_a_later_plausible_revision_clears_the_flag(owner, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "100")
    row = report(owner, kpi, "2026-02", "1000", confirm_jump=True)
    revised = report(owner, kpi, "2026-02", "110", expected_version=row.version)
    assert not revised.is_doubtful
    assert revised.quality_flags == []
    statuses = list(
        revised.history.order_by("history_id").values_list("quality_status", flat=True)
    )
    assert statuses == [EntryFlagStatus.OPEN, EntryFlagStatus.NONE]


def test_the_range_and_the_jump_are_both_recorded(owner, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "600")
    row = report(owner, kpi, "2026-02", "6000", confirm_jump=True)
    assert row.quality_rules == ["jump", "range"]
    assert "超出合理范围" in row.quality_text


def test_an_outlier_is_judged_once_the_series_is_long_enough(lead, kpi) -> None:
    for month, value in enumerate([100, 102, 99, 101, 103, 100, 98, 101, 102], start=1):
        report(lead, kpi, f"2025-{month:02d}", str(value))
    with pytest.raises(NeedsConfirmation) as excinfo:
        report(lead, kpi, "2025-10", "600")
    assert "稳健 z 值" in excinfo.value.message
    row = report(lead, kpi, "2025-10", "600", confirm_jump=True)
    assert row.quality_rules == ["outlier"]
    assert row.approved_is_doubtful  # a lead's entry is approved at once, flag and all


def test_a_confirmed_month_above_the_total_investment_is_stored_marked(
    project, owner, lead
) -> None:
    investment_total_set(actor=lead, project_id=project.pk, amount=Decimal(2000))
    invest(lead, project, "2026-01", "150")
    with pytest.raises(NeedsConfirmation) as excinfo:
        invest(owner, project, "2026-02", "3000")
    assert "项目总投资 2000 万元" in excinfo.value.fields["amount"][0]
    row = invest(owner, project, "2026-02", "3000", confirm_jump=True)
    assert row.quality_rules == ["jump", "range"]
    assert "较上期 150 万元 增长 20 倍" in row.quality_text
    assert row.history.order_by("-history_id").first().quality_status == EntryFlagStatus.OPEN
    revised = invest(owner, project, "2026-02", "160", expected_version=row.version)
    assert not revised.is_doubtful


def test_a_lead_confirms_a_flag_with_who_and_why(owner, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "100")
    row = report(owner, kpi, "2026-02", "1000", confirm_jump=True)
    with pytest.raises(ValidationFailed):
        entry_flag_resolve(actor=lead, kind="kpi", pk=row.pk, note=" ")
    done = entry_flag_resolve(
        actor=lead, kind="kpi", pk=row.pk, note="核对了验收报告", expected_version=row.version
    )
    assert (done.quality_status, done.quality_resolved_by, done.quality_note) == (
        EntryFlagStatus.CONFIRMED,
        lead,
        "核对了验收报告",
    )
    assert not done.is_doubtful
    last = done.history.order_by("-history_id").first()
    assert (last.history_user, last.quality_status) == (lead, EntryFlagStatus.CONFIRMED)
    with pytest.raises(ValidationFailed):  # already resolved
        entry_flag_resolve(actor=lead, kind="kpi", pk=row.pk, note="again")


@pytest.mark.parametrize("actor_name", ["owner", "other_lead", "official"])
def test_only_the_initiatives_lead_or_an_admin_resolves(request, actor_name, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "100")
    row = report(lead, kpi, "2026-02", "1000", confirm_jump=True)
    with pytest.raises(PermissionDeniedError):
        entry_flag_resolve(
            actor=request.getfixturevalue(actor_name), kind="kpi", pk=row.pk, note="看过"
        )
    assert KpiValue.objects.get(pk=row.pk).is_doubtful


def test_a_flag_on_a_value_revised_since_is_not_resolved(owner, lead, kpi) -> None:
    report(lead, kpi, "2026-01", "100")
    row = report(owner, kpi, "2026-02", "1000", confirm_jump=True)
    report(owner, kpi, "2026-02", "2000", confirm_jump=True, expected_version=row.version)
    with pytest.raises(ValidationFailed, match="重新填报"):
        entry_flag_resolve(
            actor=lead, kind="kpi", pk=row.pk, note="看过", expected_version=row.version
        )
