"""Helpers every service shares: channels, change reasons, permission and error plumbing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ..exceptions import PermissionDeniedError, ValidationFailed
from ..models import Project
from ..permissions import user_scope
from ..types import User
from ..validators import REVIEW_NOTE_MAX_LENGTH, FieldErrors, text_length_errors

CHANNELS = ("form", "api", "admin")

# Review steps recorded in the history change reason as "<channel>:<step>".
STEP_DIRECT = "direct"  # a lead or admin changed the record directly
STEP_SUBMITTED = "submitted"  # an owner's change waits for review
STEP_APPROVED = "approved"
STEP_RETURNED = "returned"


def change_reason(channel: str, step: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
    return f"{channel}:{step}"


def parse_change_reason(reason: str | None) -> tuple[str, str]:
    """(channel, step) from a stored reason; records written outside the services are 'system'."""
    if reason and ":" in reason:
        channel, step = reason.split(":", 1)
        return channel, step
    return "system", ""


def save_with_history(obj: models.Model, *, actor: User, channel: str, step: str) -> None:
    """full_clean, then save with who/why attached to the history record simple_history writes."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            _("数据未通过校验：%(errors)s") % {"errors": "；".join(exc.messages)},
            fields=exc.message_dict if hasattr(exc, "error_dict") else {},
        ) from exc
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = change_reason(channel, step)  # type: ignore[attr-defined]
    obj.save()


def raise_if_errors(errors: FieldErrors, summary: str | None = None) -> None:
    if errors:
        flat = [m for messages in errors.values() for m in messages]
        raise ValidationFailed(summary or "；".join(flat), fields=errors)


def require_project_write(actor: User, project: Project) -> None:
    if not user_scope(actor).can_write_project(project):
        raise PermissionDeniedError(
            _(
                "您没有修改项目“%(name)s”的权限：只有该项目的负责人、所属任务方向的牵头部门和管理员可以修改。"
            )
            % {"name": project.name_zh}
        )


def require_approver(actor: User, initiative_id: int) -> None:
    if not user_scope(actor).can_approve_for(initiative_id):
        raise PermissionDeniedError(_("只有该任务方向的牵头部门或管理员可以审核。"))


def return_reason(reason: str | None) -> str:
    """The reason a reviewer gives for returning a submission: required, within length."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("退回时请填写退回原因，方便项目负责人修改。"),
            fields={"reason": [_("请填写退回原因。")]},
        )
    raise_if_errors(text_length_errors("reason", reason, REVIEW_NOTE_MAX_LENGTH))
    return reason
