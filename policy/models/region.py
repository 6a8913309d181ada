from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..i18n import english


class RegionLevel(models.TextChoices):
    WORLD = "world", _("世界")
    COUNTRY = "country", _("国家")
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    CITY = "city", _("对比城市")
    CLUSTER = "cluster", _("国家数据中心集群")


class Region(models.Model):
    """An area figures are reported for.

    `code` is the GB/T 2260 adcode for Chinese administrative areas (510000 Sichuan, 510100
    Chengdu), ISO 3166 alpha-3 for countries (CHN), WLD for the world and ``CL-<NAME>`` for the
    ten national data-center clusters of the "East Data, West Compute" programme. A comparison
    city reuses its adcode (成都 is both the prefecture and a comparison city: one row).
    Seat points are GCJ-02, as published, and are seats, not polygon centroids.
    """

    code = models.CharField(_("代码"), max_length=16, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=120)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_comparison = models.BooleanField(_("作为对比城市"), default=False)
    group_zh = models.CharField(_("所属枢纽"), max_length=60, blank=True)
    group_en = models.CharField(_("所属枢纽（英文）"), max_length=80, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["level", "order", "code"]
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lon__isnull=True) | models.Q(lon__gte=-180, lon__lte=180),
                name="region_lon_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                name="region_lat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self) -> str:
        """The name in the active language."""
        return self.name_en if english() else self.name_zh
