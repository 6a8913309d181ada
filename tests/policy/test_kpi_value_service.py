"""kpi_value_record / _approve / _return: unit and range checks, the tenfold jump, approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policy.exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from policy.models import Kpi, KpiValue, ReviewState
from policy.services.kpis import (
    NeedsConfirmation,
    kpi_value_approve,
    kpi_value_record,
    kpi_value_return,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def kpi(project) -> Kpi:
    return Kpi.objects.create(
        project=project, code="icc-online", name_zh="上线算力", unit="P", frequency="Q"
    )


@pytest.fixture
def share_kpi(project) -> Kpi:
    return Kpi.objects.create(
        project=project, code="icc-share", name_zh="国产芯片占比", unit="%", frequency="A"
    )


def report(actor, kpi, period, value, **extra):
    return kpi_value_record(
        actor=actor, kpi_id=kpi.pk, period=period, value=Decimal(value), today=TODAY, **extra
    )


def test_an_owner_value_waits_for_review_and_keeps_the_approved_one(owner, lead, kpi) -> None:
    first = report(lead, kpi, "2026-Q1", "100")
    assert (first.state, first.approved_value) == (ReviewState.APPROVED, Decimal(100))
    revised = report(owner, kpi, "2026-Q1", "120", expected_version=first.version)
    assert revised.state == ReviewState.SUBMITTED
    assert revised.value == Decimal(120)
    assert revised.approved_value == Decimal(100)  # dashboards keep using 100
    approved = kpi_value_approve(actor=lead, value_id=revised.pk)
    assert approved.approved_value == Decimal(120)
    last = approved.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (lead, "form:approved")


def test_a_return_needs_a_reason_and_is_recorded(owner, lead, kpi) -> None:
    row = report(owner, kpi, "2026-Q1", "80")
    with pytest.raises(ValidationFailed):
        kpi_value_return(actor=lead, value_id=row.pk, reason="")
    returned = kpi_value_return(actor=lead, value_id=row.pk, reason="口径不符")
    assert returned.state == ReviewState.RETURNED
    assert returned.approved_value is None


def test_owners_cannot_approve(owner, kpi) -> None:
    row = report(owner, kpi, "2026-Q1", "80")
    with pytest.raises(PermissionDeniedError):
        kpi_value_approve(actor=owner, value_id=row.pk)


@pytest.mark.parametrize("actor_name", ["official", "owner2", "other_lead", "outsider"])
def test_others_cannot_report(request, actor_name, kpi) -> None:
    with pytest.raises(PermissionDeniedError):
        report(request.getfixturevalue(actor_name), kpi, "2026-Q1", "80")


@pytest.mark.parametrize("period", ["2026", "2026-5", "2026Q1", "Q1-2026", "2026-Q5"])
def test_the_period_must_match_the_frequency(owner, kpi, period) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        report(owner, kpi, period, "10")
    message = excinfo.value.fields["period"][0]
    assert "季度" in message
    assert "2025-Q3" in message


def test_future_periods_are_refused(owner, kpi) -> None:
    with pytest.raises(ValidationFailed, match="尚未开始"):
        report(owner, kpi, "2026-Q3", "10")


def test_percent_values_stay_between_0_and_100(owner, share_kpi) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        report(owner, share_kpi, "2025", "130")
    assert "0 到 100" in excinfo.value.fields["value"][0]


def test_negative_values_are_refused_with_the_unit(owner, kpi) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        report(owner, kpi, "2026-Q1", "-5")
    assert "“P”" in excinfo.value.fields["value"][0]


def test_ten_times_the_previous_value_asks_for_confirmation(owner, lead, kpi) -> None:
    report(lead, kpi, "2025-Q4", "100")
    with pytest.raises(NeedsConfirmation) as excinfo:
        report(owner, kpi, "2026-Q1", "1000")
    assert "十倍" in excinfo.value.message
    assert not KpiValue.objects.filter(period="2026-Q1").exists()
    row = report(owner, kpi, "2026-Q1", "1000", confirm_jump=True)
    assert row.value == Decimal(1000)


def test_a_tenth_of_the_previous_value_also_asks(owner, lead, kpi) -> None:
    report(lead, kpi, "2025-Q4", "100")
    with pytest.raises(NeedsConfirmation):
        report(owner, kpi, "2026-Q1", "10")
    assert report(owner, kpi, "2026-Q1", "11").value == Decimal(11)


def test_a_stale_edit_of_a_period_is_refused(owner, lead, kpi) -> None:
    report(owner, kpi, "2026-Q1", "80")
    with pytest.raises(ConflictError) as excinfo:
        report(lead, kpi, "2026-Q1", "90", expected_version=None)  # saw no value
    assert "owner" in excinfo.value.message
    assert KpiValue.objects.get().value == Decimal(80)


def test_initiative_kpis_are_reported_by_the_lead_only(owner, lead, initiative) -> None:
    kpi = Kpi.objects.create(initiative=initiative, code="prov-p", name_zh="全省算力", unit="P")
    with pytest.raises(PermissionDeniedError):
        report(owner, kpi, "2025", "10")
    assert report(lead, kpi, "2025", "10").state == ReviewState.APPROVED


def test_kpis_fed_by_ingested_indicators_are_not_typed_in(owner, kpi) -> None:
    from indicators.models import Indicator

    indicator = Indicator.objects.create(code="sc-p", name_zh="四川算力", unit="P")
    kpi.indicator = indicator
    kpi.save()
    with pytest.raises(ValidationFailed, match="自动采集"):
        report(owner, kpi, "2026-Q1", "10")
