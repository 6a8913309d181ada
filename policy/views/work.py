"""Owner workflow pages: my work, milestone progress, KPI values, reviews, evidence files.

Each view resolves the object through a permission-checking selector (404 unreadable, 403
read-only), binds a form, calls one service and redirects, or re-renders with the service's
messages next to the fields (HTTP 200).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from ..downloads import private_file_response
from ..exceptions import ConflictError, PermissionDeniedError, PolicyError
from ..forms import (
    InvestmentReportForm,
    KpiValueForm,
    MilestoneProgressForm,
    apply_service_errors,
)
from ..investment import from_yuan
from ..models import Milestone, MilestoneUpdate
from ..permissions import require_read, user_scope
from ..selectors.history import milestone_history
from ..selectors.investment import investment_reports
from ..selectors.records import (
    evidence_get,
    kpi_get,
    milestone_get,
    project_get,
)
from ..selectors.work import kpi_values_recent, milestone_page, my_work
from ..services.investment import investment_report_record
from ..services.kpis import (
    NeedsConfirmation,
    kpi_value_record,
)
from ..services.milestones import (
    milestone_record_progress,
)
from ..types import AuthenticatedRequest
from ..validators import current_period, period_example, safe_file_name


def _forbidden(exc: PermissionDeniedError) -> PermissionDenied:
    return PermissionDenied(exc.message)


@login_required
@require_GET
def my_work_view(request: AuthenticatedRequest) -> HttpResponse:
    """Owners and leads: their projects, milestones due and overdue, values to report, reviews."""
    scope = require_read(request.user)
    if not scope.can_edit_anything:
        raise PermissionDenied(_("“我的工作”面向项目负责人和牵头部门。"))
    return render(request, "policy/work/my_work.html", {"work": my_work(request.user)})


@login_required
@require_GET
def milestone_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A milestone with its pending update, evidence files and history."""
    milestone = milestone_get(request.user, pk)
    scope = user_scope(request.user)
    context = {
        "page": milestone_page(milestone),
        "can_edit": scope.can_write_project(milestone.project),
        "can_review": scope.can_approve_for(milestone.project.initiative_id),
        "history_rows": milestone_history(request.user, milestone),
    }
    return render(request, "policy/work/milestone_detail.html", context)


def _progress_initial(milestone: Milestone, pending: MilestoneUpdate | None) -> dict[str, Any]:
    source = pending or milestone
    return {
        "status": source.status,
        "percent_complete": source.percent_complete,
        "completed_on": source.completed_on,
        "narrative": source.narrative,
        "version": milestone.version,
    }


class EvidenceLimitUploadHandler(FileUploadHandler):
    """Stop reading an uploaded file as soon as it passes EVIDENCE_MAX_BYTES.

    Without it an oversized file is first written whole to a temporary file and only then
    refused; with it the rest of the file is skipped and never stored. Skipped names are
    kept on the request so the form can say which file was too large.
    """

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.limit = settings.EVIDENCE_MAX_BYTES
        self.received = 0
        self.too_large: list[str] = []
        # Read back by _too_large_errors; HttpRequest declares no such attribute, hence setattr.
        setattr(request, "evidence_too_large", self.too_large)  # noqa: B010

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large.append(safe_file_name(self.file_name or ""))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large_errors(request: AuthenticatedRequest) -> list[str]:
    limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
    return [
        _("“%(name)s”超过了 %(limit)s 的上限，未上传；请压缩或拆分后再上传。")
        % {"name": name or _("（无名文件）"), "limit": limit}
        for name in getattr(request, "evidence_too_large", [])
    ]


@login_required
@csrf_exempt  # only so the upload handler can be installed first; _milestone_edit checks CSRF
def milestone_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The milestone form: owners submit for review, leads and admins save directly."""
    request.upload_handlers.insert(0, EvidenceLimitUploadHandler(request))
    return _milestone_edit(request, pk)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _milestone_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    milestone = milestone_get(request.user, pk, write=True)
    page = milestone_page(milestone)
    direct = user_scope(request.user).can_approve_for(milestone.project.initiative_id)
    if request.method == "POST":
        form = MilestoneProgressForm(request.POST, request.FILES)
        too_large = _too_large_errors(request)
        for message in too_large:
            form.add_error("evidence", message)
        if not too_large and form.is_valid():
            data = form.cleaned_data
            try:
                result = milestone_record_progress(
                    actor=request.user,
                    milestone_id=milestone.pk,
                    expected_version=data["version"],
                    status=data["status"],
                    percent_complete=data["percent_complete"],
                    completed_on=data["completed_on"],
                    narrative=data["narrative"],
                    files=data["evidence"],
                )
            except PermissionDeniedError as exc:
                raise _forbidden(exc) from exc
            except PolicyError as exc:
                if isinstance(exc, ConflictError):
                    form.add_error(None, exc.message)  # the whole story: what changed, by whom
                else:
                    apply_service_errors(form, exc)
            else:
                if result.applied:
                    messages.success(request, _("已保存（牵头部门直接修改，已记入变更记录）。"))
                else:
                    messages.success(
                        request, _("已提交，等待牵头部门审核；审核通过前总览仍显示原数据。")
                    )
                return redirect("policy:milestone-detail", pk=milestone.pk)
    else:
        # A returned update is what the owner reworks: start from it, not from scratch.
        draft = page.pending or page.last_returned
        form = MilestoneProgressForm(initial=_progress_initial(milestone, draft))
    context = {"form": form, "page": page, "milestone": milestone, "direct": direct}
    return render(request, "policy/work/milestone_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def kpi_value_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Report a KPI value for a period (default: the current one)."""
    kpi = kpi_get(request.user, pk, write=True)
    period = (request.POST.get("period") or request.GET.get("period") or "").strip()
    period = period or current_period(kpi.frequency, timezone.localdate())
    recent = kpi_values_recent(kpi)
    existing = next((v for v in recent if v.period == period), None)
    needs_confirm = False
    if request.method == "POST":
        form = KpiValueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = kpi_value_record(
                    actor=request.user,
                    kpi_id=kpi.pk,
                    period=data["period"],
                    value=data["value"],
                    comment=data["comment"],
                    expected_version=data["version"],
                    confirm_jump=data["confirm_jump"],
                )
            except PermissionDeniedError as exc:
                raise _forbidden(exc) from exc
            except PolicyError as exc:
                needs_confirm = isinstance(exc, NeedsConfirmation)
                apply_service_errors(form, exc)
            else:
                if row.state == "approved":
                    messages.success(request, _("已保存（牵头部门直接填报，已记入变更记录）。"))
                else:
                    messages.success(request, _("已提交，等待牵头部门审核。"))
                return redirect("policy:my-work")
    else:
        initial: dict[str, Any] = {"period": period, "version": existing and existing.version}
        if existing:
            # 4800, not the column's 4800.0000: the owner edits the figure they entered.
            initial.update(value=existing.value.normalize() + 0, comment=existing.comment)
        form = KpiValueForm(initial=initial)
    scope = user_scope(request.user)
    context = {
        "form": form,
        "kpi": kpi,
        "recent": recent,
        "period_example": period_example(kpi.frequency),
        "needs_confirm": needs_confirm,
        "can_review": scope.can_approve_for(kpi.owner_initiative_id),
    }
    return render(request, "policy/work/kpi_value_form.html", context)


@login_required
@require_GET
def evidence_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """Serve an evidence file to users who may read its project, always as a download."""
    evidence = evidence_get(request.user, pk)
    return private_file_response(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        missing=_("该佐证材料的文件不在存储中。"),
    )


def _report_initial(project_id: int, period: str, rows: list[Any]) -> dict[str, Any]:
    existing = next((r.report for r in rows if r.period == period), None)
    initial: dict[str, Any] = {"period": period, "version": existing and existing.version}
    if existing:
        initial.update(
            entered_as=existing.entered_as,
            unit=existing.entered_unit,
            amount=from_yuan(existing.amount_yuan, existing.entered_unit),
            comment=existing.comment,
        )
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def investment_report_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Report a project's completed investment for a month (default: the last month)."""
    project = project_get(request.user, pk, write=True)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    period = (request.POST.get("period") or request.GET.get("period") or last_month).strip()
    recent = investment_reports(project)
    needs_confirm = False
    if request.method == "POST":
        form = InvestmentReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = investment_report_record(
                    actor=request.user,
                    project_id=project.pk,
                    period=data["period"],
                    amount=data["amount"],
                    unit=data["unit"],
                    entered_as=data["entered_as"],
                    comment=data["comment"],
                    expected_version=data["version"],
                    confirm_jump=data["confirm_jump"],
                )
            except PermissionDeniedError as exc:
                raise _forbidden(exc) from exc
            except PolicyError as exc:
                needs_confirm = isinstance(exc, NeedsConfirmation)
                apply_service_errors(form, exc)
            else:
                if row.state == "approved":
                    messages.success(request, _("已保存（牵头部门直接填报，已记入变更记录）。"))
                else:
                    messages.success(
                        request, _("已提交，等待牵头部门审核；审核通过前总览仍显示原数据。")
                    )
                return redirect(
                    reverse("policy:project-detail", args=[project.pk]) + "#investment"
                )
    else:
        form = InvestmentReportForm(initial=_report_initial(project.pk, period, recent))
    context = {
        "form": form,
        "project": project,
        "recent": recent,
        "needs_confirm": needs_confirm,
        "can_review": user_scope(request.user).can_approve_for(project.initiative_id),
    }
    return render(request, "policy/work/investment_form.html", context)
