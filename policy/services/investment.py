"""Investment: owners report monthly completions (pending review), leads approve or return;
leads and admins set plans, the total investment and the funding split.

Follows `policy.services.kpis` step for step: the same permission rule for writing (a
project's owners, its initiative's lead, admins), the same review states, history and
version checks, the same data-quality check (`policy.services.quality`), and the read model
refreshed in the same transaction whenever an approved figure changes. A report is checked
against the year's other reports with `policy.investment.derive_year` — before it is saved
(latest figures) and before it is approved (approved figures) — so the stored series always
derives.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ConflictError, PermissionDeniedError, ValidationFailed
from ..formatting import yuan
from ..investment import (
    CUMULATIVE,
    MONTHLY,
    UNIT_FACTORS,
    DerivationError,
    Entry,
    MonthFigure,
    derive_year,
    to_yuan,
)
from ..models import (
    AmountUnit,
    FundingSource,
    InvestmentEntry,
    InvestmentPlan,
    InvestmentReport,
    Project,
    ProjectFunding,
    ReviewState,
)
from ..notifications.workflow import decision_notify, submission_notify
from ..permissions import user_scope
from ..readmodel import refresh_projects
from ..types import User
from ..validators import (
    NARRATIVE_MAX_LENGTH,
    FieldErrors,
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
    require_project_write,
    return_reason,
    save_with_history,
)
from .quality import EntrySeries, entry_quality_check

MAX_AMOUNT_YUAN = Decimal("9999999999999999.99")


def amount_errors(field: str, amount: Decimal | None, unit: str) -> FieldErrors:
    """An amount in 万元/亿元: given, not negative, at most to the fen, within the column."""
    if amount is None:
        return {field: [_("请填写金额。")]}
    if unit not in AmountUnit.values:
        return {field: [_("金额单位须为万元或亿元。")]}
    amount = Decimal(amount)
    if not amount.is_finite():
        return {field: [_("请填写金额。")]}
    if amount < 0:
        return {field: [_("金额不能为负（填写的是 %(v)s）。") % {"v": amount}]}
    if amount * UNIT_FACTORS[unit] > MAX_AMOUNT_YUAN:
        return {field: [_("金额过大，请核对单位（万元与亿元）。")]}
    try:
        value = to_yuan(amount, unit)
    except ValueError:
        return {
            field: [
                _("金额 %(v)s%(unit)s 精确到了分以下，请最多写到分（0.01 元）。")
                % {"v": amount, "unit": AmountUnit(unit).label}
            ]
        }
    return {} if value <= MAX_AMOUNT_YUAN else {field: [_("金额过大，请核对单位（万元与亿元）。")]}


def _yuan(amount: Decimal, unit: str, field: str) -> Decimal:
    raise_if_errors(amount_errors(field, amount, unit))
    return to_yuan(Decimal(amount), unit)


def _month_label(year: int, month: int) -> str:
    return _("%(year)d 年 %(month)d 月") % {"year": year, "month": month}


def derivation_message(error: DerivationError, year: int) -> str:
    """The Chinese sentence for a year's reports that do not derive."""
    label = _month_label(year, error.month)
    if error.code == "decrease":
        return _(
            "%(month)s 的自年初累计完成投资 %(value)s 低于 %(previous_month)s 的累计 "
            "%(previous)s：累计数只增不减。请核对是否把当月数当成了累计数，或先修改 "
            "%(previous_month)s 的填报。"
        ) % {
            "month": label,
            "value": yuan(error.params["cumulative"]),
            "previous_month": _month_label(year, error.previous_month),
            "previous": yuan(error.params["previous"]),
        }
    if error.code == "gap":
        missing = _month_label(year, error.month - 1)
        return _(
            "%(missing)s 尚未填报，无法由当月数推算 %(month)s 的累计数：请先填报 %(missing)s，"
            "或按“自年初累计”填报本月。"
        ) % {"missing": missing, "month": label}
    return _("金额不能为负。")


def _year_entries(
    rows: list[InvestmentReport], *, approved: bool, replace: Entry | None = None
) -> list[Entry]:
    entries = {}
    for row in rows:
        if approved:
            if row.approved_amount_yuan is not None:
                entries[row.month] = Entry(row.month, row.approved_as, row.approved_amount_yuan)
        else:
            entries[row.month] = Entry(row.month, row.entered_as, row.amount_yuan)
    if replace is not None:
        entries[replace.month] = replace
    return list(entries.values())


def _derive_or_refuse(entries: list[Entry], year: int, field: str) -> list[MonthFigure]:
    try:
        return derive_year(entries)
    except DerivationError as exc:
        message = derivation_message(exc, year)
        raise ValidationFailed(message, fields={field: [message]}) from exc


WAN = Decimal(10_000)


def _check_quality(
    project: Project, months: list[MonthFigure], month: int, confirmed: bool
) -> list[dict[str, Any]]:
    """The data-quality rules at owner entry on the month's own completion (in 万元): jump
    against the previous reported month, outlier against the year's earlier months, and range:
    one month cannot complete more than the project's whole total investment (总投资) — a
    month above it is the cumulative of several years or 亿元 for 万元. (The year's plan is
    no bound: plans are revised and a month may well beat a cautious one.)"""
    index = next(i for i, m in enumerate(months) if m.month == month)
    total = project.planned_investment_yuan
    series = EntrySeries(
        history=[float(m.monthly / WAN) for m in months[:index]],
        high=float(total / WAN) if total else None,
        unit="万元",  # stored in the flag as a word: shown through the unit translations
        range_params={"bound": "total"} if total else {},
    )
    return entry_quality_check(
        float(months[index].monthly / WAN), series, confirmed=confirmed, field_name="amount"
    )


def _parse_month(period: str, today: dt.date) -> tuple[int, int, dt.date]:
    period = period.strip()
    bounds = period_bounds("M", period)
    if bounds is None:
        message = _("月份“%(period)s”的格式不对，请写成 2026-06 这样的形式。") % {"period": period}
        raise ValidationFailed(message, fields={"period": [message]})
    start, end = bounds
    if start > today:
        message = _("%(period)s 尚未开始，不能填报完成投资。") % {"period": period}
        raise ValidationFailed(message, fields={"period": [message]})
    return start.year, start.month, end


def investment_report_record(
    *,
    actor: User,
    project_id: int,
    period: str,
    amount: Decimal,
    unit: str = AmountUnit.WAN,
    entered_as: str = InvestmentEntry.CUMULATIVE,
    comment: str = "",
    expected_version: int | None = None,
    confirm_jump: bool = False,
    channel: str = "form",
    today: dt.date | None = None,
) -> InvestmentReport:
    """Report the completed investment of one month: this month's figure or the cumulative
    since 1 January (`entered_as`); the other is derived. Owners' reports wait for review; a
    lead's or admin's is approved at once. A cumulative below an earlier month's, or a
    monthly figure after an unreported month, is refused; a month breaking a data-quality rule
    (ten times the previous month's, more than the project's total investment, an outlier)
    needs `confirm_jump` and is then stored marked 存疑. `expected_version` as in
    `kpi_value_record`."""
    today = today or timezone.localdate()
    if entered_as not in (MONTHLY, CUMULATIVE):
        raise ValidationFailed(_("填报口径须为“当月完成”或“自年初累计”。"))
    raise_if_errors(text_length_errors("comment", comment, NARRATIVE_MAX_LENGTH))
    amount_yuan = _yuan(amount, unit, "amount")
    with transaction.atomic():
        # The project row is the lock: two reports of one project's year are serialised.
        project = Project.objects.select_for_update().get(pk=project_id)
        require_project_write(actor, project)
        year, month, period_end = _parse_month(period, today)
        rows = list(
            InvestmentReport.objects.select_related("entered_by").filter(
                project=project, year=year
            )
        )
        row = next((r for r in rows if r.month == month), None)
        if (row.version if row else None) != expected_version:
            raise _conflict(row)
        entry = Entry(month, entered_as, amount_yuan)
        months = _derive_or_refuse(
            _year_entries(rows, approved=False, replace=entry), year, "amount"
        )
        flags = _check_quality(project, months, month, confirm_jump)
        direct = user_scope(actor).can_approve_for(project.initiative_id)
        if direct:
            _derive_or_refuse(_year_entries(rows, approved=True, replace=entry), year, "amount")
        row = row or InvestmentReport(project=project, period=f"{year}-{month:02d}", version=0)
        row.year, row.month, row.period_end = year, month, period_end
        row.entered_as, row.amount_yuan, row.entered_unit = entered_as, amount_yuan, unit
        row.comment = (comment or "").strip()
        row.entered_by = actor
        row.version += 1
        row.set_quality(flags)
        if direct:
            _approve(row, actor)
        else:
            row.state = ReviewState.SUBMITTED
        try:
            with transaction.atomic():
                save_with_history(
                    row,
                    actor=actor,
                    channel=channel,
                    step=STEP_DIRECT if direct else STEP_SUBMITTED,
                )
        except IntegrityError:  # pragma: no cover — the project lock serialises inserts
            raise _conflict(
                InvestmentReport.objects.get(project=project, period=row.period)
            ) from None
        if direct:
            refresh_projects([project.pk])
        else:
            _tell_leads(row, project, actor)
        return row


def investment_review_link(row: InvestmentReport) -> str:
    """Where a lead reviews this report (the shared review page)."""
    return reverse("policy:investment-report-review", args=[row.pk])


def _item(row: InvestmentReport, project: Project) -> str:
    return _("%(project)s 完成投资 %(period)s") % {
        "project": project.name_zh,
        "period": row.period,
    }


def _tell_leads(row: InvestmentReport, project: Project, actor: User) -> None:
    approved = yuan(row.approved_amount_yuan) if row.approved_amount_yuan is not None else "—"
    submission_notify(
        initiative_id=project.initiative_id,
        submitter=actor,
        item=_item(row, project),
        project=project.name_zh,
        changes=[
            _("完成投资：%(old)s → %(new)s（%(kind)s）")
            % {"old": approved, "new": yuan(row.amount_yuan), "kind": row.get_entered_as_display()}
        ],
        link=investment_review_link(row),
    )


def _tell_submitter(row: InvestmentReport, actor: User, *, approved: bool) -> None:
    decision_notify(
        submitter=row.entered_by,
        reviewer=actor,
        approved=approved,
        item=_item(row, row.project),
        reason="" if approved else row.review_note,
        link=reverse("policy:investment-report", args=[row.project_id]) + f"?period={row.period}",
    )


def _approve(row: InvestmentReport, actor: User) -> None:
    row.state = ReviewState.APPROVED
    row.approved_as = row.entered_as
    row.approved_amount_yuan = row.amount_yuan
    row.reviewed_by = actor
    row.reviewed_at = timezone.now()
    row.review_note = ""


def _conflict(row: InvestmentReport | None) -> ConflictError:
    if row is None:
        return ConflictError(
            _("保存被拒绝：该月填报已被删除，请刷新页面后重新填写。"), fields={"__all__": []}
        )
    who = (row.entered_by.get_full_name() or row.entered_by.username) if row.entered_by else ""
    line = _("%(who)s 已填报该月完成投资 %(value)s（%(kind)s，%(state)s）") % {
        "who": who or _("他人"),
        "value": yuan(row.amount_yuan),
        "kind": row.get_entered_as_display(),
        "state": row.get_state_display(),
    }
    return ConflictError(
        _(
            "保存被拒绝：您打开页面后该月填报已有改动，您的填报没有保存。%(line)s。请刷新页面后再修改。"
        )
        % {"line": line},
        fields={"__all__": [line]},
    )


def _locked_submitted(
    actor: User, report_id: int, expected_version: int | None
) -> InvestmentReport:
    row = (
        InvestmentReport.objects.select_for_update(of=("self",))
        .select_related("project", "entered_by")
        .get(pk=report_id)
    )
    require_approver(actor, row.project.initiative_id)
    if row.state != ReviewState.SUBMITTED:
        raise ConflictError(
            _("该填报已处理（%(state)s），无需再次审核。") % {"state": row.get_state_display()}
        )
    if expected_version is not None and row.version != expected_version:
        raise _conflict(row)
    return row


def investment_report_approve(
    *, actor: User, report_id: int, expected_version: int | None = None, channel: str = "form"
) -> InvestmentReport:
    """Approve a submitted report. Refused when the approved figures would then not derive
    (an earlier month's revision still waits for review, or a month before it is missing)."""
    with transaction.atomic():
        project_id = InvestmentReport.objects.values_list("project_id", flat=True).get(
            pk=report_id
        )
        Project.objects.select_for_update().filter(pk=project_id).first()  # as record does
        row = _locked_submitted(actor, report_id, expected_version)
        others = list(InvestmentReport.objects.filter(project_id=project_id, year=row.year))
        entry = Entry(row.month, row.entered_as, row.amount_yuan)
        try:
            derive_year(_year_entries(others, approved=True, replace=entry))
        except DerivationError as exc:
            raise ConflictError(
                _(
                    "暂不能审核通过：%(problem)s（按已审核的数据计算；如有其他月份的填报待审核，请先审核。）"
                )
                % {"problem": derivation_message(exc, row.year)}
            ) from exc
        _approve(row, actor)
        row.version += 1
        save_with_history(row, actor=actor, channel=channel, step=STEP_APPROVED)
        refresh_projects([project_id])
        _tell_submitter(row, actor, approved=True)
        return row


def investment_report_return(
    *,
    actor: User,
    report_id: int,
    reason: str,
    expected_version: int | None = None,
    channel: str = "form",
) -> InvestmentReport:
    """Return a submitted report for rework; the approved figure (if any) stays in use."""
    reason = return_reason(reason)
    with transaction.atomic():
        row = _locked_submitted(actor, report_id, expected_version)
        row.state = ReviewState.RETURNED
        row.reviewed_by = actor
        row.reviewed_at = timezone.now()
        row.review_note = reason
        row.version += 1
        save_with_history(row, actor=actor, channel=channel, step=STEP_RETURNED)
        refresh_projects([row.project_id])
        _tell_submitter(row, actor, approved=False)
        return row


def require_planner(actor: User, project: Project) -> None:
    """Plans and funding are the yardstick owners are judged by: leads and admins set them."""
    if not user_scope(actor).can_approve_for(project.initiative_id):
        raise PermissionDeniedError(
            _(
                "投资计划、总投资和资金来源由所属任务方向的牵头部门或管理员设定；"
                "项目负责人按月填报完成投资。"
            )
        )


def investment_plan_set(
    *,
    actor: User,
    project_id: int,
    year: int,
    amount: Decimal,
    unit: str = AmountUnit.WAN,
    quarter: int | None = None,
    note: str = "",
    expected_version: int | None = None,
    channel: str = "form",
) -> InvestmentPlan:
    """Set a project's planned investment for a year (or one quarter of it). `expected_version`
    is the version of the plan the person saw (None: they saw none); a mismatch is a conflict."""
    if not 2000 <= year <= 2099:
        raise ValidationFailed(
            _("年度须在 2000 到 2099 之间。"), fields={"year": [_("年度有误。")]}
        )
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationFailed(_("季度须为 1 到 4。"), fields={"quarter": [_("季度有误。")]})
    amount_yuan = _yuan(amount, unit, "amount")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        require_project_write(actor, project)
        require_planner(actor, project)
        plan = InvestmentPlan.objects.filter(project=project, year=year, quarter=quarter).first()
        if (plan.version if plan else None) != expected_version:
            raise ConflictError(
                _("保存被拒绝：您打开页面后该年度计划已被修改，请刷新后再改。"),
                fields={"__all__": []},
            )
        plan = plan or InvestmentPlan(project=project, year=year, quarter=quarter, version=0)
        plan.amount_yuan = amount_yuan
        plan.note = note.strip()
        plan.version += 1
        save_with_history(plan, actor=actor, channel=channel, step=STEP_DIRECT)
        refresh_projects([project.pk])
        return plan


def investment_total_set(
    *,
    actor: User,
    project_id: int,
    amount: Decimal,
    unit: str = AmountUnit.WAN,
    expected_version: int | None = None,
    channel: str = "form",
) -> Project:
    """Set a project's total planned investment (总投资, all years). `expected_version`, when
    given, is the project's version the person saw; a mismatch is a conflict."""
    amount_yuan = _yuan(amount, unit, "amount")
    if amount_yuan != amount_yuan.to_integral():
        message = _("总投资以元为单位保存，请最多写到元。")
        raise ValidationFailed(message, fields={"amount": [message]})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        require_project_write(actor, project)
        require_planner(actor, project)
        if expected_version is not None and project.version != expected_version:
            raise ConflictError(
                _(
                    "保存被拒绝：您打开页面后该项目已被修改（总投资现为 %(value)s），"
                    "您的填写没有保存。请刷新后再改。"
                )
                % {"value": yuan(project.planned_investment_yuan)},
                fields={"__all__": []},
            )
        project.planned_investment_yuan = amount_yuan.quantize(Decimal(1))
        project.version += 1
        save_with_history(project, actor=actor, channel=channel, step=STEP_DIRECT)
        refresh_projects([project.pk])
        return project


def funding_set(
    *,
    actor: User,
    project_id: int,
    source_code: str,
    planned: Decimal,
    arrived: Decimal,
    unit: str = AmountUnit.WAN,
    note: str = "",
    expected_version: int | None = None,
    channel: str = "form",
) -> ProjectFunding:
    """Set how much of a project's money is planned from a source and how much has arrived."""
    errors = amount_errors("planned", planned, unit) | amount_errors("arrived", arrived, unit)
    raise_if_errors(errors)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        require_project_write(actor, project)
        require_planner(actor, project)
        source = FundingSource.objects.filter(code=source_code).first()
        if source is None:
            message = _("资金来源“%(code)s”不存在，请从列表中选择（管理员可在后台增加）。") % {
                "code": source_code
            }
            raise ValidationFailed(message, fields={"source": [message]})
        row = ProjectFunding.objects.filter(project=project, source=source).first()
        if (row.version if row else None) != expected_version:
            raise ConflictError(
                _("保存被拒绝：您打开页面后该资金来源已被修改，请刷新后再改。"),
                fields={"__all__": []},
            )
        if row is None and not source.is_active:
            message = _("资金来源“%(name)s”已停用。") % {"name": source.name_zh}
            raise ValidationFailed(message, fields={"source": [message]})
        row = row or ProjectFunding(project=project, source=source, version=0)
        row.planned_yuan = to_yuan(planned, unit)
        row.arrived_yuan = to_yuan(arrived, unit)
        row.note = note.strip()
        row.version += 1
        save_with_history(row, actor=actor, channel=channel, step=STEP_DIRECT)
        refresh_projects([project.pk])
        return row
