"""Owner submissions awaiting review, evidence attachments and sent reminders.

An owner's milestone update does not touch the milestone: it is stored here with the values
it proposes, and the milestone changes only when the initiative's lead approves it. Leads'
direct edits change the milestone at once and appear in its history as such.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .milestone import MilestoneStatus


@deconstructible
class PrivateMediaStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT with no URL: only a permission-checking view serves them.

    The location is read from settings on every use (not frozen at import), so tests and
    deployments that change PRIVATE_MEDIA_ROOT are honoured.
    """

    def __init__(self) -> None:
        super().__init__()

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]  # no URL at all, where storages have one
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; use the evidence download view.")


class UpdateState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")
    SUPERSEDED = "superseded", _("已被替代")


class MilestoneUpdate(models.Model):
    """An owner's proposed change of one milestone, waiting for the lead's review.

    `base_version` is the milestone version after the submission was recorded: approving it
    is refused when the milestone changed since (someone else's edit would be overwritten).
    """

    milestone = models.ForeignKey(
        "policy.Milestone",
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("里程碑"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=MilestoneStatus.choices)
    percent_complete = models.PositiveSmallIntegerField(_("完成百分比"))
    completed_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    narrative = models.TextField(_("进展说明"), blank=True)
    # What the milestone looked like when the owner submitted, to show old → new to reviewers.
    previous = models.JSONField(_("提交时的原值"), default=dict)
    state = models.CharField(
        _("审核状态"), max_length=12, choices=UpdateState.choices, default=UpdateState.SUBMITTED
    )
    channel = models.CharField(_("渠道"), max_length=8, default="form")
    base_version = models.PositiveIntegerField(_("基于版本"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("里程碑更新申请")
        verbose_name_plural = _("里程碑更新申请")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="msupdate_percent_0_100"
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(review_note=""),
                name="msupdate_returned_has_reason",
            ),
            # At most one pending submission per milestone: a newer one supersedes it.
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(state="submitted"),
                name="msupdate_one_pending_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.get_state_display()}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is random: the person's file name is kept only as display metadata.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"evidence/{instance.milestone_id}/{instance.token}.{ext}"


class Evidence(models.Model):
    """A file attached to a milestone (through an update or a lead's direct edit)."""

    milestone = models.ForeignKey(
        "policy.Milestone",
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("里程碑"),
    )
    update = models.ForeignKey(
        MilestoneUpdate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("更新申请"),
    )
    token = models.CharField(_("存储标识"), max_length=32, unique=True)
    file = models.FileField(
        _("文件"), upload_to=evidence_upload_to, storage=PrivateMediaStorage, max_length=200
    )
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.original_name


class ReminderSent(models.Model):
    """One reminder email per person, kind and day: running the daily job twice sends once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("类型"), max_length=20)
    day = models.DateField(_("日期"))
    item_count = models.PositiveIntegerField(_("事项数"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "day"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.day}"
