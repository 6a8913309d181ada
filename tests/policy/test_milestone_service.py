"""milestone_record_progress / _approve / _return: permissions, rules, approval, no lost update."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policy.exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from policy.models import Evidence, Milestone, MilestoneUpdate, UpdateState
from policy.services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from tests.policy.evidence_files import PDF, upload

TODAY = dt.date(2026, 5, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def record(actor, milestone, **changes):
    values = {
        "status": milestone.status,
        "percent_complete": milestone.percent_complete,
        "completed_on": milestone.completed_on,
        "narrative": milestone.narrative,
        "expected_version": milestone.version,
        "today": TODAY,
    }
    values.update(changes)
    return milestone_record_progress(actor=actor, milestone_id=milestone.pk, **values)


def field_errors(excinfo) -> dict:
    return excinfo.value.fields


# --- validation rules ---------------------------------------------------------------------


def test_a_done_milestone_needs_a_completion_date(owner, milestone) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(owner, milestone, status="done", percent_complete=100, completed_on=None)
    assert "必须填写实际完成日期" in field_errors(excinfo)["completed_on"][0]


def test_the_completion_date_cannot_be_in_the_future(owner, milestone) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(
            owner,
            milestone,
            status="done",
            percent_complete=100,
            completed_on=TODAY + dt.timedelta(days=1),
        )
    assert "晚于今天" in field_errors(excinfo)["completed_on"][0]


def test_a_done_milestone_is_100_percent(owner, milestone) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(owner, milestone, status="done", percent_complete=90, completed_on=TODAY)
    assert "应为 100" in field_errors(excinfo)["percent_complete"][0]


@pytest.mark.parametrize("percent", [-1, 101])
def test_percent_must_be_between_0_and_100(owner, milestone, percent) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(owner, milestone, percent_complete=percent)
    assert "0 到 100" in field_errors(excinfo)["percent_complete"][0]


def test_a_completion_date_only_goes_with_done(owner, milestone) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(owner, milestone, status="in_progress", completed_on=TODAY)
    assert "只有状态为“已完成”" in field_errors(excinfo)["completed_on"][0]


def test_not_started_means_zero_percent(owner, milestone) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        record(owner, milestone, status="not_started", percent_complete=30)
    assert "未开始" in field_errors(excinfo)["percent_complete"][0]


def test_completion_before_the_project_started_is_refused(owner, milestone) -> None:
    milestone.project.actual_start = dt.date(2025, 1, 1)
    milestone.project.save()
    with pytest.raises(ValidationFailed) as excinfo:
        record(
            owner,
            milestone,
            status="done",
            percent_complete=100,
            completed_on=dt.date(2024, 12, 31),
        )
    assert "早于项目开工日期" in field_errors(excinfo)["completed_on"][0]


def test_saving_nothing_new_is_refused(owner, milestone) -> None:
    with pytest.raises(ValidationFailed, match="没有任何改动"):
        record(owner, milestone)


# --- approval flow ------------------------------------------------------------------------


def test_an_owner_update_waits_for_review_and_leaves_the_milestone_alone(owner, milestone) -> None:
    result = record(owner, milestone, percent_complete=70, narrative="机房封顶")
    assert not result.applied
    update = result.update
    assert update.state == UpdateState.SUBMITTED
    assert update.previous["percent_complete"] == 40
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert fresh.percent_complete == 40  # dashboards still see the approved value
    assert fresh.narrative == ""
    assert fresh.version == milestone.version + 1  # the submission is a lock step


def test_the_lead_approves_and_the_milestone_changes_with_history(owner, lead, milestone) -> None:
    update = record(
        owner, milestone, status="done", percent_complete=100, completed_on=TODAY
    ).update
    milestone_update_approve(actor=lead, update_id=update.pk)
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert (fresh.status, fresh.percent_complete, fresh.completed_on) == ("done", 100, TODAY)
    update.refresh_from_db()
    assert update.state == UpdateState.APPROVED
    assert update.reviewed_by == lead
    last = fresh.history.order_by("-history_id").first()
    assert last.history_user == lead
    assert last.history_change_reason == "form:approved"


def test_the_lead_returns_with_a_reason_and_the_milestone_is_unchanged(
    owner, lead, milestone
) -> None:
    update = record(owner, milestone, percent_complete=90).update
    with pytest.raises(ValidationFailed) as excinfo:
        milestone_update_return(actor=lead, update_id=update.pk, reason="  ")
    assert "reason" in excinfo.value.fields
    milestone_update_return(actor=lead, update_id=update.pk, reason="请附验收报告")
    update.refresh_from_db()
    assert update.state == UpdateState.RETURNED
    assert update.review_note == "请附验收报告"
    assert Milestone.objects.get(pk=milestone.pk).percent_complete == 40


def test_an_owner_cannot_approve_their_own_update(owner, milestone) -> None:
    update = record(owner, milestone, percent_complete=90).update
    with pytest.raises(PermissionDeniedError):
        milestone_update_approve(actor=owner, update_id=update.pk)


def test_a_lead_of_another_initiative_cannot_approve(owner, other_lead, milestone) -> None:
    update = record(owner, milestone, percent_complete=90).update
    with pytest.raises(PermissionDeniedError):
        milestone_update_approve(actor=other_lead, update_id=update.pk)


def test_an_update_is_reviewed_only_once(owner, lead, milestone) -> None:
    update = record(owner, milestone, percent_complete=90).update
    milestone_update_approve(actor=lead, update_id=update.pk)
    with pytest.raises(ConflictError, match="已处理"):
        milestone_update_return(actor=lead, update_id=update.pk, reason="晚了")


def test_a_lead_edits_directly_and_it_is_recorded_as_such(lead, milestone) -> None:
    result = record(lead, milestone, percent_complete=60, channel="api")
    assert result.applied
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert fresh.percent_complete == 60
    last = fresh.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (lead, "api:direct")


def test_a_new_submission_supersedes_the_pending_one(owner, milestone) -> None:
    first = record(owner, milestone, percent_complete=50).update
    milestone.refresh_from_db()
    second = record(owner, milestone, percent_complete=60).update
    first.refresh_from_db()
    assert first.state == UpdateState.SUPERSEDED
    assert second.state == UpdateState.SUBMITTED


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("actor_name", ["official", "owner2", "other_lead", "outsider"])
def test_only_owners_leads_and_admins_may_change(request, actor_name, milestone) -> None:
    actor = request.getfixturevalue(actor_name)
    with pytest.raises(PermissionDeniedError):
        record(actor, milestone, percent_complete=55)
    assert not MilestoneUpdate.objects.exists()


def test_admin_changes_any_milestone_directly(admin_user, milestone) -> None:
    assert record(admin_user, milestone, percent_complete=55).applied


# --- no lost updates ----------------------------------------------------------------------


def test_the_second_of_two_direct_edits_is_refused_and_shows_what_changed(
    lead, admin_user, milestone
) -> None:
    seen_version = milestone.version
    record(lead, milestone, percent_complete=80, narrative="已完成设备安装")
    with pytest.raises(ConflictError) as excinfo:
        record(admin_user, milestone, percent_complete=50, expected_version=seen_version)
    message = excinfo.value.message
    assert "保存被拒绝" in message
    assert "lead" in message
    assert "完成百分比：40% → 80%" in message
    fresh = Milestone.objects.get(pk=milestone.pk)
    assert fresh.percent_complete == 80  # nothing overwritten


def test_a_second_submission_from_the_same_starting_point_is_refused(
    owner, lead, milestone
) -> None:
    seen_version = milestone.version
    record(owner, milestone, percent_complete=70)
    with pytest.raises(ConflictError) as excinfo:
        record(lead, milestone, percent_complete=20, expected_version=seen_version)
    assert "提交了更新" in excinfo.value.message
    assert "40% → 70%" in excinfo.value.message
    pending = MilestoneUpdate.objects.get()
    assert pending.state == UpdateState.SUBMITTED  # the first submission survives
    assert Milestone.objects.get(pk=milestone.pk).percent_complete == 40


def test_a_stale_form_after_submission_and_edit_names_both_changes(
    owner, lead, admin_user, milestone
) -> None:
    record(owner, milestone, percent_complete=70)
    milestone.refresh_from_db()
    seen_by_admin = milestone.version  # the admin opens the form after the submission
    record(lead, milestone, percent_complete=85)
    with pytest.raises(ConflictError) as excinfo:
        record(admin_user, milestone, percent_complete=5, expected_version=seen_by_admin)
    assert "40% → 85%" in excinfo.value.message  # the lead's direct edit, by name
    assert "lead" in excinfo.value.message


def test_approving_after_a_direct_edit_is_refused(owner, lead, admin_user, milestone) -> None:
    update = record(owner, milestone, percent_complete=70).update
    # An admin who opened the form before the submission cannot overwrite it either.
    with pytest.raises(ConflictError):
        record(admin_user, milestone, percent_complete=10)
    milestone.refresh_from_db()
    record(admin_user, milestone, percent_complete=90)  # saw the submission: supersedes it
    update.refresh_from_db()
    assert update.state == UpdateState.SUPERSEDED
    with pytest.raises(ConflictError):
        milestone_update_approve(actor=lead, update_id=update.pk)
    assert Milestone.objects.get(pk=milestone.pk).percent_complete == 90


# --- evidence ---------------------------------------------------------------------------


def test_evidence_is_stored_privately_under_a_random_name(owner, milestone, private_media) -> None:
    result = record(owner, milestone, files=[upload("..\\..\\验收报告.pdf")])
    evidence = Evidence.objects.get()
    assert evidence.update == result.update
    assert evidence.original_name == "验收报告.pdf"
    stored = Path(evidence.file.path)
    assert stored.is_relative_to(private_media)
    assert stored.read_bytes() == PDF
    assert "验收报告" not in stored.name


def test_a_save_failing_after_files_were_written_removes_them(
    owner, milestone, private_media, monkeypatch
) -> None:
    original = Evidence.save
    calls = []

    def fail_on_second(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", fail_on_second)
    with pytest.raises(RuntimeError):
        record(owner, milestone, percent_complete=50, files=[upload("a.pdf"), upload("b.pdf")])
    assert not Evidence.objects.exists()
    assert not MilestoneUpdate.objects.exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []
