"""Periodic PDF briefings and who receives them by email.

The models keep the `policy` app label, so their tables (policy_briefing,
policy_briefingsubscription) and migrations (policy/migrations/0006) stay where they were.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, never served by URL: views check the role first.

    The location is read from settings on each use (not frozen at import), so tests and
    deployments that change PRIVATE_MEDIA_ROOT see it.
    """

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def briefing_storage() -> FileSystemStorage:
    return PrivateStorage()


class BriefingKind(models.TextChoices):
    WEEKLY = "weekly", _("周报")
    MONTHLY = "monthly", _("月报")
    ON_DEMAND = "on_demand", _("即时简报")


class BriefingStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class BriefingLanguage(models.TextChoices):
    ZH = "zh-hans", _("简体中文")
    EN = "en", _("English")


class Briefing(models.Model):
    """One briefing: a kind, a period and a language, with the PDF once it is generated.

    Regenerating the same kind, period and language reuses this row and replaces its file.
    `summary` keeps the figures the document was written from, so a reader can check what
    a sentence was based on without reopening the PDF. `error` holds the reason of the last
    failure (kept next to the previous file, which stays downloadable).
    """

    kind = models.CharField(_("类型"), max_length=10, choices=BriefingKind.choices)
    period = models.CharField(
        _("期间"), max_length=12, help_text=_("周报 2026-W47，月报 2026-10，即时简报 2026-11-25")
    )
    period_start = models.DateField(_("期初日期"))
    period_end = models.DateField(_("期末日期"))
    language = models.CharField(
        _("语言"), max_length=8, choices=BriefingLanguage.choices, default=BriefingLanguage.ZH
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=BriefingStatus.choices, default=BriefingStatus.PENDING
    )
    file = models.FileField(
        _("PDF 文件"), storage=briefing_storage, upload_to="briefings/", blank=True
    )
    page_count = models.PositiveSmallIntegerField(_("页数"), null=True, blank=True)
    size_bytes = models.PositiveIntegerField(_("文件大小（字节）"), null=True, blank=True)
    summary = models.JSONField(_("所用数据摘要"), default=dict, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    trigger = models.CharField(_("触发方式"), max_length=10, default="schedule")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    requested_at = models.DateTimeField(_("请求时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        app_label = "policy"
        ordering = ["-period_end", "kind", "language"]
        verbose_name = _("简报")
        verbose_name_plural = _("简报")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "language"], name="briefing_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="briefing_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} · {self.get_language_display()}"

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @property
    def download_name(self) -> str:
        return f"4plus1-briefing-{self.kind}-{self.period}-{self.language}.pdf"


class BriefingSubscription(models.Model):
    """A user's opt-in: which briefings they receive by email, and in which language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="briefing_subscription",
        verbose_name=_("用户"),
    )
    weekly = models.BooleanField(_("接收周报"), default=False)
    monthly = models.BooleanField(_("接收月报"), default=False)
    language = models.CharField(
        _("语言"), max_length=8, choices=BriefingLanguage.choices, default=BriefingLanguage.ZH
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        app_label = "policy"
        verbose_name = _("简报订阅")
        verbose_name_plural = _("简报订阅")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"

    def wants(self, kind: str) -> bool:
        return (kind == BriefingKind.WEEKLY and self.weekly) or (
            kind == BriefingKind.MONTHLY and self.monthly
        )
