"""我的工作 for an owner: what they submitted and still waits, what came back, what was approved
lately; overdue rows show the pending update beside the approved value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from policy.models import Kpi, Milestone
from policy.services.kpis import kpi_value_approve, kpi_value_record
from policy.services.milestones import milestone_record_progress, milestone_update_approve
from policy.validators import current_period

pytestmark = pytest.mark.django_db


def _submit(owner: Any, m: Milestone, pct: int) -> Any:
    return milestone_record_progress(
        actor=owner,
        milestone_id=m.pk,
        expected_version=m.version,
        status="in_progress",
        percent_complete=pct,
        completed_on=None,
        narrative="",
    ).update


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )


def test_an_overdue_row_shows_the_pending_update_next_to_the_approved_value(
    owner_client: Any, owner: Any, milestone: Milestone
) -> None:
    assert milestone.due_date < timezone.localdate()
    _submit(owner, milestone, 85)
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    row = _section(html, "overdue")
    assert "推进中 · 40%" in row  # the approved value, still in use
    assert "待审核" in row
    assert "推进中 · 85%" in row  # the pending proposal beside it
    mine = _section(html, "my-pending")
    assert "一期上线" in mine
    assert "85%" in mine


def test_a_submitted_kpi_value_is_not_reported_as_all_done(
    owner_client: Any, owner: Any, kpi: Kpi
) -> None:
    period = current_period(kpi.frequency, timezone.localdate())
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    assert "智算规模" in _section(html, "kpis-to-report")
    kpi_value_record(actor=owner, kpi_id=kpi.pk, period=period, value=Decimal("130"))
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    section = _section(html, "kpis-to-report")
    assert "本期指标均已填报" not in section
    assert "1 项等待牵头部门审核" in section
    assert f"智算规模 {period}" in _section(html, "my-pending")


def test_recently_approved_submissions_are_listed(
    owner_client: Any, owner: Any, lead: Any, milestone: Milestone, kpi: Kpi
) -> None:
    update = _submit(owner, milestone, 90)
    milestone_update_approve(actor=lead, update_id=update.pk)
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    kpi_value_approve(actor=lead, value_id=row.pk)
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    approved = _section(html, "recently-approved")
    assert "一期上线" in approved
    assert "智算规模 2025" in approved
    assert "lead" in approved
    assert 'id="my-pending"' not in html


def test_approvals_older_than_two_weeks_drop_off(
    owner_client: Any, owner: Any, lead: Any, milestone: Milestone
) -> None:
    update = _submit(owner, milestone, 90)
    milestone_update_approve(actor=lead, update_id=update.pk)
    type(update).objects.filter(pk=update.pk).update(
        reviewed_at=timezone.now() - dt.timedelta(days=15)
    )
    html = owner_client.get(reverse("policy:my-work")).content.decode()
    assert 'id="recently-approved"' not in html
