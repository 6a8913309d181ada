"""Data-quality flags of owner-entered figures (KPI values, monthly investment reports).

An owner (or lead) may confirm a value that breaks a data-quality rule (jump, range, outlier;
``indicators.quality``); the value is then kept but marked 存疑 with the rules it breaks and
their comparisons, until an analyst resolves it on the data-quality page. The flag lives on the
row itself, so the change history (simple_history) records it along with the value it judged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.quality import flag_text


class EntryFlagStatus(models.TextChoices):
    """The same words as the observations' flags (``indicators.models.FlagStatus``)."""

    NONE = "", _("无")
    OPEN = "open", _("存疑")
    CONFIRMED = "confirmed", _("已确认无误")


class EntryQuality(models.Model):
    """The flag fields of an owner-entered figure; they always judge the row's latest entry.

    ``quality_flags``: ``[{"rule": "jump", "params": {...}}, ...]`` (``flag_text`` words each);
    empty when the entry breaks no rule. A revision re-judges and replaces them.
    """

    quality_flags = models.JSONField(_("存疑规则与比较"), default=list, blank=True)
    quality_status = models.CharField(
        _("数据质量状态"), max_length=10, choices=EntryFlagStatus.choices, blank=True, default=""
    )
    quality_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("存疑处理人"),
    )
    quality_resolved_at = models.DateTimeField(_("存疑处理时间"), null=True, blank=True)
    quality_note = models.CharField(_("存疑处理说明"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def is_doubtful(self) -> bool:
        """The latest entry breaks a rule and no analyst has confirmed it yet (存疑)."""
        return self.quality_status == EntryFlagStatus.OPEN

    @property
    def quality_rules(self) -> list[str]:
        return [str(f["rule"]) for f in self.quality_flags]

    @property
    def quality_text(self) -> str:
        """The comparisons of every rule the entry breaks, in the active language."""
        return gettext("；").join(flag_text(f["rule"], f["params"]) for f in self.quality_flags)

    def set_quality(self, flags: list[dict[str, Any]]) -> None:
        """Judge a new entry: its flags (open when any) replace the previous entry's."""
        self.quality_flags = flags
        self.quality_status = EntryFlagStatus.OPEN if flags else EntryFlagStatus.NONE
        self.quality_resolved_by = None
        self.quality_resolved_at = None
        self.quality_note = ""
