"""The program's read model: statuses computed once by `policy.readmodel` and stored.

One row per project, initiative and KPI, each with the day it was computed for (`as_of`) and
a `revision` that moves on whenever the row's content changes. Reasons are stored as data
(`policy.status.Reason`), so both languages come from one row. `StatusChange` keeps every
change of colour (and of the reasons) as history: pages show it as a timeline, and briefings
for a past cut-off read it instead of recomputing over today's data.

Rows are written only by `policy.readmodel`; nothing else may save them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..status import Rag


class ProjectStatus(models.Model):
    """A project's computed status, progress, next milestone and milestone counts."""

    project = models.OneToOneField(
        "policy.Project",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="status_row",
        verbose_name=_("项目"),
    )
    initiative = models.ForeignKey(
        "policy.Initiative", on_delete=models.CASCADE, related_name="+", verbose_name=_("任务方向")
    )
    rag = models.CharField(_("状态"), max_length=5, choices=Rag.choices)
    reasons = models.JSONField(_("原因"), default=list)
    progress = models.FloatField(_("进度（%）"), null=True)
    milestones_by_state = models.JSONField(_("里程碑分布"), default=dict)
    next_milestone_id = models.PositiveBigIntegerField(_("下一个里程碑"), null=True)
    next_milestone_title_zh = models.CharField(max_length=200, blank=True)
    next_milestone_title_en = models.CharField(max_length=250, blank=True)
    next_milestone_due = models.DateField(null=True)
    # Investment of the as-of year from approved reports (policy.investment), in yuan.
    invest_year = models.PositiveSmallIntegerField(_("投资年度"), null=True)
    invest_plan_yuan = models.DecimalField(
        _("年度计划投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    invest_completed_yuan = models.DecimalField(
        _("年度累计完成投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    invest_through_month = models.PositiveSmallIntegerField(_("已审核填报至（月）"), null=True)
    invest_month = models.PositiveSmallIntegerField(_("考核月份"), null=True)
    invest_rate = models.FloatField(_("年度投资完成率"), null=True)
    invest_elapsed = models.FloatField(_("时间进度"), null=True)
    # The investment rule's own colour (grey: no plan or nothing due), for sorting and maps.
    invest_rag = models.CharField(_("投资状态"), max_length=5, choices=Rag.choices, default="grey")
    invest_note = models.CharField(_("投资数据说明"), max_length=300, blank=True)
    invest_total_plan_yuan = models.DecimalField(
        _("总投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    invest_completed_total_yuan = models.DecimalField(
        _("累计完成投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    # [{"month", "monthly", "cumulative", "plan_cumulative", "covers"}] of the as-of year.
    invest_months = models.JSONField(_("月度投资"), default=list)
    # [{"code", "name_zh", "name_en", "planned", "arrived"}] by source order.
    funding = models.JSONField(_("资金来源"), default=list)
    as_of = models.DateField(_("计算日期"))
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("项目状态")
        verbose_name_plural = _("项目状态")
        indexes = [models.Index(fields=["initiative", "rag"], name="projectstatus_initiative_rag")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.rag} ({self.as_of})"


class InitiativeStatus(models.Model):
    """An initiative's computed status with the counts the overview shows."""

    initiative = models.OneToOneField(
        "policy.Initiative",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="status_row",
        verbose_name=_("任务方向"),
    )
    rag = models.CharField(_("状态"), max_length=5, choices=Rag.choices)
    reasons = models.JSONField(_("原因"), default=list)
    project_count = models.PositiveIntegerField(_("项目数"), default=0)
    projects_by_rag = models.JSONField(_("项目状态分布"), default=dict)
    milestones_by_state = models.JSONField(_("里程碑分布"), default=dict)
    # Sums over the projects with a plan for the as-of year (yuan), judged at `invest_month`.
    invest_plan_yuan = models.DecimalField(
        _("年度计划投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    invest_completed_yuan = models.DecimalField(
        _("年度累计完成投资（元）"), max_digits=18, decimal_places=2, null=True
    )
    invest_month = models.PositiveSmallIntegerField(_("考核月份"), null=True)
    as_of = models.DateField(_("计算日期"))
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("任务方向状态")
        verbose_name_plural = _("任务方向状态")

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.rag} ({self.as_of})"

    @property
    def invest_rate(self) -> float | None:
        """Completion of the projects' year plans (their sums), as a fraction."""
        if not self.invest_plan_yuan or self.invest_completed_yuan is None:
            return None
        return float(self.invest_completed_yuan / self.invest_plan_yuan)

    @property
    def invest_elapsed(self) -> float | None:
        return self.invest_month / 12 if self.invest_month is not None else None


class KpiStatus(models.Model):
    """A KPI's projection to its next target date, its colour and its latest figures.

    `year_target*` is the target of the as-of year (else the next one, else the last one): what
    the progress bars compare the latest value with.
    """

    kpi = models.OneToOneField(
        "policy.Kpi",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="status_row",
        verbose_name=_("关键指标"),
    )
    initiative = models.ForeignKey(
        "policy.Initiative",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("任务方向"),
        help_text=_("指标所属任务方向（项目指标为项目所属方向）"),
    )
    project = models.ForeignKey(
        "policy.Project", null=True, on_delete=models.CASCADE, related_name="+"
    )
    rag = models.CharField(_("状态"), max_length=5, choices=Rag.choices)
    target_date = models.DateField(_("预测目标日期"), null=True)
    target = models.FloatField(_("目标值"), null=True)
    projected = models.FloatField(_("预测值"), null=True)
    shortfall = models.FloatField(_("差距（目标的比例）"), null=True)
    latest_value = models.FloatField(_("最新值"), null=True)
    latest_date = models.DateField(_("最新值期末"), null=True)
    previous_value = models.FloatField(_("上一期值"), null=True)
    year_target_date = models.DateField(null=True)
    year_target = models.FloatField(null=True)
    as_of = models.DateField(_("计算日期"))
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标状态")
        verbose_name_plural = _("指标状态")

    def __str__(self) -> str:
        return f"{self.kpi_id}: {self.rag} ({self.as_of})"


class StatusSubject(models.TextChoices):
    PROJECT = "project", _("项目")
    INITIATIVE = "initiative", _("任务方向")
    KPI = "kpi", _("关键指标")


class StatusChange(models.Model):
    """One change of a stored status: from, to, the day it took effect and the reasons then.

    Recorded when the colour or the reasons change (for a KPI: any of its figures), so the
    entry in force on a day says exactly what the status was that day. `from_rag` is blank
    for the first record of an object (history starts when it was first computed).
    `snapshot` holds what else a past briefing needs (initiative counts, KPI figures).
    """

    subject = models.CharField(_("对象类型"), max_length=10, choices=StatusSubject.choices)
    project = models.ForeignKey(
        "policy.Project", null=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    initiative = models.ForeignKey(
        "policy.Initiative", null=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    kpi = models.ForeignKey(
        "policy.Kpi", null=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_rag = models.CharField(_("原状态"), max_length=5, blank=True)
    to_rag = models.CharField(_("新状态"), max_length=5, choices=Rag.choices)
    day = models.DateField(_("生效日期"))
    recorded_at = models.DateTimeField(_("记录时间"))
    reasons = models.JSONField(_("原因"), default=list)
    snapshot = models.JSONField(_("快照"), default=dict)

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("状态变化")
        verbose_name_plural = _("状态变化")
        indexes = [
            models.Index(fields=["subject", "day"], name="statuschange_subject_day"),
            models.Index(fields=["project", "day"], name="statuschange_project_day"),
            models.Index(fields=["initiative", "day"], name="statuschange_initiative_day"),
            models.Index(fields=["kpi", "day"], name="statuschange_kpi_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        subject="project",
                        project__isnull=False,
                        initiative__isnull=True,
                        kpi__isnull=True,
                    )
                    | Q(
                        subject="initiative",
                        initiative__isnull=False,
                        project__isnull=True,
                        kpi__isnull=True,
                    )
                    | Q(
                        subject="kpi",
                        kpi__isnull=False,
                        project__isnull=True,
                        initiative__isnull=True,
                    )
                ),
                name="statuschange_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.from_rag or '—'} → {self.to_rag} ({self.day})"

    @property
    def is_colour_change(self) -> bool:
        return bool(self.from_rag) and self.from_rag != self.to_rag
