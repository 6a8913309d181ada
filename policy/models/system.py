from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerPing(models.Model):
    """Proof that a worker ran a task: written by the worker, read by the system page."""

    source = models.CharField(_("来源"), max_length=20)  # "beat" or "web"
    requested_at = models.DateTimeField(_("请求时间"))
    done_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    worker = models.CharField(_("执行进程"), max_length=200)

    class Meta:
        ordering = ["-done_at"]
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.source} {self.done_at:%Y-%m-%d %H:%M:%S}"
