"""KPI values: owners report (pending review), leads approve or return, leads report directly.

Dashboards read `KpiValue.approved_value`, so a pending revision never replaces an approved
figure until a lead approves it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.quality import OUTLIER_MIN_POINTS

from ..exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from ..models import Kpi, KpiValue, ReviewState
from ..notifications.workflow import decision_notify, submission_notify
from ..permissions import user_scope
from ..readmodel import refresh_kpis
from ..types import User
from ..validators import (
    NARRATIVE_MAX_LENGTH,
    kpi_value_errors,
    period_bounds,
    text_length_errors,
)
from .common import (
    STEP_APPROVED,
    STEP_DIRECT,
    STEP_RETURNED,
    STEP_SUBMITTED,
    raise_if_errors,
    require_approver,
    return_reason,
    save_with_history,
)
from .quality import EntrySeries, NeedsConfirmation, entry_quality_check

__all__ = ["NeedsConfirmation"]  # raised here; the views and tests import it from this module


def require_kpi_write(actor: User, kpi: Kpi) -> None:
    """Project KPIs: owners, leads and admins. Initiative KPIs: the lead and admins only."""
    scope = user_scope(actor)
    project = kpi.project if kpi.project_id else None
    allowed = (
        scope.can_write_project(project)
        if project is not None
        else scope.can_approve_for(kpi.owner_initiative_id)
    )
    if not allowed:
        raise PermissionDeniedError(_("您没有填报指标“%(name)s”的权限。") % {"name": kpi.name_zh})


def _history(kpi: Kpi, period_end: dt.date) -> list[float]:
    """The values of earlier periods, oldest first (approved where there is one, else as
    entered), as many as the outlier rule looks at."""
    rows = (
        KpiValue.objects.filter(kpi=kpi, period_end__lt=period_end)
        .order_by("-period_end")
        .values_list("approved_value", "value")[: OUTLIER_MIN_POINTS + 1]
    )
    return [float(a if a is not None else v) for a, v in reversed(rows)]


def _check_quality(
    kpi: Kpi, value: Decimal, period_end: dt.date, confirmed: bool
) -> list[dict[str, Any]]:
    """The data-quality rules at owner entry (``entry_quality_check``): jump against the
    previous period, the KPI's plausible range, outlier against its earlier values."""
    series = EntrySeries(
        history=_history(kpi, period_end),
        low=None if kpi.min_value is None else float(kpi.min_value),
        high=None if kpi.max_value is None else float(kpi.max_value),
        unit=kpi.unit,
    )
    return entry_quality_check(float(value), series, confirmed=confirmed)


def _plain(value: Decimal) -> str:
    """130.0000 → "130", not "1.3E+2" (what Decimal.normalize() alone would print)."""
    return format(Decimal(value).normalize(), "f")


def kpi_value_record(
    *,
    actor: User,
    kpi_id: int,
    period: str,
    value: Decimal,
    comment: str = "",
    expected_version: int | None = None,
    confirm_jump: bool = False,
    channel: str = "form",
    today: dt.date | None = None,
) -> KpiValue:
    """Report the value of a KPI for one period (create or revise the period's row).

    `expected_version` is the version of the period's row the person saw (None when they saw
    no row); a mismatch raises ConflictError and changes nothing. Owners' values wait for
    review (`approved_value` keeps the last approved figure); a lead's or admin's value is
    approved at once and recorded as a direct entry. A value breaking a data-quality rule
    (ten times the previous period's, outside the KPI's range, an outlier) raises
    NeedsConfirmation unless `confirm_jump`; a confirmed one is stored marked 存疑.
    """
    today = today or timezone.localdate()
    period = period.strip()
    with transaction.atomic():
        kpi = Kpi.objects.select_related("project", "initiative").get(pk=kpi_id)
        require_kpi_write(actor, kpi)
        if kpi.indicator_id:
            raise ValidationFailed(
                _("指标“%(name)s”的数值来自外部数据自动采集，无需手工填报。")
                % {"name": kpi.name_zh}
            )
        raise_if_errors(
            kpi_value_errors(
                frequency=kpi.frequency, unit=kpi.unit, period=period, value=value, today=today
            )
            | text_length_errors("comment", comment, NARRATIVE_MAX_LENGTH)
        )
        _start, period_end = period_bounds(kpi.frequency, period)  # type: ignore[misc]
        row = KpiValue.objects.select_for_update().filter(kpi=kpi, period=period).first()
        seen = row.version if row else None
        if seen != expected_version:
            raise _kpi_conflict(row)
        flags = _check_quality(kpi, value, period_end, confirm_jump)
        direct = user_scope(actor).can_approve_for(kpi.owner_initiative_id)
        row = row or KpiValue(kpi=kpi, period=period, version=0)
        row.period_end = period_end
        row.value = value
        row.comment = (comment or "").strip()
        row.entered_by = actor
        row.definition_version = kpi.definition_version
        row.version += 1
        row.set_quality(flags)
        if direct:
            row.state = ReviewState.APPROVED
            row.approved_value = value
            row.reviewed_by = actor
            row.reviewed_at = timezone.now()
            row.review_note = ""
        else:
            row.state = ReviewState.SUBMITTED
        step = STEP_DIRECT if direct else STEP_SUBMITTED
        try:
            with transaction.atomic():  # savepoint: a lost race must not break the outer one
                save_with_history(row, actor=actor, channel=channel, step=step)
        except IntegrityError:
            # Someone created this period's row between our read and our insert.
            raise _kpi_conflict(
                KpiValue.objects.select_related("entered_by").get(kpi=kpi, period=period)
            ) from None
        if direct:  # a submission leaves the approved figures, and so the status, as they are
            refresh_kpis([kpi.pk])
        else:
            submission_notify(
                initiative_id=kpi.owner_initiative_id,
                submitter=actor,
                item=f"{kpi.name_zh} {period}",
                project=kpi.project.name_zh if kpi.project else "",
                changes=[
                    _("数值：%(old)s → %(new)s %(unit)s")
                    % {
                        "old": _plain(row.approved_value)
                        if row.approved_value is not None
                        else "—",
                        "new": _plain(value),
                        "unit": kpi.unit,
                    }
                ],
                link=kpi_review_link(row),
            )
        return row


def kpi_review_link(row: KpiValue) -> str:
    """Where a lead reviews this value."""
    return reverse("policy:kpi-value-review", args=[row.pk])


def kpi_rework_link(row: KpiValue) -> str:
    """The form an owner reworks a returned value in: it starts from the returned value."""
    return reverse("policy:kpi-value-edit", args=[row.kpi_id]) + f"?period={row.period}"


def _tell_submitter(row: KpiValue, actor: User, *, approved: bool, reason: str = "") -> None:
    decision_notify(
        submitter=row.entered_by,
        reviewer=actor,
        approved=approved,
        item=f"{row.kpi.name_zh} {row.period}",
        reason=reason,
        link=kpi_rework_link(row),
    )


def _kpi_conflict(row: KpiValue | None) -> ConflictError:
    if row is None:
        return ConflictError(
            _("保存被拒绝：该期数值已被删除，请刷新页面后重新填写。"), fields={"__all__": []}
        )
    who = row.entered_by.get_full_name() or row.entered_by.username if row.entered_by else ""
    line = _("%(who)s 已填报该期数值 %(value)s（%(state)s）") % {
        "who": who or _("他人"),
        "value": _plain(row.value),
        "state": row.get_state_display(),
    }
    return ConflictError(
        _(
            "保存被拒绝：您打开页面后该期数值已有改动，您的填报没有保存。%(line)s。请刷新页面后再修改。"
        )
        % {"line": line},
        fields={"__all__": [line]},
    )


def _locked_submitted(actor: User, value_id: int, expected_version: int | None) -> KpiValue:
    row = (
        KpiValue.objects.select_for_update(of=("self",))
        .select_related("kpi__project", "entered_by")
        .get(pk=value_id)
    )
    require_approver(actor, row.kpi.owner_initiative_id)
    if row.state != ReviewState.SUBMITTED:
        raise ConflictError(
            _("该填报已处理（%(state)s），无需再次审核。") % {"state": row.get_state_display()}
        )
    if expected_version is not None and row.version != expected_version:
        raise _kpi_conflict(row)
    return row


def kpi_value_approve(
    *, actor: User, value_id: int, expected_version: int | None = None, channel: str = "form"
) -> KpiValue:
    """Approve a submitted value: `approved_value` becomes the reported value."""
    with transaction.atomic():
        row = _locked_submitted(actor, value_id, expected_version)
        row.state = ReviewState.APPROVED
        row.approved_value = row.value
        row.reviewed_by = actor
        row.reviewed_at = timezone.now()
        row.review_note = ""
        row.version += 1
        save_with_history(row, actor=actor, channel=channel, step=STEP_APPROVED)
        refresh_kpis([row.kpi_id])
        _tell_submitter(row, actor, approved=True)
        return row


def kpi_value_return(
    *,
    actor: User,
    value_id: int,
    reason: str,
    expected_version: int | None = None,
    channel: str = "form",
) -> KpiValue:
    """Return a submitted value for rework; the approved figure (if any) stays in use."""
    reason = return_reason(reason)
    with transaction.atomic():
        row = _locked_submitted(actor, value_id, expected_version)
        row.state = ReviewState.RETURNED
        row.reviewed_by = actor
        row.reviewed_at = timezone.now()
        row.review_note = reason
        row.version += 1
        save_with_history(row, actor=actor, channel=channel, step=STEP_RETURNED)
        _tell_submitter(row, actor, approved=False, reason=reason)
        # The approved figure stays in use; refreshed all the same, so no rule that looks at
        # review states can be left stale by this path.
        refresh_kpis([row.kpi_id])
        return row
