"""project_history / milestone_history: who, when, old → new, channel and review step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from policy.models import Kpi
from policy.selectors.history import milestone_history, project_history
from policy.services.kpis import kpi_value_record
from policy.services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 20)


def progress(actor, milestone, **changes):
    milestone.refresh_from_db()
    values = {
        "status": milestone.status,
        "percent_complete": milestone.percent_complete,
        "completed_on": milestone.completed_on,
        "narrative": milestone.narrative,
    }
    values.update(changes)
    return milestone_record_progress(
        actor=actor,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        today=TODAY,
        **values,
    )


def test_submission_and_approval_are_two_steps_with_old_and_new(owner, lead, milestone) -> None:
    update = progress(owner, milestone, percent_complete=70).update
    milestone_update_approve(actor=lead, update_id=update.pk)
    rows = milestone_history(lead, milestone)
    steps = [(r.step, r.who) for r in rows]
    assert ("submitted", "owner") in steps
    assert ("approved", "lead") in steps
    approved = next(r for r in rows if r.step == "approved")
    assert approved.channel == "form"
    assert approved.channel_label == "表单"
    assert approved.step_label == "审核通过"
    change = next(c for c in approved.changes if c.field == "完成百分比")
    assert (change.old, change.new) == ("40%", "70%")
    submitted = next(r for r in rows if r.step == "submitted")
    assert any(c.old == "40%" and c.new == "70%" for c in submitted.changes)


def test_returns_show_the_reason(owner, lead, milestone) -> None:
    update = progress(owner, milestone, percent_complete=70).update
    milestone_update_return(actor=lead, update_id=update.pk, reason="缺少验收材料")
    rows = milestone_history(owner, milestone)
    returned = next(r for r in rows if r.step == "returned")
    assert returned.note == "缺少验收材料"
    assert returned.who == "lead"


def test_project_history_covers_project_milestone_kpi_and_values(
    lead, project, milestone, official
) -> None:
    project._change_reason = "admin:edit"
    project.owner_org = "新单位"
    project.save()
    progress(lead, milestone, status="in_progress", percent_complete=55)
    kpi = Kpi.objects.create(project=project, code="p-online", name_zh="上线算力", unit="P")
    kpi_value_record(actor=lead, kpi_id=kpi.pk, period="2025", value=Decimal(120), today=TODAY)
    rows = project_history(official, project)
    kinds = {r.object_kind for r in rows}
    assert kinds >= {"项目", "里程碑", "关键指标", "指标填报值"}
    project_edit = next(r for r in rows if r.object_kind == "项目" and r.step == "edit")
    assert project_edit.channel_label == "管理后台"
    assert any(c.old == "测试单位" and c.new == "新单位" for c in project_edit.changes)
    value_row = next(r for r in rows if r.object_kind == "指标填报值")
    assert value_row.object_label == "上线算力 2025"
    assert value_row.step == "direct"
    assert rows == sorted(rows, key=lambda r: r.when, reverse=True)


def test_query_count_does_not_grow_with_history(
    lead, project, milestone, official, django_assert_max_num_queries
) -> None:
    for pct in (45, 50, 55, 60, 65):
        progress(lead, milestone, percent_complete=pct)
    official._policy_scope = None
    with django_assert_max_num_queries(11):  # 8, and investment reports, plans, funding
        rows = project_history(official, project)
    assert len(rows) >= 5


def test_outsiders_get_404(outsider, project) -> None:
    with pytest.raises(Http404):
        project_history(outsider, project)


def test_the_milestone_page_renders_the_history_partial(owner_client, lead, milestone) -> None:
    progress(lead, milestone, percent_complete=65, narrative="设备到货")
    body = owner_client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert "变更记录" in body
    assert "直接修改" in body
    assert '40%</span> → <span class="change-new">65%' in body
