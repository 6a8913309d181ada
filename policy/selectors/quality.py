"""Owner-entered figures marked 存疑, for the data-quality page (``indicators.views.quality``).

The page lists the ingestion's flags (``indicators.dataquality``) and these side by side: a
KPI value or a monthly investment report whose owner confirmed it against a data-quality rule
(``policy.services.quality``). Admins see all; an initiative's lead sees that initiative's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from indicators.models import QualityRule

from ..formatting import number, yuan
from ..models import EntryFlagStatus, InvestmentReport, KpiValue
from ..permissions import user_scope
from ..types import AnyUser, User
from ..units import display_unit


@dataclass(frozen=True)
class EntryFlagLine:
    """One flagged owner entry as the data-quality page lists it."""

    kind: str  # "kpi" or "investment" (what the resolve form posts back)
    pk: int
    version: int
    project: str
    item: str
    period: str
    value: str  # the entry with its unit
    rules: list[str]  # rule labels
    text: str  # the comparisons
    entered_by: str
    entered_at: dt.datetime
    status: str
    status_label: str
    resolved_by: str
    resolved_at: dt.datetime | None
    note: str
    edit_url: str  # where a correction is entered (a new entry, judged again)

    @property
    def is_open(self) -> bool:
        return self.status == EntryFlagStatus.OPEN


def _who(user: User | None) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


M = TypeVar("M", KpiValue, InvestmentReport)


def _filtered(qs: QuerySet[M], rule: str, status: str, initiatives: Q) -> QuerySet[M]:
    qs = qs.filter(initiatives).exclude(quality_status=EntryFlagStatus.NONE)
    if status:
        qs = qs.filter(quality_status=status)
    if rule:
        qs = qs.filter(quality_flags__contains=[{"rule": rule}])
    return qs.select_related("entered_by", "quality_resolved_by").order_by("-entered_at", "pk")


def _line(row: KpiValue | InvestmentReport, **fields: object) -> EntryFlagLine:
    labels = dict(QualityRule.choices)
    return EntryFlagLine(
        pk=row.pk,
        version=row.version,
        rules=[str(labels.get(r, r)) for r in row.quality_rules],
        text=row.quality_text,
        entered_by=_who(row.entered_by),
        entered_at=row.entered_at,
        status=row.quality_status,
        status_label=str(row.get_quality_status_display()),
        resolved_by=_who(row.quality_resolved_by),
        resolved_at=row.quality_resolved_at,
        note=row.quality_note,
        **fields,  # type: ignore[arg-type]
    )


def entry_flag_list(
    user: AnyUser, *, rule: str = "", status: str = EntryFlagStatus.OPEN, limit: int = 200
) -> list[EntryFlagLine]:
    """Flagged KPI values and investment reports (open by default), newest entries first.
    Two queries; empty for anyone who may not review. ``status`` "" lists open and confirmed."""
    scope = user_scope(user)
    if not (scope.is_admin or scope.led_initiative_ids):
        return []
    if status and status not in EntryFlagStatus.values:
        return []  # "corrected": owner entries are corrected by a new entry, never flagged so
    led = scope.led_initiative_ids
    kpi_scope = (
        Q()
        if scope.is_admin
        else Q(kpi__initiative_id__in=led) | Q(kpi__project__initiative_id__in=led)
    )
    kpis = _filtered(KpiValue.objects.select_related("kpi__project"), rule, status, kpi_scope)[
        :limit
    ]
    reports = _filtered(
        InvestmentReport.objects.select_related("project"),
        rule,
        status,
        Q() if scope.is_admin else Q(project__initiative_id__in=led),
    )[:limit]
    lines = [
        _line(
            v,
            kind="kpi",
            project=v.kpi.project.display_name() if v.kpi.project else "",
            item=v.kpi.display_name(),
            period=v.period,
            value=f"{number(float(v.value), 4)} {display_unit(v.kpi.unit)}",
            edit_url=reverse("policy:kpi-value-edit", args=[v.kpi_id]) + f"?period={v.period}",
        )
        for v in kpis
    ] + [
        _line(
            r,
            kind="investment",
            project=r.project.display_name(),
            item=_("完成投资（%(kind)s）") % {"kind": r.get_entered_as_display()},
            period=r.period,
            value=yuan(Decimal(r.amount_yuan)),
            edit_url=reverse("policy:investment-report", args=[r.project_id])
            + f"?period={r.period}",
        )
        for r in reports
    ]
    lines.sort(key=lambda line: line.entered_at, reverse=True)
    return lines[:limit]
