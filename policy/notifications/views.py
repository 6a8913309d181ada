"""The inbox: every signed-in person's notifications, unread first, with mark-read and the
e-mail opt-out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..types import AuthenticatedRequest
from .models import Notification
from .selectors import notification_inbox
from .services import (
    notification_email_enabled,
    notification_email_set,
    notifications_mark_read,
)

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list_view(request: AuthenticatedRequest) -> HttpResponse:
    """The person's notifications, unread first, thirty a page."""
    unread_only = request.GET.get("unread") == "1"
    paginator = Paginator(notification_inbox(request.user, unread_only=unread_only), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "unread_only": unread_only,
            "email_enabled": notification_email_enabled(request.user),
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_GET
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way (only one's own: else 404)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_read(request: AuthenticatedRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    marked = notifications_mark_read(user=request.user, ids=ids)
    if ids is None:
        messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": marked})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Turn the e-mail copy of notifications on or off."""
    enabled = request.POST.get("email") == "on"
    notification_email_set(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("已开启：通知将同时发送到您的邮箱。"))
    else:
        messages.success(request, _("已关闭邮件：通知只在系统内显示。"))
    return redirect("notifications:list")
