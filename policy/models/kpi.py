from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..i18n import english
from .quality import EntryFlagStatus, EntryQuality


class KpiDirection(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class KpiFrequency(models.TextChoices):
    ANNUAL = "A", _("年度")
    HALF = "H", _("半年")
    QUARTERLY = "Q", _("季度")
    MONTHLY = "M", _("月度")


class Kpi(models.Model):
    """A key performance indicator of an initiative or of one project (exactly one of them).

    Targets are a trajectory (`KpiTarget`, one per target date), not one number. `definition`
    is the 统计口径; bump `definition_version` whenever it changes meaning, so values entered
    under an older definition can be told apart. A KPI may follow an ingested indicator series
    (`indicator` + `indicator_area`), in which case its actual values come from observations.
    """

    initiative = models.ForeignKey(
        "policy.Initiative",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpis",
        verbose_name=_("任务方向"),
    )
    project = models.ForeignKey(
        "policy.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpis",
        verbose_name=_("项目"),
    )
    code = models.SlugField(_("指标代码"), max_length=60, unique=True)
    name_zh = models.CharField(_("指标名称"), max_length=150)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    unit = models.CharField(_("单位"), max_length=30, help_text=_("如 P、%、元/度、个"))
    direction = models.CharField(
        _("方向"), max_length=8, choices=KpiDirection.choices, default=KpiDirection.HIGHER
    )
    baseline_value = models.DecimalField(
        _("基期值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_date = models.DateField(_("基期日期"), null=True, blank=True)
    frequency = models.CharField(
        _("报送频率"), max_length=1, choices=KpiFrequency.choices, default=KpiFrequency.ANNUAL
    )
    min_value = models.DecimalField(
        _("合理下限"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("填报值低于此值时须确认（数据质量的范围规则）"),
    )
    max_value = models.DecimalField(
        _("合理上限"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("填报值高于此值时须确认（数据质量的范围规则）"),
    )
    definition = models.TextField(_("统计口径"), blank=True)
    definition_version = models.PositiveSmallIntegerField(_("口径版本"), default=1)
    source_note = models.CharField(_("资料来源"), max_length=400, blank=True)
    is_headline = models.BooleanField(_("总览展示"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kpis",
        verbose_name=_("关联外部指标"),
    )
    indicator_area = models.ForeignKey(
        "policy.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("关联指标地区"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("关键指标")
        verbose_name_plural = _("关键指标")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(initiative__isnull=False, project__isnull=True)
                    | Q(initiative__isnull=True, project__isnull=False)
                ),
                name="kpi_belongs_to_initiative_xor_project",
            ),
            models.CheckConstraint(
                condition=(
                    Q(baseline_value__isnull=True, baseline_date__isnull=True)
                    | Q(baseline_value__isnull=False, baseline_date__isnull=False)
                ),
                name="kpi_baseline_value_and_date_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self) -> str:
        """The name in the active language (Chinese when there is no English name)."""
        return (self.name_en or self.name_zh) if english() else self.name_zh

    @property
    def owner_initiative_id(self) -> int:
        """The initiative the KPI counts for: its own, or its project's (exactly one is set).

        An initiative KPI costs no query; a project KPI reads its project (select it along).
        """
        if self.initiative_id is not None:
            return self.initiative_id
        if self.project is None:  # pragma: no cover — kpi_belongs_to_initiative_xor_project
            raise ValueError(f"KPI {self.pk} belongs to neither an initiative nor a project")
        return self.project.initiative_id


class KpiTarget(models.Model):
    """One point of a KPI's target trajectory: the value to reach by `target_date`."""

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="targets", verbose_name=_("关键指标")
    )
    target_date = models.DateField(_("目标日期"))
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["kpi", "target_date"]
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "target_date"], name="kpitarget_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.target_date:%Y-%m-%d}: {self.value}"


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class KpiValue(EntryQuality):
    """The reported value of a KPI for one period (one row per KPI and period).

    `value` is the latest entry; `approved_value` the last value a lead approved. Dashboards
    and briefings use `approved_value`, so a pending revision never replaces an approved
    figure until it is approved itself.
    """

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="values", verbose_name=_("关键指标")
    )
    period = models.CharField(
        _("期间"), max_length=10, help_text=_("2024、2024-H1、2024-Q1 或 2024-06")
    )
    period_end = models.DateField(_("期末日期"))
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    comment = models.TextField(_("说明"), blank=True)
    state = models.CharField(
        _("审核状态"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    approved_value = models.DecimalField(
        _("已审核数值"), max_digits=20, decimal_places=4, null=True, blank=True
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
    definition_version = models.PositiveSmallIntegerField(_("口径版本"), default=1)
    version = models.PositiveIntegerField(_("版本"), default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "period_end"]
        verbose_name = _("指标填报值")
        verbose_name_plural = _("指标填报值")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period"], name="kpivalue_one_per_period"),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(approved_value__isnull=False),
                name="kpivalue_approved_has_value",
            ),
        ]
        indexes = [
            models.Index(
                fields=["quality_status"],
                condition=Q(quality_status=EntryFlagStatus.OPEN),
                name="kpivalue_quality_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period}: {self.value}"

    @property
    def approved_is_doubtful(self) -> bool:
        """The approved figure is the flagged entry (what dashboards show is 存疑)."""
        return self.is_doubtful and self.approved_value == self.value
