"""A saved what-if of the power-cost page: the inputs an official changed, and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PowerScenario(models.Model):
    """Named overrides of the power-cost computation for one area.

    ``inputs`` holds only what the scenario changes, keyed like the page's and the API's
    parameters (``{"price": 0.35, "green_share": 30, ...}``); everything else is read from the
    latest indicators whenever the scenario is shown, so a scenario follows new data.
    ``result`` keeps the figures it gave when it was saved, for the record.
    """

    name = models.CharField(_("名称"), max_length=120)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    area = models.ForeignKey(
        "policy.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地区")
    )
    compare_area = models.ForeignKey(
        "policy.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("对比城市"),
        help_text=_("保本电价与之比较的城市"),
    )
    inputs = models.JSONField(_("情景输入"), default=dict, blank=True)
    result = models.JSONField(_("保存时的结果"), default=dict, blank=True)
    include_in_briefing = models.BooleanField(_("纳入简报"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("保存人"),
    )
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("电费情景")
        verbose_name_plural = _("电费情景")
        indexes = [
            models.Index(fields=["include_in_briefing", "-created_at"], name="scenario_briefing")
        ]

    def __str__(self) -> str:
        return self.name
