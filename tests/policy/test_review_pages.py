"""The lead's review page: proposal against the value in use, evidence, history, approve or
return as the actions, direct edit apart; form state kept on errors; batch approval."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from policy.models import Kpi, KpiValue, Milestone, MilestoneUpdate, ReviewState, UpdateState
from policy.services.kpis import kpi_value_approve, kpi_value_record
from policy.services.milestones import milestone_record_progress
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _submit(owner: Any, m: Milestone, pct: int = 70) -> MilestoneUpdate:
    update = milestone_record_progress(
        actor=owner,
        milestone_id=m.pk,
        expected_version=m.version,
        status="in_progress",
        percent_complete=pct,
        completed_on=None,
        narrative="主体结构封顶",
    ).update
    assert update is not None
    return update


@pytest.fixture
def kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )


def test_the_page_compares_the_proposal_with_the_approved_value(
    owner: Any, lead_client: Any, milestone: Milestone
) -> None:
    update = _submit(owner, milestone)
    html = lead_client.get(reverse("policy:milestone-update-review", args=[update.pk])).content
    page = html.decode()
    compare = page[page.index('id="review-compare"') : page.index('id="review-decision"')]
    assert "40%" in compare  # in use now
    assert "<strong>70%</strong>" in compare  # proposed, marked as changed
    assert "主体结构封顶" in compare
    assert 'name="decision"' in page
    assert "本次提交未附佐证材料" in page
    assert "history-table" in page
    direct = page[page.index('id="direct-edit"') :]
    assert "直接修改（不经审核）" in direct
    assert reverse("policy:milestone-edit", args=[milestone.pk]) in direct
    # The direct edit is not the form's action: the page posts to itself.
    form = page[page.index('id="review-decision"') : page.index('id="direct-edit"')]
    assert "/edit/" not in form


def test_a_kpi_review_shows_the_approved_value_against_the_new_one(
    owner: Any, lead: Any, lead_client: Any, kpi: Kpi
) -> None:
    first = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("100"))
    kpi_value_approve(actor=lead, value_id=first.pk)
    first.refresh_from_db()
    row = kpi_value_record(
        actor=owner,
        kpi_id=kpi.pk,
        period="2025",
        value=Decimal("130"),
        expected_version=first.version,
    )
    page = lead_client.get(reverse("policy:kpi-value-review", args=[row.pk])).content.decode()
    compare = page[page.index('id="review-compare"') : page.index('id="review-decision"')]
    assert "100 P" in compare
    assert "<strong>130 P</strong>" in compare
    assert "history-table" in page


@pytest.mark.parametrize("who", ["owner", "official", "other_lead"])
def test_only_the_initiatives_lead_or_an_admin_reviews(
    who: str, owner: Any, milestone: Milestone, request: pytest.FixtureRequest
) -> None:
    update = _submit(owner, milestone)
    client = client_for(request.getfixturevalue(who))
    url = reverse("policy:milestone-update-review", args=[update.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"decision": "approve"}).status_code in (403, 404)
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED


def test_a_return_without_reason_keeps_the_chosen_radio_and_the_text(
    owner: Any, lead_client: Any, milestone: Milestone
) -> None:
    update = _submit(owner, milestone)
    url = reverse("policy:milestone-update-review", args=[update.pk])
    response = lead_client.post(url, {"decision": "return", "reason": "   "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写退回原因" in page
    assert re.search(r'<input[^>]*value="return"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="approve"[^>]*checked', page)
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED

    too_long = "太长" * 1500
    response = lead_client.post(url, {"decision": "return", "reason": too_long})
    assert response.status_code == 200
    assert too_long in response.content.decode()  # nothing the lead typed is lost


def test_approve_and_return_go_back_to_my_work(owner: Any, lead_client: Any, kpi: Kpi) -> None:
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    url = reverse("policy:kpi-value-review", args=[row.pk])
    response = lead_client.post(
        url, {"decision": "return", "reason": "口径不一致", "version": row.version}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("policy:my-work")
    row.refresh_from_db()
    assert (row.state, row.review_note) == (ReviewState.RETURNED, "口径不一致")
    # Handled already: the page says so and offers no decision.
    page = lead_client.get(url).content.decode()
    assert "已退回" in page
    assert 'name="decision"' not in page


def test_a_stale_version_is_refused_on_the_page(owner: Any, lead_client: Any, kpi: Kpi) -> None:
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    url = reverse("policy:kpi-value-review", args=[row.pk])
    response = lead_client.post(url, {"decision": "approve", "version": row.version + 3})
    assert response.status_code == 200
    assert "保存被拒绝" in response.content.decode()
    row.refresh_from_db()
    assert row.state == ReviewState.SUBMITTED


def test_batch_approval_approves_each_ticked_item(
    owner: Any,
    owner2: Any,
    lead: Any,
    lead_client: Any,
    milestone: Milestone,
    kpi: Kpi,
    other_project: Any,
) -> None:
    update = _submit(owner, milestone)
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    foreign = Milestone.objects.create(
        project=other_project, title_zh="别的方向", due_date=milestone.due_date, percent_complete=0
    )
    theirs = _submit(owner2, foreign, 20)
    page = lead_client.get(reverse("policy:my-work")).content.decode()
    assert f'name="milestone_update" value="{update.pk}"' in page
    assert f'name="kpi_value" value="{row.pk}:{row.version}"' in page

    response = lead_client.post(
        reverse("policy:review-batch"),
        {"milestone_update": [update.pk, theirs.pk], "kpi_value": [f"{row.pk}:{row.version}"]},
        follow=True,
    )
    text = response.content.decode()
    assert "已批量审核通过 2 项" in text
    assert "未通过" in text  # the other initiative's update is not this lead's
    update.refresh_from_db()
    row.refresh_from_db()
    theirs.refresh_from_db()
    assert update.state == UpdateState.APPROVED
    assert row.state == ReviewState.APPROVED
    assert theirs.state == UpdateState.SUBMITTED
    assert Milestone.objects.get(pk=milestone.pk).percent_complete == 70
    assert KpiValue.objects.get(pk=row.pk).approved_value == Decimal("130")


def test_batch_with_nothing_ticked_says_so(lead_client: Any) -> None:
    response = lead_client.post(reverse("policy:review-batch"), {}, follow=True)
    assert "请先勾选" in response.content.decode()


def test_the_navigation_counts_what_waits_for_the_leads_review(
    owner: Any, lead: Any, lead_client: Any, owner_client: Any, milestone: Milestone, kpi: Kpi
) -> None:
    assert "data-review=" not in lead_client.get(reverse("policy:overview")).content.decode()
    _submit(owner, milestone)
    row = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal("130"))
    page = lead_client.get(reverse("policy:overview")).content.decode()
    assert 'data-review="2"' in page
    assert "（2 项待审核）" in page
    assert "data-review=" not in owner_client.get(reverse("policy:overview")).content.decode()
    kpi_value_approve(actor=lead, value_id=row.pk)
    assert 'data-review="1"' in lead_client.get(reverse("policy:overview")).content.decode()
