from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..i18n import english


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Milestone(models.Model):
    """A dated step of a project.

    `version` is bumped by every write through the services; a save that carries an older
    version is refused (optimistic locking: no lost update when two people edit).
    """

    project = models.ForeignKey(
        "policy.Project",
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("项目"),
    )
    title_zh = models.CharField(_("里程碑"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=250, blank=True)
    due_date = models.DateField(_("计划完成日期"))
    completed_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.NOT_STARTED,
    )
    percent_complete = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    narrative = models.TextField(_("进展说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "order", "pk"]
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        indexes = [models.Index(fields=["status", "due_date"], name="milestone_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="milestone_percent_0_100"
            ),
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False, percent_complete=100),
                name="milestone_done_has_date_and_100",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(completed_on__isnull=True),
                name="milestone_completed_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def display_title(self) -> str:
        """The title in the active language (Chinese when there is no English title)."""
        return (self.title_en or self.title_zh) if english() else self.title_zh

    @property
    def is_open(self) -> bool:
        return self.status in (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)

    def days_overdue(self, today: dt.date) -> int:
        """Days past the due date for an open milestone; 0 when not overdue or closed."""
        if not self.is_open or self.due_date >= today:
            return 0
        return (today - self.due_date).days
