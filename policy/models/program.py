from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..i18n import english


class Initiative(models.Model):
    """One of the 4+1: four rear bases plus the government-affairs model. Seeded by migration."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150)
    short_zh = models.CharField(_("简称"), max_length=30)
    short_en = models.CharField(_("英文简称"), max_length=60)
    summary_zh = models.TextField(_("概述"), blank=True)
    summary_en = models.TextField(_("英文概述"), blank=True)
    progress_zh = models.TextField(_("进展衡量"), blank=True)
    lead_department_zh = models.CharField(_("牵头部门"), max_length=100, blank=True)
    lead_department_en = models.CharField(_("牵头部门（英文）"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), unique=True)
    colour = models.CharField(_("颜色"), max_length=7, default="#1f5fa8")

    class Meta:
        ordering = ["order"]
        verbose_name = _("任务方向")
        verbose_name_plural = _("任务方向")
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="initiative_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self) -> str:
        """The name in the active language (the English one may be blank: then Chinese)."""
        return self.name_en if english() else self.name_zh


class ProjectPhase(models.TextChoices):
    PLANNING = "planning", _("谋划")
    CONSTRUCTION = "construction", _("建设中")
    OPERATION = "operation", _("运营中")
    COMPLETED = "completed", _("已完成")
    SUSPENDED = "suspended", _("暂缓")


class Project(models.Model):
    """A project of one initiative. Investment is stored in yuan and shown in 万元/亿元."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("任务方向"), on_delete=models.PROTECT, related_name="projects"
    )
    code = models.SlugField(_("项目代码"), max_length=40, unique=True)
    name_zh = models.CharField(_("项目名称"), max_length=150)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("项目简介"), blank=True)
    description_en = models.TextField(_("英文简介"), blank=True)
    owner_org = models.CharField(_("责任单位"), max_length=150)
    region = models.ForeignKey(
        "policy.Region",
        verbose_name=_("所在市州"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    phase = models.CharField(
        _("阶段"), max_length=16, choices=ProjectPhase.choices, default=ProjectPhase.PLANNING
    )
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_end = models.DateField(_("计划完成"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工"), null=True, blank=True)
    actual_end = models.DateField(_("实际完成"), null=True, blank=True)
    planned_investment_yuan = models.DecimalField(
        _("计划投资（元）"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    actual_investment_yuan = models.DecimalField(
        _("完成投资（元）"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    source_note = models.CharField(_("资料来源"), max_length=400, blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="policy.Membership",
        through_fields=("project", "user"),
        blank=True,
        related_name="owned_projects",
        verbose_name=_("项目负责人"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["initiative__order", "code"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_planned_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="project_actual_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(planned_investment_yuan__isnull=True)
                | Q(planned_investment_yuan__gte=0),
                name="project_planned_investment_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(actual_investment_yuan__isnull=True)
                | Q(actual_investment_yuan__gte=0),
                name="project_actual_investment_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180),
                name="project_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="project_lat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self) -> str:
        """The name in the active language (Chinese when there is no English name)."""
        return (self.name_en or self.name_zh) if english() else self.name_zh


class Role(models.TextChoices):
    OWNER = "owner", _("项目负责人")
    LEAD = "lead", _("牵头部门")


class Membership(models.Model):
    """Links a user to one project (owner) or one initiative (lead)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("项目"),
    )
    initiative = models.ForeignKey(
        Initiative,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("任务方向"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="owner", project__isnull=False, initiative__isnull=True)
                    | Q(role="lead", initiative__isnull=False, project__isnull=True)
                ),
                name="membership_role_matches_target",
            ),
            models.UniqueConstraint(
                fields=["user", "project"],
                condition=Q(project__isnull=False),
                name="membership_unique_user_project",
            ),
            models.UniqueConstraint(
                fields=["user", "initiative"],
                condition=Q(initiative__isnull=False),
                name="membership_unique_user_initiative",
            ),
        ]

    def __str__(self) -> str:
        target = self.project or self.initiative
        return f"{self.user} · {self.get_role_display()} · {target}"
