"""A lead's review: the proposal against the value in use, the evidence and the history, with
approve and return (with a reason) as the actions; several pending items approved at once.

A direct edit is a different thing (it changes the record without a submission) and is only
linked from here, labelled as such. A refused decision re-renders the page with the person's
choice and text kept (HTTP 200), never a redirect that would lose them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import ConflictError, PermissionDeniedError, PolicyError
from ..formatting import yuan
from ..forms import ReviewForm, apply_service_errors
from ..models import (
    InvestmentEntry,
    InvestmentReport,
    Kpi,
    KpiValue,
    MilestoneStatus,
    MilestoneUpdate,
    ReviewState,
    UpdateState,
)
from ..permissions import user_scope
from ..selectors.history import investment_report_history, kpi_value_history, milestone_history
from ..selectors.investment import report_comparison
from ..selectors.records import investment_report_get, kpi_value_get, milestone_update_get
from ..selectors.work import milestone_page
from ..services.investment import investment_report_approve, investment_report_return
from ..services.kpis import kpi_value_approve, kpi_value_return
from ..services.milestones import (
    PROGRESS_FIELDS,
    milestone_update_approve,
    milestone_update_return,
    progress_snapshot,
)
from ..types import AuthenticatedRequest
from ..units import display_unit


@dataclass(frozen=True)
class Compared:
    """One line of the review table: what is in use now against what is proposed."""

    label: str
    current: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


def _shown(field: str, value: Any, update: MilestoneUpdate) -> str:
    if value in (None, ""):
        return "—"
    if field == "status":
        return str(MilestoneStatus(value).label)
    if field == "percent_complete":
        return f"{value}%"
    return str(value)


def _milestone_rows(update: MilestoneUpdate) -> list[Compared]:
    # Pending: against the milestone as it stands; handled: against what it was when submitted.
    pending = update.state == UpdateState.SUBMITTED
    current = progress_snapshot(update.milestone) if pending else update.previous
    proposed = progress_snapshot(update)
    rows = []
    for field in PROGRESS_FIELDS:
        label = str(update._meta.get_field(field).verbose_name)  # type: ignore[union-attr]
        rows.append(
            Compared(
                label,
                _shown(field, current[field], update),
                _shown(field, proposed[field], update),
            )
        )
    return rows


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f")


def _kpi_rows(row: KpiValue) -> list[Compared]:
    unit = display_unit(row.kpi.unit)
    current = _plain(row.approved_value)
    return [
        Compared(_("期间"), row.period, row.period),
        Compared(
            _("数值"),
            f"{current} {unit}" if row.approved_value is not None else "—",
            f"{_plain(row.value)} {unit}",
        ),
        Compared(_("说明"), "—", row.comment or "—"),
    ]


def _investment_rows(row: InvestmentReport) -> list[Compared]:
    """Month, the figure as entered, and both derived figures: approved against proposed."""
    compared = report_comparison(row)
    before, after = compared.approved, compared.proposed
    rows = [
        Compared(_("月份"), row.period, row.period),
        Compared(
            _("填报口径"),
            str(InvestmentEntry(row.approved_as).label) if row.approved_as else "—",
            str(row.get_entered_as_display()),
        ),
        Compared(_("填报金额"), yuan(row.approved_amount_yuan), yuan(row.amount_yuan)),
        Compared(
            _("当月完成（推算）"),
            yuan(before.monthly) if before else "—",
            yuan(after.monthly) if after else compared.problem or "—",
        ),
        Compared(
            _("自年初累计（推算）"),
            yuan(before.cumulative) if before else "—",
            yuan(after.cumulative) if after else compared.problem or "—",
        ),
    ]
    if compared.previous_month:  # the month the derived monthly figure is the difference from
        label = _("%(month)d 月累计（已审核）") % {"month": compared.previous_month}
        shown = yuan(compared.previous_cumulative)
        rows.append(Compared(label, shown, shown))
    return [*rows, Compared(_("说明"), "—", row.comment or "—")]


def _decide(
    request: AuthenticatedRequest, form: ReviewForm, approve: Any, send_back: Any
) -> str | None:
    """Run the decision; the success message, or None when the form now carries the errors."""
    try:
        if form.cleaned_data["decision"] == ReviewForm.APPROVE:
            approve()
            return _("已审核通过。")
        send_back()
        return _("已退回，项目负责人会收到通知和退回原因。")
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ConflictError as exc:
        form.add_error(None, exc.message)  # the whole story: what changed, by whom
        return None
    except PolicyError as exc:
        apply_service_errors(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def milestone_update_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Review one pending milestone update (the lead of its initiative, or an admin)."""
    update = milestone_update_get(request.user, pk)
    milestone = update.milestone
    scope = user_scope(request.user)
    if not scope.can_approve_for(milestone.project.initiative_id):
        raise PermissionDenied(_("只有该任务方向的牵头部门或管理员可以审核。"))
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _decide(
            request,
            form,
            lambda: milestone_update_approve(
                actor=request.user, update_id=update.pk, note=form.cleaned_data["reason"]
            ),
            lambda: milestone_update_return(
                actor=request.user, update_id=update.pk, reason=form.cleaned_data["reason"]
            ),
        )
        if done:
            messages.success(request, done)
            return redirect("policy:my-work")
    evidence = milestone_page(milestone).evidence
    context = {
        "kind": "milestone",
        "update": update,
        "milestone": milestone,
        "project": milestone.project,
        "submitted_by": update.submitted_by,
        "submitted_at": update.submitted_at,
        "rows": _milestone_rows(update),
        "is_pending": update.state == UpdateState.SUBMITTED,
        "state_label": update.get_state_display(),
        "new_evidence": [e for e in evidence if e.update_id == update.pk],
        "old_evidence": [e for e in evidence if e.update_id != update.pk],
        "history_rows": milestone_history(request.user, milestone),
        "form": form,
        "edit_url": reverse("policy:milestone-edit", args=[milestone.pk]),
    }
    return render(request, "policy/work/review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_value_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Review one submitted KPI value (the lead of its initiative, or an admin)."""
    row = kpi_value_get(request.user, pk)
    kpi = Kpi.objects.select_related("project", "initiative").get(pk=row.kpi_id)
    row.kpi = kpi
    if not user_scope(request.user).can_approve_for(kpi.owner_initiative_id):
        raise PermissionDenied(_("只有该任务方向的牵头部门或管理员可以审核。"))
    form = ReviewForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        done = _decide(
            request,
            form,
            lambda: kpi_value_approve(
                actor=request.user, value_id=row.pk, expected_version=version
            ),
            lambda: kpi_value_return(
                actor=request.user,
                value_id=row.pk,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            ),
        )
        if done:
            messages.success(request, done)
            return redirect("policy:my-work")
    context = {
        "kind": "kpi",
        "value": row,
        "kpi": kpi,
        "project": kpi.project if kpi.project_id else None,
        "submitted_by": row.entered_by,
        "submitted_at": row.entered_at,
        "rows": _kpi_rows(row),
        "is_pending": row.state == ReviewState.SUBMITTED,
        "state_label": row.get_state_display(),
        "history_rows": kpi_value_history(request.user, row),
        "form": form,
        "edit_url": reverse("policy:kpi-value-edit", args=[kpi.pk]) + f"?period={row.period}",
    }
    return render(request, "policy/work/review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def investment_report_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Review one submitted monthly investment report (the lead of its initiative, or an admin)."""
    row = investment_report_get(request.user, pk)
    project = row.project
    if not user_scope(request.user).can_approve_for(project.initiative_id):
        raise PermissionDenied(_("只有该任务方向的牵头部门或管理员可以审核。"))
    form = ReviewForm(request.POST or None, initial={"version": row.version})
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        done = _decide(
            request,
            form,
            lambda: investment_report_approve(
                actor=request.user, report_id=row.pk, expected_version=version
            ),
            lambda: investment_report_return(
                actor=request.user,
                report_id=row.pk,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            ),
        )
        if done:
            messages.success(request, done)
            return redirect("policy:my-work")
    context = {
        "kind": "investment",
        "value": row,
        "project": project,
        "submitted_by": row.entered_by,
        "submitted_at": row.entered_at,
        "rows": _investment_rows(row),
        "is_pending": row.state == ReviewState.SUBMITTED,
        "state_label": row.get_state_display(),
        "history_rows": investment_report_history(request.user, row),
        "form": form,
        "edit_url": reverse("policy:investment-report", args=[project.pk])
        + f"?period={row.period}",
    }
    return render(request, "policy/work/review.html", context)


def _batch_ids(values: list[str]) -> list[tuple[int, int | None]]:
    """ "pk" or "pk:version" strings from the checkboxes; anything else is skipped."""
    picked = []
    for raw in values:
        pk, _sep, version = raw.partition(":")
        if pk.isdigit():
            picked.append((int(pk), int(version) if version.isdigit() else None))
    return picked


_REFUSALS = (PolicyError, PermissionDenied, Http404)


def _refusal(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc) or _("对象不存在或无权查看。")


@login_required
@require_POST
def review_batch(request: AuthenticatedRequest) -> HttpResponse:
    """Approve every ticked pending item; each on its own, so one refusal stops no other."""
    approved = 0
    refused: list[str] = []
    for pk, _version in _batch_ids(request.POST.getlist("milestone_update")):
        try:
            update = milestone_update_get(request.user, pk)
            milestone_update_approve(actor=request.user, update_id=update.pk)
            approved += 1
        except _REFUSALS as exc:
            refused.append(_refusal(exc))
    for pk, version in _batch_ids(request.POST.getlist("kpi_value")):
        try:
            row = kpi_value_get(request.user, pk)
            kpi_value_approve(actor=request.user, value_id=row.pk, expected_version=version)
            approved += 1
        except _REFUSALS as exc:
            refused.append(_refusal(exc))
    for pk, version in _batch_ids(request.POST.getlist("investment_report")):
        try:
            report = investment_report_get(request.user, pk)
            investment_report_approve(
                actor=request.user, report_id=report.pk, expected_version=version
            )
            approved += 1
        except _REFUSALS as exc:
            refused.append(_refusal(exc))
    if not approved and not refused:
        messages.error(request, _("请先勾选要通过的事项。"))
    if approved:
        messages.success(request, _("已批量审核通过 %(n)d 项。") % {"n": approved})
    for reason in refused:
        messages.error(request, _("未通过：%(reason)s") % {"reason": reason})
    return redirect("policy:my-work")
