"""Investment: yearly (and quarterly) plans, monthly completions reported for review, funding.

Amounts are stored in yuan as exact decimals (to the fen) and entered and shown in 万元 or
亿元. A monthly report holds the figure the person entered — the month's own completion or the
year-to-date cumulative (`InvestmentEntry`) — and the other is derived by
`policy.investment.derive_year` from the year's reports, so the two are never confused. Like
`KpiValue`, `amount_yuan` is the latest entry and `approved_*` what a lead approved last:
pages, the API and briefings count approved figures only (through the read model).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..i18n import english
from .kpi import ReviewState
from .quality import EntryFlagStatus, EntryQuality

AMOUNT_DIGITS = 18  # up to 9,999,999,999,999,999.99 yuan: every project there is


class AmountUnit(models.TextChoices):
    """The unit a person writes an amount in (officials write 万元 and 亿元)."""

    WAN = "wan", _("万元")
    YI = "yi", _("亿元")


class InvestmentEntry(models.TextChoices):
    MONTHLY = "monthly", _("当月完成")
    CUMULATIVE = "cumulative", _("自年初累计")


class FundingSource(models.Model):
    """A funding channel (中央预算内投资, 超长期特别国债, ...). Seeded; the admin may add more."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("名称"), max_length=60, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(
        _("可选用"), default=True, help_text=_("停用后不再出现在填报选项中，已有数据保留。")
    )

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self) -> str:
        return (self.name_en or self.name_zh) if english() else self.name_zh


class InvestmentPlan(models.Model):
    """The planned investment of a project for one year (`quarter` empty) or one quarter."""

    project = models.ForeignKey(
        "policy.Project",
        on_delete=models.CASCADE,
        related_name="investment_plans",
        verbose_name=_("项目"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), null=True, blank=True, help_text=_("留空表示全年计划")
    )
    amount_yuan = models.DecimalField(
        _("计划投资（元）"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "year", "quarter"]
        verbose_name = _("年度投资计划")
        verbose_name_plural = _("年度投资计划")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                condition=Q(quarter__isnull=True),
                name="investmentplan_one_per_year",
            ),
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="investmentplan_one_per_quarter",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="investmentplan_quarter_1_4",
            ),
            models.CheckConstraint(
                condition=Q(amount_yuan__gte=0), name="investmentplan_amount_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2099), name="investmentplan_year_range"
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.year}-Q{self.quarter}" if self.quarter else f"{self.year}"
        return f"{self.project} {when}: {self.amount_yuan}"


class InvestmentReport(EntryQuality):
    """Completed investment of one project in one month, as reported (one row per month).

    `entered_as` says which figure `amount_yuan` is: the month's own completion or the
    cumulative since 1 January. `approved_as` / `approved_amount_yuan` are the last figure a
    lead approved; a pending revision never replaces it until approved itself.
    """

    project = models.ForeignKey(
        "policy.Project",
        on_delete=models.CASCADE,
        related_name="investment_reports",
        verbose_name=_("项目"),
    )
    period = models.CharField(_("月份"), max_length=7, help_text=_("如 2026-06"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月"))
    period_end = models.DateField(_("期末日期"))
    entered_as = models.CharField(_("填报口径"), max_length=10, choices=InvestmentEntry.choices)
    amount_yuan = models.DecimalField(
        _("填报金额（元）"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    entered_unit = models.CharField(
        _("填报单位"), max_length=3, choices=AmountUnit.choices, default=AmountUnit.WAN
    )
    comment = models.TextField(_("说明"), blank=True)
    state = models.CharField(
        _("审核状态"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    approved_as = models.CharField(
        _("已审核口径"), max_length=10, choices=InvestmentEntry.choices, blank=True
    )
    approved_amount_yuan = models.DecimalField(
        _("已审核金额（元）"), max_digits=AMOUNT_DIGITS, decimal_places=2, null=True, blank=True
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("填报人"),
    )
    entered_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
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
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "period_end"]
        verbose_name = _("月度完成投资")
        verbose_name_plural = _("月度完成投资")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"], name="investmentreport_one_per_month"
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_amount_yuan__isnull=False),
                name="investmentreport_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount_yuan__isnull=True) | ~Q(approved_as=""),
                name="investmentreport_approved_has_kind",
            ),
            models.CheckConstraint(
                condition=Q(amount_yuan__gte=0), name="investmentreport_amount_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="investmentreport_month_1_12"
            ),
        ]
        indexes = [
            models.Index(
                fields=["quality_status"],
                condition=Q(quality_status=EntryFlagStatus.OPEN),
                name="investmentreport_quality_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period}: {self.amount_yuan} ({self.entered_as})"

    @property
    def approved_is_doubtful(self) -> bool:
        """The approved figure is the flagged entry (what dashboards show is 存疑)."""
        return (
            self.is_doubtful
            and self.approved_amount_yuan == self.amount_yuan
            and self.approved_as == self.entered_as
        )


class ProjectFunding(models.Model):
    """How much of a project's money is planned from one source, and how much has arrived."""

    project = models.ForeignKey(
        "policy.Project", on_delete=models.CASCADE, related_name="funding", verbose_name=_("项目")
    )
    source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="+", verbose_name=_("资金来源")
    )
    planned_yuan = models.DecimalField(
        _("计划资金（元）"), max_digits=AMOUNT_DIGITS, decimal_places=2, default=0
    )
    arrived_yuan = models.DecimalField(
        _("到位资金（元）"), max_digits=AMOUNT_DIGITS, decimal_places=2, default=0
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "source__order"]
        verbose_name = _("项目资金来源")
        verbose_name_plural = _("项目资金来源")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="funding_one_per_source"),
            models.CheckConstraint(
                condition=Q(planned_yuan__gte=0, arrived_yuan__gte=0),
                name="funding_amounts_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.source}"
