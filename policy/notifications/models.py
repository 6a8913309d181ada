"""One notification to one person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; new kinds are added here (the inbox filters by kind)."""

    SOURCE_FAILING = "source_failing", _("数据来源连续采集失败")
    BRIEFING_FAILED = "briefing_failed", _("简报生成失败")
    SUBMITTED = "submitted", _("新的待审核提交")
    APPROVED = "approved", _("提交已审核通过")
    RETURNED = "returned", _("提交被退回")
    OVERDUE = "overdue", _("里程碑逾期")


class Notification(models.Model):
    """A message for ``recipient``: shown in the app until read, mailed when it is created."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("站内相对地址"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # The messages untranslated: {"title": msgid, "body": [msgid, ...], "params": {...}}, so the
    # inbox shows them in the reader's language; title and body above are the site language's
    # (what the e-mail said), shown when there is no template.
    template = models.JSONField(_("消息模板"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def _render(self, msgid: str) -> str:
        params = self.template.get("params") or {}
        try:
            return gettext(msgid) % params if params else gettext(msgid)
        except (KeyError, TypeError, ValueError):  # a template that no longer fits its params
            return ""

    @property
    def display_title(self) -> str:
        """The title in the active language (as sent, when there is no template)."""
        msgid = self.template.get("title") if self.template else None
        return (self._render(msgid) if msgid else "") or self.title

    @property
    def display_body(self) -> str:
        """The body in the active language (as sent, when there is no template)."""
        parts = self.template.get("body") if self.template else None
        if not parts:
            return self.body
        rendered = [self._render(p) for p in parts]
        return "\n\n".join(r for r in rendered if r) or self.body


class NotificationSetting(models.Model):
    """One person's choice about notification e-mail; without a row, e-mail is on.

    The in-app inbox always gets every notification: only the e-mail copy can be turned off.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_setting",
        verbose_name=_("用户"),
    )
    email = models.BooleanField(_("同时发送邮件"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user} · {'email' if self.email else 'in-app'}"
