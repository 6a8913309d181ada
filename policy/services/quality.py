"""The data-quality rules at owner entry: one check for KPI values and investment reports.

The rules and their wording are the ingestion's (``indicators.quality``): jump (ten times or a
tenth of the previous period's value), range and outlier (robust z-score over the series'
earlier values, judged once there are as many as the ingestion needs). A value breaking a rule
raises ``NeedsConfirmation`` unless the person confirmed it; a confirmed one is stored with its
flags (``EntryQuality.set_quality``) and shown as 存疑 until an analyst resolves it
(``entry_flag_resolve``, from the data-quality page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.quality import entry_flags, flag_text

from ..exceptions import PermissionDeniedError, ValidationFailed
from ..models import EntryFlagStatus, InvestmentReport, KpiValue
from ..permissions import user_scope
from ..revision import program_changed
from ..types import User
from .common import STEP_DIRECT, save_with_history

ENTRY_KINDS = ("kpi", "investment")
RESOLUTION_NOTE_MAX = 500


class NeedsConfirmation(ValidationFailed):
    """The value is possible but implausible; the person must confirm it explicitly."""

    code = "needs_confirmation"


@dataclass(frozen=True)
class EntrySeries:
    """What one entered value is judged against (numbers in the unit the texts show).

    ``history``: the series' earlier values, oldest first (the last is ``previous``);
    ``low``/``high``: the plausible range; ``range_params`` say which yardstick the range is
    (see ``indicators.quality.range_text``); ``unit`` follows each amount in the texts.
    """

    history: list[float]
    low: float | None = None
    high: float | None = None
    unit: str = ""
    range_params: dict[str, Any] = field(default_factory=dict)


def rule_label(rule: str) -> str:
    """What a rule means at owner entry, in words."""
    labels = {
        "jump": _("与上一期相差十倍以上（或十分之一以下）"),
        "range": _("超出合理范围"),
        "outlier": _("远离此前各期的水平"),
    }
    return labels.get(rule, rule)


def entry_quality_check(
    value: float, series: EntrySeries, *, confirmed: bool, field_name: str = "value"
) -> list[dict[str, Any]]:
    """The flags ``value`` earns against ``series`` (``[]`` when it breaks no rule).

    Raises NeedsConfirmation, naming every broken rule with its comparison, unless
    ``confirmed``: then the flags are returned for the row to keep (``set_quality``).
    """
    flags = entry_flags(
        value,
        previous=series.history[-1] if series.history else None,
        history=series.history,
        low=series.low,
        high=series.high,
        range_params=series.range_params,
    )
    if series.unit:
        for flag in flags:
            flag["params"]["unit"] = series.unit
    if flags and not confirmed:
        texts = _("；").join(
            _("%(rule)s：%(text)s")
            % {"rule": rule_label(f["rule"]), "text": flag_text(f["rule"], f["params"])}
            for f in flags
        )
        message = _(
            "数值存疑（%(texts)s）。请核对单位与口径（如万与亿、P 与 T）；确认无误请勾选"
            "“确认数值无误”后再提交，该值将保留并标为存疑，待数据质量核查。"
        ) % {"texts": texts}
        raise NeedsConfirmation(message, fields={field_name: [message]})
    return flags


def _entry_row(kind: str, pk: int) -> tuple[KpiValue | InvestmentReport, int]:
    """The flagged row (locked) and the initiative whose lead may resolve it."""
    if kind == "kpi":
        kpi_row = (
            KpiValue.objects.select_for_update(of=("self",))
            .select_related("kpi__project")
            .filter(pk=pk)
            .first()
        )
        if kpi_row is not None:
            return kpi_row, kpi_row.kpi.owner_initiative_id
    elif kind == "investment":
        report = (
            InvestmentReport.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=pk)
            .first()
        )
        if report is not None:
            return report, report.project.initiative_id
    raise ValidationFailed(_("没有这条存疑记录（可能已因数值更新而消除）；请刷新页面。"))


def entry_flag_resolve(
    *, actor: User, kind: str, pk: int, note: str, expected_version: int | None = None
) -> KpiValue | InvestmentReport:
    """Confirm a flagged owner-entered value as right (admins and the initiative's lead).

    Records who, when and why on the row, in its change history. A flag on a value the
    owner has revised since (``expected_version`` differs) is not resolved: the new value
    has been judged anew. Corrections are new entries through the report forms.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            _("请填写理由（核对了哪份资料）。"), fields={"note": [_("请填写理由。")]}
        )
    if len(note) > RESOLUTION_NOTE_MAX:
        raise ValidationFailed(_("理由最多 500 个字。"), fields={"note": [_("理由过长。")]})
    with transaction.atomic():
        row, initiative_id = _entry_row(kind, pk)
        scope = user_scope(actor)
        if not scope.can_approve_for(initiative_id):
            raise PermissionDeniedError(_("只有该任务方向的牵头部门或管理员可以处理此存疑数值。"))
        if not row.is_doubtful or (
            expected_version is not None and row.version != expected_version
        ):
            raise ValidationFailed(_("该存疑数值已处理或已被重新填报，无需再次处理；请刷新页面。"))
        row.quality_status = EntryFlagStatus.CONFIRMED
        row.quality_resolved_by = actor
        row.quality_resolved_at = timezone.now()
        row.quality_note = note
        save_with_history(row, actor=actor, channel="form", step=STEP_DIRECT)
        program_changed()
        return row
