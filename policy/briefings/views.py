"""Briefings: the archive for every role, download, on-demand generation, email opt-in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..exceptions import PolicyError, QueueUnavailable
from ..permissions import require_read, user_scope
from ..types import AuthenticatedRequest
from .downloads import briefing_pdf_response
from .forms import BriefingGenerateForm, BriefingSubscriptionForm
from .models import BriefingStatus
from .selectors import briefing_get, briefing_subscription_get
from .selectors import briefing_list as briefing_archive
from .services import briefing_request, briefing_subscription_set

PAGE_SIZE = 25


def _render_list(
    request: AuthenticatedRequest,
    *,
    generate_form: BriefingGenerateForm | None = None,
    subscription_form: BriefingSubscriptionForm | None = None,
) -> HttpResponse:
    page = Paginator(briefing_archive(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    allowed = user_scope(request.user).can_generate_briefings
    if subscription_form is None:
        current = briefing_subscription_get(request.user)
        initial = (
            {"weekly": current.weekly, "monthly": current.monthly, "language": current.language}
            if current
            else {}
        )
        subscription_form = BriefingSubscriptionForm(initial=initial)
    context = {
        "page": page,
        "can_generate": allowed,
        "generate_form": (generate_form or BriefingGenerateForm()) if allowed else None,
        "subscription_form": subscription_form,
    }
    return render(request, "briefings/list.html", context)


@login_required
@require_GET
def briefing_list(request: AuthenticatedRequest) -> HttpResponse:
    """The archive, newest first, with download links; leads and admins also see a button."""
    require_read(request.user)
    return _render_list(request)


@login_required
@require_POST
def briefing_generate(request: AuthenticatedRequest) -> HttpResponse:
    """Queue a briefing now (leads and admins); regenerating a period replaces its file."""
    if not require_read(request.user).can_generate_briefings:
        raise PermissionDenied(_("只有牵头部门和管理员可以生成简报。"))
    form = BriefingGenerateForm(request.POST)
    if not form.is_valid():
        return _render_list(request, generate_form=form)
    try:
        briefing = briefing_request(user=request.user, **form.cleaned_data)
    except QueueUnavailable:
        messages.warning(
            request,
            _(
                "简报已登记（%(period)s），但后台任务队列暂时无法连接，尚未开始生成。"
                "队列恢复后系统会在 10 分钟内自动开始生成，无需重复提交。"
            )
            % {"period": form.cleaned_data["period"]},
        )
        return redirect("policy:briefing-list")
    except PolicyError as exc:
        form.add_error(None, exc.message)
        return _render_list(request, generate_form=form)
    messages.success(
        request,
        _("已提交生成：%(briefing)s。生成约需半分钟，下表的状态会自动更新，完成后即可下载。")
        % {"briefing": briefing},
    )
    return redirect("policy:briefing-list")


@login_required
@require_GET
def briefing_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The PDF as an attachment; 404 when it has not been generated (yet)."""
    require_read(request.user)
    return briefing_pdf_response(briefing_get(request.user, pk))


@login_required
@require_POST
def briefing_subscribe(request: AuthenticatedRequest) -> HttpResponse:
    """Opt in or out of receiving weekly / monthly briefings by email."""
    require_read(request.user)
    form = BriefingSubscriptionForm(request.POST)
    if not form.is_valid():
        return _render_list(request, subscription_form=form)
    briefing_subscription_set(user=request.user, **form.cleaned_data)
    if not request.user.email:
        messages.warning(request, _("已保存订阅，但您的账号没有邮箱地址，请联系管理员补充。"))
    else:
        messages.success(request, _("已保存简报订阅设置。"))
    return redirect("policy:briefing-list")


@login_required
@require_GET
@never_cache
def briefing_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """One briefing's state as a small JSON document, polled by the briefing list."""
    require_read(request.user)
    briefing = briefing_get(request.user, pk)
    finished = briefing.status in (BriefingStatus.READY, BriefingStatus.FAILED)
    if briefing.status == BriefingStatus.READY:
        detail = _("%(pages)s 页") % {"pages": briefing.page_count or "—"}
    else:
        detail = briefing.error[:300] if briefing.status == BriefingStatus.FAILED else ""
    return JsonResponse(
        {
            "status": briefing.status,
            "label": str(briefing.get_status_display()),
            "finished": finished,
            "detail": detail,
            "download": reverse("policy:briefing-download", args=[briefing.pk])
            if briefing.file
            else "",
            "generated_at": (
                timezone.localtime(briefing.generated_at).strftime("%Y-%m-%d %H:%M")
                if briefing.generated_at
                else ""
            ),
        }
    )
