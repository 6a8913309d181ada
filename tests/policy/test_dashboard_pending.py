"""Dashboards keep showing approved figures and mark what owners submitted as 待审核."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from policy.models import Kpi, Milestone, Project
from policy.services.kpis import kpi_value_record
from policy.services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from tests.conftest import refresh_statuses


def submit(owner: Any, milestone: Milestone, percent: int = 70, status: str = "in_progress"):
    milestone.refresh_from_db()
    return milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status=status,
        percent_complete=percent,
        completed_on=dt.date(2026, 1, 5) if status == "done" else None,
        narrative="设备已到货",
    ).update


def html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def project_row(page: str, name: str) -> str:
    """The <tr> of the project table naming the project."""
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)
    return next(r for r in rows if name in r)


def pending_section(page: str) -> str:
    match = re.search(r'<div id="pending".*?</table>', page, flags=re.S)
    assert match, "no pending section on the page"
    return match.group(0)


@pytest.mark.django_db
def test_the_initiative_table_counts_pending_items_next_to_approved_progress(
    official_client: Client, owner: Any, milestone: Milestone, project: Project
) -> None:
    refresh_statuses()
    url = f"/initiatives/{project.initiative.code}/"
    assert "待审核" not in project_row(html(official_client, url), "测试智算中心")
    submit(owner, milestone, percent=90)
    kpi = Kpi.objects.create(project=project, code="t-cap", name_zh="测试算力", unit="P")
    kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal(12))
    row = project_row(html(official_client, url), "测试智算中心")
    assert "2 项待审核" in row
    assert "里程碑更新 1 项、指标填报 1 项、投资填报 0 项待审核" in row
    assert "40%" in row  # the approved progress, not the proposed 90 %
    assert f'href="/projects/{project.pk}/#pending"' in row


@pytest.mark.django_db
def test_returned_and_approved_updates_are_no_longer_pending(
    official_client: Client, owner: Any, lead: Any, milestone: Milestone, project: Project
) -> None:
    update = submit(owner, milestone)
    milestone_update_return(actor=lead, update_id=update.pk, reason="请补充验收单")
    refresh_statuses()
    url = f"/initiatives/{project.initiative.code}/"
    assert "待审核" not in project_row(html(official_client, url), "测试智算中心")
    update = submit(owner, milestone, percent=75)
    assert "1 项待审核" in project_row(html(official_client, url), "测试智算中心")
    milestone_update_approve(actor=lead, update_id=update.pk)
    page = html(official_client, f"/projects/{project.pk}/")
    assert 'id="pending"' not in page
    assert "75%" in page


@pytest.mark.django_db
def test_the_project_page_lists_pending_updates_with_proposal_who_and_when(
    official_client: Client, owner: Any, milestone: Milestone, project: Project
) -> None:
    update = submit(owner, milestone, percent=100, status="done")
    page = html(official_client, f"/projects/{project.pk}/")
    assert "1 项待审核" in page  # next to the approved progress in the facts
    section = pending_section(page)
    assert "待审核" in section
    assert "一期上线" in section
    assert "推进中 40% → " in section
    assert "<strong>已完成 100%</strong>" in section
    assert "2026-01-05" in section
    assert "owner" in section  # the submitter (no full name set)
    local = update.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M") in section
    # An official may look at the milestone but is not offered a review.
    assert f'href="/milestones/{milestone.pk}/#pending-update">查看</a>' in section
    assert ">审核</a>" not in section
    # The milestone table above still shows the approved state, marked as having a pending one.
    table = page.split('id="pending"')[0]
    assert "40%" in table
    row = re.findall(r"<tr class=.ms-row.*?</tr>", table, flags=re.S)[0]
    assert '一期上线 <a class="badge pending-badge" href="#pending">待审核</a>' in row


@pytest.mark.django_db
def test_a_lead_gets_a_review_link_and_an_owner_does_not(
    lead_client: Client, owner_client: Client, owner: Any, milestone: Milestone, project: Project
) -> None:
    submit(owner, milestone)
    review = f'class="button" href="/milestones/{milestone.pk}/#pending-update">审核</a>'
    assert review in pending_section(html(lead_client, f"/projects/{project.pk}/"))
    assert review not in pending_section(html(owner_client, f"/projects/{project.pk}/"))


@pytest.mark.django_db
def test_pending_kpi_values_are_mentioned_on_the_project_page(
    official_client: Client, owner: Any, project: Project
) -> None:
    kpi = Kpi.objects.create(project=project, code="t-cap", name_zh="测试算力", unit="P")
    kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2025", value=Decimal(12))
    page = html(official_client, f"/projects/{project.pk}/")
    assert "另有 1 项指标填报待审核。" in page
    assert "1 项待审核" in page


@pytest.mark.django_db
def test_pending_marks_in_english(
    official_client: Client, owner: Any, milestone: Milestone, project: Project
) -> None:
    submit(owner, milestone)
    official_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    row = project_row(html(official_client, f"/initiatives/{project.initiative.code}/"), "Test")
    assert "1 pending review" in row
    page = html(official_client, f"/projects/{project.pk}/")
    section = pending_section(page)
    assert "Milestone updates awaiting review" in section
    assert "Phase 1 live" in section
    assert "项" not in section
