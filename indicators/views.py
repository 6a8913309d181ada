from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from policy.exceptions import PolicyError, ValidationFailed
from policy.permissions import require_read
from policy.revision import cached_body
from policy.selectors.quality import entry_flag_list
from policy.services.quality import ENTRY_KINDS, entry_flag_resolve
from policy.types import AuthenticatedRequest

from .charts import indicator_series_figure, series_frame
from .dataquality import can_review, quality_report
from .exports import series_csv, series_xlsx
from .models import FlagStatus, QualityRule, RunStatus, Source
from .selectors import (
    indicator_catalogue,
    indicator_detail,
    indicator_get,
    ingestion_run_get_for_download,
    ingestion_run_list,
    ingestion_run_progress,
    source_health_list,
)
from .services import quality_flag_resolve, source_run_enqueue


@login_required
def catalogue(request: AuthenticatedRequest) -> HttpResponse:
    """The indicator catalogue by category, with each series' latest value and provenance."""
    require_read(request.user)
    return render(
        request,
        "indicators/catalogue.html",
        {"categories": indicator_catalogue(request.user)},
    )


def _detail_or_404(request: AuthenticatedRequest, code: str):  # type: ignore[no-untyped-def]
    require_read(request.user)
    detail = indicator_detail(request.user, code)
    if detail is None:
        raise Http404(_("没有这个指标。"))
    return detail


# The page's table shows the latest periods; the chart and the downloads carry every value.
TABLE_PERIODS = 24


def _detail_context(request: AuthenticatedRequest, code: str) -> dict[str, object]:
    data = _detail_or_404(request, code)
    figure = indicator_series_figure(
        series_frame(data.rows),
        unit=data.indicator.unit,
        decimals=data.indicator.decimals,
    )
    recent = sorted({r.period_start for r in data.rows}, reverse=True)[:TABLE_PERIODS]
    cutoff = recent[-1] if recent else None
    rows = [r for r in data.rows if cutoff is None or r.period_start >= cutoff]
    return {
        "detail": data,
        "figure": figure.to_plotly_json() if data.rows else None,
        "table_rows": rows,
        "table_periods": len(recent),
        "rows_hidden": len(rows) < len(data.rows),
    }


@login_required
def detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """One indicator: chart by area, table with provenance per value, downloads.

    The body is the same for every role: rendered once per data revision and served from the
    cache (a series of 10 years x 21 areas takes a while to lay out).
    """
    require_read(request.user)
    indicator = indicator_get(request.user, code)
    body = cached_body(
        request,
        "indicator",
        code,
        template="indicators/_detail_body.html",
        context=lambda: _detail_context(request, code),
    )
    return render(
        request,
        "indicators/detail.html",
        {"title": indicator.display_name(), "body": body},
    )


@login_required
def download_csv(request: AuthenticatedRequest, code: str) -> HttpResponse:
    data = _detail_or_404(request, code)
    response = HttpResponse(series_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code}.csv"'
    return response


@login_required
def download_xlsx(request: AuthenticatedRequest, code: str) -> HttpResponse:
    data = _detail_or_404(request, code)
    response = HttpResponse(
        series_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{code}.xlsx"'
    return response


@login_required
def sources(request: AuthenticatedRequest) -> HttpResponse:
    """Sources with last run status and age, and the recent run log (admins and analysts)."""
    scope = require_read(request.user)
    if not scope.is_admin:
        raise PermissionDenied(_("只有管理员可以查看采集来源。"))
    runs = ingestion_run_list(request.user, limit=50)
    return render(
        request,
        "indicators/sources.html",
        {
            "sources": source_health_list(request.user),
            "runs": runs,
            "progress": ingestion_run_progress(request.user, runs),
            "running": any(run.status == RunStatus.RUNNING for run in runs),
            "queued": request.GET.get("queued", ""),
        },
    )


@login_required
@require_POST
def source_run(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """ "Run now": queue the source's ingestion task once this request commits."""
    scope = require_read(request.user)
    if not scope.is_admin:
        raise PermissionDenied(_("只有管理员可以运行采集。"))
    source = get_object_or_404(Source, pk=pk)
    try:
        source_run_enqueue(source=source, user=request.user)
    except PolicyError as exc:  # a live run in progress, or the task queue is down
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已排队采集：%(name)s") % {"name": source.name})
        # The page follows the queued run without a reload (static/policy/js/jobs.js).
        return redirect(reverse("indicators:sources") + f"?queued={source.pk}")
    return redirect("indicators:sources")


@login_required
@require_GET
@never_cache
def source_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """The latest run of a source as a small JSON document, polled by the sources page.

    ``?after=<ISO time>``: a run started at or before it is not the one asked for, so the
    answer is "queued" until the worker starts the new run.
    """
    scope = require_read(request.user)
    if not scope.is_admin:
        raise PermissionDenied(_("只有管理员可以查看采集来源。"))
    source = get_object_or_404(Source, pk=pk)
    run = source.runs.order_by("-started_at", "-pk").first()
    after = parse_datetime(request.GET.get("after") or "")
    if run is None or (after is not None and run.started_at <= after):
        return JsonResponse(
            {"status": "queued", "label": _("排队中"), "finished": False, "detail": ""}
        )
    progress = ingestion_run_progress(request.user, [run]).get(run.pk)
    if run.status == RunStatus.RUNNING:
        detail = progress.summary if progress else ""
    elif run.status == RunStatus.FAILED:
        detail = run.error[:300]
    else:
        detail = _(
            "新增 %(inserted)d，更新 %(updated)d，未变 %(unchanged)d，拒收 %(rejected)d"
        ) % {
            "inserted": run.inserted,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
        }
    return JsonResponse(
        {
            "status": run.status,
            "label": str(run.get_status_display()),
            "finished": run.status != RunStatus.RUNNING,
            "detail": detail,
            "run": run.pk,
            "percent": progress.percent if progress else None,
        }
    )


@login_required
def run_payload(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """The raw payload of a run, for audit. Admins only; never served as a public file."""
    run = ingestion_run_get_for_download(request.user, pk)
    if run is None:
        require_read(request.user)
        raise Http404(_("没有可下载的原始数据。"))
    name = (run.payload.name or "").rsplit("/", 1)[-1]
    return FileResponse(run.payload.open("rb"), as_attachment=True, filename=name)


@login_required
def quality(request: AuthenticatedRequest) -> HttpResponse:
    """Doubtful values: flags per indicator, filtered by indicator, rule and status, each open
    one with the forms to confirm or correct it (admins and initiative leads); then the
    owner-entered KPI values and investment reports marked 存疑, with the same filters."""
    require_read(request.user)
    if not can_review(request.user):
        raise PermissionDenied(_("只有管理员和任务方向负责人可以查看数据质量页。"))
    rule = request.GET.get("rule", "")
    status = request.GET.get("status", FlagStatus.OPEN)
    filters = {
        "indicator": request.GET.get("indicator", "")[:80],
        "rule": rule if rule in QualityRule.values else "",
        "status": status if status in [*FlagStatus.values, ""] else FlagStatus.OPEN,
    }
    report = quality_report(
        request.user,
        indicator=filters["indicator"],
        rule=filters["rule"],
        status=filters["status"],
    )
    # Owner-entered figures have no indicator: listed unless the page is narrowed to one.
    entries = (
        []
        if filters["indicator"]
        else entry_flag_list(request.user, rule=filters["rule"], status=filters["status"])
    )
    return render(
        request,
        "indicators/quality.html",
        {
            "report": report,
            "entries": entries,
            "filters": filters,
            "rules": QualityRule.choices,
            "statuses": FlagStatus.choices,
        },
    )


def _resolve_entry(request: AuthenticatedRequest, kind: str, pk: int) -> str:
    """Confirm an owner-entered value (a correction is a new entry through its form)."""
    if request.POST.get("action", "") != "confirm":
        raise ValidationFailed(
            _("填报的数值请通过“重新填报”更正：新数值会再次经过数据质量检查并记入变更记录。")
        )
    version = request.POST.get("version", "")
    row = entry_flag_resolve(
        actor=request.user,
        kind=kind,
        pk=pk,
        note=request.POST.get("note", ""),
        expected_version=int(version) if version.isdigit() else None,
    )
    return str(row.get_quality_status_display())


@login_required
@require_POST
def quality_resolve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Confirm or correct one flagged value; back to the list with what happened. With
    ``kind`` (kpi, investment) the value is an owner entry, not an ingested observation."""
    require_read(request.user)
    kind = request.POST.get("kind", "")
    if kind in ENTRY_KINDS:
        try:
            state = _resolve_entry(request, kind, pk)
        except PolicyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _resolved(request, state))
        return redirect("indicators:quality")
    raw = request.POST.get("value", "").strip().replace(",", "")
    value: float | None = None
    if raw:
        try:
            value = float(raw)
        except ValueError:
            messages.error(request, _("“%(raw)s”不是数值。") % {"raw": raw[:40]})
            return redirect("indicators:quality")
    try:
        flag = quality_flag_resolve(
            actor=request.user,
            flag_id=pk,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            value=value,
        )
    except PolicyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _resolved(request, str(flag.get_status_display())))
    return redirect("indicators:quality")


def _resolved(request: AuthenticatedRequest, state: str) -> str:
    return _("已记录：%(state)s（%(who)s）") % {
        "state": state,
        "who": request.user.get_full_name() or request.user.username,
    }
