"""Milestone progress: owners submit, leads approve or return; leads and admins edit directly.

Every function takes the acting user and a channel ("form", "api", "admin"), checks
permission, validates with `policy.validators`, runs in one transaction and leaves history
(who, when, old → new, channel and review step in the change reason).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..exceptions import ConflictError, ValidationFailed
from ..models import Evidence, Milestone, MilestoneStatus, MilestoneUpdate, UpdateState
from ..notifications.workflow import decision_notify, submission_notify
from ..permissions import user_scope
from ..readmodel import refresh_projects
from ..types import User
from ..validators import (
    REVIEW_NOTE_MAX_LENGTH,
    CheckedFile,
    evidence_file_errors,
    milestone_progress_errors,
    text_length_errors,
)
from .common import (
    STEP_APPROVED,
    STEP_DIRECT,
    raise_if_errors,
    require_approver,
    require_project_write,
    return_reason,
    save_with_history,
)

PROGRESS_FIELDS = ("status", "percent_complete", "completed_on", "narrative")


def progress_snapshot(obj: Milestone | MilestoneUpdate | Any) -> dict[str, Any]:
    """The progress fields as JSON-safe values (dates as ISO strings)."""
    snap = {f: getattr(obj, f) for f in PROGRESS_FIELDS}
    if isinstance(snap["completed_on"], dt.date):
        snap["completed_on"] = snap["completed_on"].isoformat()
    return snap


def _label(field: str) -> str:
    return str(getattr(Milestone._meta.get_field(field), "verbose_name", field))


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field == "status":
        return str(MilestoneStatus(value).label)
    if field == "percent_complete":
        return f"{value}%"
    if field == "narrative":
        text = str(value)
        return text if len(text) <= 40 else text[:40] + "…"
    return str(value)


def describe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human lines "状态：推进中 → 已完成" for the fields that differ."""
    return [
        f"{_label(f)}：{_shown(f, before.get(f))} → {_shown(f, after.get(f))}"
        for f in PROGRESS_FIELDS
        if before.get(f) != after.get(f)
    ]


def _who(user: User | None) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.get_username()


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _conflict(milestone: Milestone, expected_version: int) -> ConflictError:
    """What happened to the milestone since the person opened the form at `expected_version`."""
    lines: list[str] = []
    # Submissions move the version without a history record, so the state the person saw is
    # the latest recorded one at or below their version.
    seen = (
        milestone.history.filter(version__lte=expected_version)
        .order_by("-version", "-history_id")
        .first()
    )
    if seen is not None:
        changes = describe_changes(progress_snapshot(seen), progress_snapshot(milestone))
        if changes:
            last = milestone.history.select_related("history_user").order_by("-history_id")[0]
            lines.append(
                _("%(who)s 于 %(when)s 修改了：%(changes)s")
                % {
                    "who": _who(last.history_user),
                    "when": _when(last.history_date),
                    "changes": "；".join(changes),
                }
            )
    newer = (
        MilestoneUpdate.objects.filter(milestone=milestone, base_version__gt=expected_version)
        .select_related("submitted_by")
        .order_by("pk")
    )
    for update in newer:
        changes = describe_changes(update.previous, progress_snapshot(update))
        lines.append(
            _("%(who)s 于 %(when)s 提交了更新（%(state)s）：%(changes)s")
            % {
                "who": _who(update.submitted_by),
                "when": _when(update.submitted_at),
                "state": update.get_state_display(),
                "changes": "；".join(changes) or _("仅上传材料"),
            }
        )
    if not lines:
        lines.append(_("里程碑已被他人修改。"))
    message = _(
        "保存被拒绝：您打开页面后，该里程碑已有新的改动，您的修改没有保存，也没有覆盖他人的改动。"
        "%(changes)s。请刷新页面，在最新内容基础上重新修改。"
    ) % {"changes": "；".join(lines)}
    return ConflictError(message, fields={"__all__": lines})


@dataclass(frozen=True)
class ProgressResult:
    """`applied`: the milestone changed now (lead/admin); otherwise `update` awaits review."""

    milestone: Milestone
    applied: bool
    update: MilestoneUpdate | None


@contextmanager
def _files_removed_on_error() -> Iterator[list[Evidence]]:
    # The files are written before the transaction commits; if it rolls back, no row points
    # at them any more, so they are deleted rather than left behind half-written.
    stored: list[Evidence] = []
    try:
        yield stored
    except BaseException:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise


def _store_evidence(
    files: Iterable[CheckedFile],
    *,
    milestone: Milestone,
    update: MilestoneUpdate | None,
    actor: User,
    stored: list[Evidence],
) -> None:
    for checked in files:
        evidence = Evidence(
            milestone=milestone,
            update=update,
            token=secrets.token_hex(16),
            original_name=checked.name,
            content_type=checked.content_type,
            size_bytes=checked.size,
            uploaded_by=actor,
        )
        checked.upload.seek(0)
        evidence.file.save(f"upload.{checked.ext}", File(checked.upload), save=False)
        stored.append(evidence)
        evidence.save()


def _supersede_pending(milestone: Milestone, *, actor: User, note: str) -> None:
    MilestoneUpdate.objects.filter(milestone=milestone, state=UpdateState.SUBMITTED).update(
        state=UpdateState.SUPERSEDED,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        review_note=note,
    )


def _validate(
    milestone: Milestone, proposed: dict[str, Any], files: list[Any], today: dt.date
) -> list[CheckedFile]:
    project = milestone.project
    errors = milestone_progress_errors(
        status=proposed["status"],
        percent_complete=proposed["percent_complete"],
        completed_on=proposed["completed_on"],
        today=today,
        project_start=project.actual_start,
        narrative=proposed["narrative"],
    )
    checked, file_messages = evidence_file_errors(files)
    if file_messages:
        errors["evidence"] = file_messages
    raise_if_errors(errors)
    unchanged = all(getattr(milestone, f) == proposed[f] for f in PROGRESS_FIELDS)
    if unchanged and not checked:
        raise ValidationFailed(_("没有任何改动：请修改进展或上传佐证材料后再提交。"))
    return checked


def milestone_record_progress(
    *,
    actor: User,
    milestone_id: int,
    expected_version: int,
    status: str,
    percent_complete: int,
    completed_on: dt.date | None,
    narrative: str,
    files: Iterable[Any] = (),
    channel: str = "form",
    today: dt.date | None = None,
) -> ProgressResult:
    """Record progress of a milestone.

    Owners' changes become a pending `MilestoneUpdate` (the milestone keeps its approved
    values); a lead of the initiative or an admin changes the milestone at once, recorded as
    a direct edit. Raises PermissionDeniedError, ValidationFailed (field messages) or
    ConflictError when the milestone changed since `expected_version` (nothing is saved).
    """
    today = today or timezone.localdate()
    proposed = {
        "status": status,
        "percent_complete": percent_complete,
        "completed_on": completed_on,
        "narrative": (narrative or "").strip(),
    }
    with _files_removed_on_error() as stored, transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=milestone_id)
        )
        require_project_write(actor, milestone.project)
        if milestone.version != expected_version:
            raise _conflict(milestone, expected_version)
        checked = _validate(milestone, proposed, list(files), today)
        if user_scope(actor).can_approve_for(milestone.project.initiative_id):
            _supersede_pending(milestone, actor=actor, note=_("牵头部门已直接修改该里程碑。"))
            for field, value in proposed.items():
                setattr(milestone, field, value)
            milestone.version += 1
            save_with_history(milestone, actor=actor, channel=channel, step=STEP_DIRECT)
            _store_evidence(checked, milestone=milestone, update=None, actor=actor, stored=stored)
            refresh_projects([milestone.project_id])
            return ProgressResult(milestone, applied=True, update=None)
        _supersede_pending(milestone, actor=actor, note=_("已被新的提交替代。"))
        # The version moves on submission too, so a second person who opened the form before
        # this submission is refused instead of silently replacing it.
        Milestone.objects.filter(pk=milestone.pk).update(version=F("version") + 1)
        milestone.refresh_from_db(fields=["version"])
        update = MilestoneUpdate(
            milestone=milestone,
            previous=progress_snapshot(milestone),
            base_version=milestone.version,
            channel=channel,
            submitted_by=actor,
            **proposed,
        )
        update.full_clean()
        update.save()
        _store_evidence(checked, milestone=milestone, update=update, actor=actor, stored=stored)
        submission_notify(
            initiative_id=milestone.project.initiative_id,
            submitter=actor,
            item=milestone.title_zh,
            project=milestone.project.name_zh,
            changes=describe_changes(update.previous, progress_snapshot(update))
            or [_("仅上传材料")],
            link=milestone_review_link(update),
        )
        return ProgressResult(milestone, applied=False, update=update)


def milestone_review_link(update: MilestoneUpdate) -> str:
    """Where a lead reviews this update."""
    return reverse("policy:milestone-update-review", args=[update.pk])


def _tell_submitter(
    update: MilestoneUpdate, milestone: Milestone, actor: User, *, approved: bool, reason: str
) -> None:
    decision_notify(
        submitter=update.submitted_by,
        reviewer=actor,
        approved=approved,
        item=milestone.title_zh,
        reason=reason,
        # Approved: the milestone as it now stands; returned: the form, which starts from
        # the returned update (see views.work._milestone_edit).
        link=reverse(
            "policy:milestone-detail" if approved else "policy:milestone-edit",
            args=[milestone.pk],
        ),
    )


def _locked_pending(update_id: int, actor: User) -> tuple[MilestoneUpdate, Milestone]:
    update = (
        MilestoneUpdate.objects.select_for_update(of=("self",))
        .select_related("submitted_by")
        .get(pk=update_id)
    )
    milestone = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=update.milestone_id)
    )
    require_approver(actor, milestone.project.initiative_id)
    if update.state != UpdateState.SUBMITTED:
        raise ConflictError(
            _("该更新申请已处理（%(state)s），无需再次审核。")
            % {"state": update.get_state_display()}
        )
    return update, milestone


def milestone_update_approve(
    *, actor: User, update_id: int, note: str = "", channel: str = "form"
) -> Milestone:
    """Apply a pending owner update to its milestone (lead of the initiative or admin only).

    Refused with ConflictError when the milestone changed after the submission.
    """
    raise_if_errors(text_length_errors("note", note, REVIEW_NOTE_MAX_LENGTH))
    with transaction.atomic():
        update, milestone = _locked_pending(update_id, actor)
        if milestone.version != update.base_version:
            raise _conflict(milestone, update.base_version)
        for field in PROGRESS_FIELDS:
            setattr(milestone, field, getattr(update, field))
        milestone.version += 1
        save_with_history(milestone, actor=actor, channel=channel, step=STEP_APPROVED)
        update.state = UpdateState.APPROVED
        update.reviewed_by = actor
        update.reviewed_at = timezone.now()
        update.review_note = (note or "").strip()
        update.save()
        refresh_projects([milestone.project_id])
        _tell_submitter(update, milestone, actor, approved=True, reason=update.review_note)
        return milestone


def milestone_update_return(
    *, actor: User, update_id: int, reason: str, channel: str = "form"
) -> MilestoneUpdate:
    """Send a pending update back to its owner with a reason; the milestone is unchanged."""
    reason = return_reason(reason)
    with transaction.atomic():
        update, milestone = _locked_pending(update_id, actor)
        update.state = UpdateState.RETURNED
        update.reviewed_by = actor
        update.reviewed_at = timezone.now()
        update.review_note = reason
        update.save()
        _tell_submitter(update, milestone, actor, approved=False, reason=reason)
        return update
