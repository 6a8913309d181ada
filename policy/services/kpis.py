"""KPI values: owners report (pending review), leads approve or return, leads report directly.

Dashboards read `KpiValue.approved_value`, so a pending revision never replaces an approved
figure until a lead approves it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.quality import unit_hint

from ..exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from ..models import Kpi, KpiValue, ReviewState
from ..notifications.workflow import decision_notify, submission_notify
from ..permissions import user_scope
from ..readmodel import refresh_kpis
from ..types import User
from ..validators import (
    NARRATIVE_MAX_LENGTH,
    REVIEW_NOTE_MAX_LENGTH,
    is_implausible_jump,
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
    save_with_history,
)


class NeedsConfirmation(ValidationFailed):
    """The value is possible but implausible; the person must confirm it explicitly."""

    code = "needs_confirmation"


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


def _previous_value(kpi: Kpi, period_end: dt.date) -> Decimal | None:
    """The latest value of an earlier period (approved if there is one, else as entered)."""
    row = (
        KpiValue.objects.filter(kpi=kpi, period_end__lt=period_end)
        .order_by("-period_end")
        .values_list("approved_value", "value")
        .first()
    )
    if row is None:
        return None
    return row[0] if row[0] is not None else row[1]


def _plain(value: Decimal) -> str:
    """130.0000 → "130", not "1.3E+2" (what Decimal.normalize() alone would print)."""
    return format(Decimal(value).normalize(), "f")


def require_plausible(
    value: Decimal,
    previous: Decimal | None,
    *,
    confirmed: bool,
    shown: tuple[str, str],
    field: str = "value",
) -> None:
    """The tenfold rule of every reported figure: a value ten times (or a tenth of) the previous
    period's raises NeedsConfirmation unless the person confirmed it. `shown` is the value and
    the previous one as the message writes them (with their unit)."""
    if confirmed or previous is None or not is_implausible_jump(value, previous):
        return
    message = _(
        "数值 %(value)s 是上一期 %(previous)s 的十倍以上（或十分之一以下），%(hint)s，"
        "请核对单位（如万与亿、P 与 T）；确认无误请勾选“确认数值无误”后再提交。"
    ) % {
        "value": shown[0],
        "previous": shown[1],
        "hint": unit_hint(float(value) / float(previous)),
    }
    raise NeedsConfirmation(message, fields={field: [message]})


def _check_jump(kpi: Kpi, value: Decimal, period_end: dt.date, confirmed: bool) -> None:
    """The data-quality rules of the ingestion at owner entry: the jump rule against the
    previous period and the KPI's plausible range. Either asks for confirmation."""
    if confirmed:
        return
    previous = _previous_value(kpi, period_end)
    if previous is not None and is_implausible_jump(value, previous):
        ratio = float(value) / float(previous)
        message = _(
            "数值 %(value)s %(unit)s 是上一期 %(previous)s %(unit)s 的十倍以上（或十分之一以下），"
            "%(hint)s，请核对单位（如万与亿、P 与 T）；确认无误请勾选“确认数值无误”后再提交。"
        ) % {
            "value": _plain(value),
            "previous": _plain(previous),
            "unit": kpi.unit,
            "hint": unit_hint(ratio),
        }
        raise NeedsConfirmation(message, fields={"value": [message]})
    low, high = kpi.min_value, kpi.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        message = _(
            "数值 %(value)s %(unit)s 超出该指标的合理范围 %(low)s … %(high)s；"
            "确认无误请勾选“确认数值无误”后再提交。"
        ) % {
            "value": _plain(value),
            "unit": kpi.unit,
            "low": "" if low is None else _plain(low),
            "high": "" if high is None else _plain(high),
        }
        raise NeedsConfirmation(message, fields={"value": [message]})


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
    approved at once and recorded as a direct entry. A value ten times the previous period's
    raises NeedsConfirmation unless `confirm_jump`.
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
        _check_jump(kpi, value, period_end, confirm_jump)
        direct = user_scope(actor).can_approve_for(kpi.owner_initiative_id)
        row = row or KpiValue(kpi=kpi, period=period, version=0)
        row.period_end = period_end
        row.value = value
        row.comment = (comment or "").strip()
        row.entered_by = actor
        row.definition_version = kpi.definition_version
        row.version += 1
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
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("退回时请填写退回原因，方便项目负责人修改。"),
            fields={"reason": [_("请填写退回原因。")]},
        )
    raise_if_errors(text_length_errors("reason", reason, REVIEW_NOTE_MAX_LENGTH))
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
