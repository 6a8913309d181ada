"""The KPI value form through the real URL: defaults, confirmation of implausible jumps, review."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from policy.models import Kpi, KpiValue, ReviewState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel("2026-05-20 10:00 +0800", tick=False):
        yield


@pytest.fixture
def kpi(project) -> Kpi:
    return Kpi.objects.create(
        project=project, code="icc-online", name_zh="上线算力", unit="P", frequency="Q"
    )


def test_the_form_proposes_the_current_period(owner_client, kpi) -> None:
    body = owner_client.get(f"/kpis/{kpi.pk}/report/").content.decode()
    assert 'value="2026-Q2"' in body
    assert "上线算力" in body


def test_a_jump_shows_the_confirmation_box_and_confirming_saves(owner_client, lead, kpi) -> None:
    KpiValue.objects.create(
        kpi=kpi,
        period="2026-Q1",
        period_end="2026-03-31",
        value=50,
        approved_value=50,
        state=ReviewState.APPROVED,
    )
    data = {"period": "2026-Q2", "value": "500", "comment": "", "version": ""}
    response = owner_client.post(f"/kpis/{kpi.pk}/report/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "十倍" in body
    assert 'name="confirm_jump"' in body
    response = owner_client.post(f"/kpis/{kpi.pk}/report/", {**data, "confirm_jump": "on"})
    assert response.status_code == 302
    assert KpiValue.objects.get(period="2026-Q2").value == Decimal(500)


def test_the_lead_approves_a_submitted_value(owner_client, lead_client, kpi) -> None:
    owner_client.post(
        f"/kpis/{kpi.pk}/report/", {"period": "2026-Q2", "value": "12", "version": ""}
    )
    row = KpiValue.objects.get()
    assert row.state == ReviewState.SUBMITTED
    response = lead_client.post(
        f"/kpi-values/{row.pk}/review/", {"decision": "approve", "version": row.version}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.approved_value) == (ReviewState.APPROVED, Decimal(12))


def test_my_work_lists_the_kpi_until_it_is_reported(owner_client, kpi) -> None:
    body = owner_client.get("/work/").content.decode()
    assert "上线算力" in body
    assert "2026-Q2" in body
    owner_client.post(
        f"/kpis/{kpi.pk}/report/", {"period": "2026-Q2", "value": "12", "version": ""}
    )
    section = owner_client.get("/work/").content.decode().split('id="kpis-to-report"')[1]
    assert "上线算力" not in section.split("</section>")[0]


def test_reopening_a_period_shows_the_figure_as_entered(owner_client, kpi) -> None:
    KpiValue.objects.create(
        kpi=kpi, period="2026-Q1", period_end="2026-03-31", value=Decimal("4800"), version=1
    )
    body = owner_client.get(f"/kpis/{kpi.pk}/report/?period=2026-Q1").content.decode()
    assert 'value="4800"' in body  # not the column's 4800.0000
