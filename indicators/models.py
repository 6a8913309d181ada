"""External indicators: what is measured, where it comes from, each run, each value."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from policy.i18n import english


def private_storage() -> FileSystemStorage:
    """Raw payloads and uploaded source files: never served by URL, downloads check roles."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class Category(models.TextChoices):
    CAPACITY = "capacity", _("算力规模")
    POWER_PRICE = "power_price", _("电力与电价")
    SUPPLY_CHAIN = "supply_chain", _("供应链")
    OTHER = "other", _("其他")


class Frequency(models.TextChoices):
    ANNUAL = "A", _("年度")
    CUMULATIVE = "C", _("年内累计")
    HALF = "H", _("半年")
    QUARTERLY = "Q", _("季度")
    MONTHLY = "M", _("月度")
    DAILY = "D", _("日度")


class Confidence(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")
    UNVERIFIED = "unverified", _("未核实")
    FORECAST = "forecast", _("预测")
    TEMPLATE = "template", _("示例模板")


class Indicator(models.Model):
    """A measured quantity with one unit and one definition.

    `qualifier` keeps apart figures that must never be added: FP16 (intelligent computing)
    and FP64 (supercomputing) PFLOPS are different indicators with different qualifiers.
    A derived indicator has a `formula` over other indicators' codes, evaluated safely.
    """

    code = models.SlugField(_("指标代码"), max_length=80, unique=True)
    name_zh = models.CharField(_("指标名称"), max_length=150)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    unit = models.CharField(_("单位"), max_length=40)
    category = models.CharField(
        _("类别"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    frequency = models.CharField(
        _("频率"), max_length=1, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    definition = models.TextField(_("定义与口径"), blank=True)
    qualifier = models.CharField(_("限定（如精度）"), max_length=60, blank=True)
    decimals = models.PositiveSmallIntegerField(_("小数位"), default=1)
    min_value = models.FloatField(_("合理下限"), null=True, blank=True)
    max_value = models.FloatField(_("合理上限"), null=True, blank=True)
    jump_factor = models.FloatField(
        _("跳变倍数"),
        default=10,
        help_text=_(
            "某期数值为同一序列上一期的这么多倍以上（或几分之一以下）时标为存疑；0 表示不检查"
        ),
    )
    publication_lag_days = models.PositiveIntegerField(
        _("发布滞后（天）"),
        default=180,
        help_text=_(
            "一期数据在期末之后多少天内应当发布；下一期超过这个时间仍未到，最新数据即标为过期"
        ),
    )
    confidence = models.CharField(
        _("可信度"), max_length=12, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    confidence_note = models.CharField(_("可信度说明"), max_length=300, blank=True)
    formula = models.CharField(
        _("派生公式"),
        max_length=400,
        blank=True,
        help_text=_("仅派生指标填写，例如 annual_kwh * price / capacity / 12"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return self.name_zh

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)

    def display_name(self) -> str:
        """The name in the active language (Chinese when there is no English name)."""
        return (self.name_en or self.name_zh) if english() else self.name_zh


class Source(models.Model):
    """A configured feed: which connector reads it, from where, and how columns map."""

    code = models.SlugField(_("来源代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(
        _("格式"), max_length=20, help_text=_("csv、excel、json、sdmx-csv、worldbank、nbs")
    )
    url = models.URLField(_("地址"), max_length=1000, blank=True)
    file = models.FileField(
        _("上传文件"), upload_to="sources/", storage=private_storage, blank=True
    )
    options = models.JSONField(_("映射选项"), default=dict, blank=True)
    publisher = models.CharField(_("发布机构"), max_length=200, blank=True)
    citation = models.CharField(_("出处"), max_length=600, blank=True)
    licence = models.CharField(_("许可"), max_length=200, blank=True)
    confidence = models.CharField(
        _("可信度"), max_length=12, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    confidence_note = models.CharField(_("可信度说明"), max_length=300, blank=True)
    expected_every_days = models.PositiveIntegerField(
        _("预期更新间隔（天）"),
        default=35,
        help_text=_("最近一次成功运行早于此间隔即标为过期"),
    )
    refuse_rules = models.JSONField(
        _("拒绝而非标记的规则"),
        default=list,
        blank=True,
        help_text=_(
            "数据质量规则默认只把数值标为存疑；此处列出的规则（jump、range、outlier）对本来源"
            '改为拒绝整次导入，例如 ["range"]'
        ),
    )
    schedule = models.ForeignKey(
        "django_celery_beat.CrontabSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("采集计划"),
        help_text=_("cron 计划；留空则只手动运行。调度任务每 10 分钟检查一次到期的来源。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")

    def __str__(self) -> str:
        return self.name

    @property
    def expected_every(self) -> dt.timedelta:
        return dt.timedelta(days=self.expected_every_days)


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class IngestionRun(models.Model):
    """One attempt to read a source: counts, timing, the raw payload's checksum, the error."""

    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        verbose_name=_("数据来源"),
    )
    label = models.CharField(
        _("说明"), max_length=300, blank=True, help_text=_("命令行临时导入时记录文件名或地址")
    )
    trigger = models.CharField(_("触发方式"), max_length=12, default="schedule")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("触发人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    inserted = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    missing = models.PositiveIntegerField(_("发布方缺失"), default=0)
    flagged = models.PositiveIntegerField(_("存疑"), default=0)
    error = models.TextField(_("错误"), blank=True)
    sha256 = models.CharField(_("原始数据 SHA-256"), max_length=64, blank=True)
    payload = models.FileField(
        _("原始数据"), upload_to="payloads/%Y/%m/", storage=private_storage, blank=True
    )
    payload_bytes = models.PositiveBigIntegerField(_("原始数据大小"), null=True, blank=True)
    # Which process runs it and when it last said so (see indicators.runs: dead runs are reaped).
    worker = models.CharField(_("执行进程"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        indexes = [
            models.Index(
                fields=["source", "status", "-started_at"], name="run_source_status_started"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source or self.label} @ {self.started_at:%Y-%m-%d %H:%M}"


class Observation(models.Model):
    """One value of an indicator for an area and period (and optional dimension).

    `period` is a normalized code ("2023", "2023-H1", "2023-Q1", "2023-06", "2023-06-15");
    `period_start` orders and filters. `dimension` separates e.g. suppliers of a market share;
    it is "" when unused so the unique constraint holds on every database.
    """

    # No index of its own: the unique key and the series index both start with it, and at
    # provincial scale (a million rows) a third B-tree is only more work for every ingestion.
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("指标"),
        db_index=False,
    )
    area = models.ForeignKey(
        "policy.Region",
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("地区"),
    )
    period = models.CharField(_("期间"), max_length=10)
    period_start = models.DateField(_("期初日期"))
    dimension = models.CharField(_("维度"), max_length=80, blank=True, default="")
    value = models.FloatField(_("数值"))
    run = models.ForeignKey(
        IngestionRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
        verbose_name=_("采集记录"),
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["indicator", "area", "period_start"]
        verbose_name = _("观测值")
        verbose_name_plural = _("观测值")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period", "dimension"], name="observation_unique_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["indicator", "area", "period_start"], name="observation_series_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.area.code} {self.period}: {self.value}"


class QualityRule(models.TextChoices):
    JUMP = "jump", _("跳变")
    RANGE = "range", _("超出合理范围")
    OUTLIER = "outlier", _("离群值")
    CONSISTENCY = "consistency", _("序列间不一致")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("存疑")
    CONFIRMED = "confirmed", _("已确认无误")
    CORRECTED = "corrected", _("已更正")


class ConsistencyRule(models.Model):
    """A rule between series, DHIS2 validation-rule style: left side, operator, right side.

    Each side is one indicator's values (optionally of one period frequency), or their sum
    over dimensions of one period (market shares of a year); the right side may instead be
    a constant. Sides are matched by area and period, or by area and year when their
    frequencies differ (the first half of 2023 against the year 2023). The right side is
    multiplied by ``right_factor`` (e.g. 1.05 for a 5 % tolerance). Left-side values that
    break the rule are marked doubtful after each ingestion of either indicator.
    """

    class Operator(models.TextChoices):
        LE = "<=", "≤"
        LT = "<", "<"
        GE = ">=", "≥"
        GT = ">", ">"
        EQ = "==", "="

    name = models.CharField(_("规则名称"), max_length=200)
    left_indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("左侧指标")
    )
    left_frequency = models.CharField(
        _("左侧频率"), max_length=1, choices=Frequency.choices, blank=True
    )
    left_sum = models.BooleanField(_("左侧按维度求和"), default=False)
    operator = models.CharField(_("关系"), max_length=2, choices=Operator.choices)
    right_indicator = models.ForeignKey(
        Indicator,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("右侧指标"),
        help_text=_("留空则与右侧常数比较"),
    )
    right_frequency = models.CharField(
        _("右侧频率"), max_length=1, choices=Frequency.choices, blank=True
    )
    right_sum = models.BooleanField(_("右侧按维度求和"), default=False)
    right_constant = models.FloatField(_("右侧常数"), null=True, blank=True)
    right_factor = models.FloatField(_("右侧乘数"), default=1)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("一致性规则")
        verbose_name_plural = _("一致性规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(right_indicator__isnull=False)
                | models.Q(right_constant__isnull=False),
                name="consistency_rule_has_a_right_side",
            )
        ]

    def __str__(self) -> str:
        return self.name


class QualityFlag(models.Model):
    """A value a data-quality rule found doubtful: kept, marked, and resolved by a person.

    ``params`` holds the comparison as data (rendered in the reader's language by
    ``indicators.quality.flag_text``); ``value`` is the value the rule judged. Resolving a flag
    (confirm it is right, or correct it) records who, when and why, and the corrected-from
    value; the flag row is that history. A later ingestion that brings a different value opens
    the flag again.
    """

    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="flags", verbose_name=_("观测值")
    )
    rule = models.CharField(_("规则"), max_length=12, choices=QualityRule.choices)
    consistency_rule = models.ForeignKey(
        ConsistencyRule,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("一致性规则"),
    )
    # The rule, or "consistency:<id>": one flag per observation and rule.
    rule_key = models.CharField(_("规则键"), max_length=40)
    params = models.JSONField(_("比较"), default=dict)
    value = models.FloatField(_("存疑数值"))
    status = models.CharField(
        _("状态"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    run = models.ForeignKey(
        IngestionRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
        verbose_name=_("采集记录"),
    )
    created_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_note = models.CharField(_("处理说明"), max_length=500, blank=True)
    corrected_from = models.FloatField(_("更正前数值"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("存疑数值")
        verbose_name_plural = _("存疑数值")
        constraints = [
            models.UniqueConstraint(
                fields=["observation", "rule_key"], name="qualityflag_one_per_rule"
            )
        ]
        indexes = [models.Index(fields=["status", "rule"], name="qualityflag_status_rule")]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.rule_key} {self.status}"
