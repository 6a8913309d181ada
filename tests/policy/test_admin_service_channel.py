"""Admin edits are recorded as such and move the version; admin approval uses the service."""

from __future__ import annotations

import pytest

from policy.models import Milestone, UpdateState
from policy.selectors.history import milestone_history
from policy.services.milestones import milestone_record_progress

pytestmark = pytest.mark.django_db


def test_an_admin_change_form_edit_is_recorded_via_admin(
    admin_client_, admin_user, milestone
) -> None:
    url = f"/admin/policy/milestone/{milestone.pk}/change/"
    data = {
        "project": milestone.project_id,
        "title_zh": milestone.title_zh,
        "title_en": milestone.title_en,
        "due_date": "2026-09-30",
        "completed_on": "",
        "status": "in_progress",
        "percent_complete": 45,
        "weight": 1,
        "narrative": "",
        "order": 0,
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.content[:500]
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert fresh.version == milestone.version + 1  # open forms now see a conflict
    last = fresh.history.order_by("-history_id").first()
    assert last.history_change_reason == "admin:edit"
    row = milestone_history(admin_user, fresh)[0]
    assert row.channel_label == "管理后台"


def test_the_admin_approve_action_goes_through_the_service(
    admin_client_, owner, milestone
) -> None:
    update = milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=77,
        completed_on=None,
        narrative="",
    ).update
    response = admin_client_.post(
        "/admin/policy/milestoneupdate/",
        {"action": "approve_selected", "_selected_action": [update.pk]},
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == UpdateState.APPROVED
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert fresh.percent_complete == 77
    assert fresh.history.order_by("-history_id").first().history_change_reason == "admin:approved"


def test_system_checks_pass_and_admin_pages_open(admin_client_, project, milestone) -> None:
    from django.core.management import call_command

    from policy.models import Kpi

    call_command("check", fail_level="ERROR")
    kpi = Kpi.objects.create(project=project, code="adm-k", name_zh="指标", unit="P")
    for url in (
        f"/admin/policy/kpi/{kpi.pk}/change/",
        f"/admin/policy/milestone/{milestone.pk}/change/",
        f"/admin/policy/project/{project.pk}/change/",
        "/admin/policy/milestoneupdate/",
    ):
        assert admin_client_.get(url).status_code == 200, url
