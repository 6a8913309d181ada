"""The administrators' list of their notifications (the full inbox comes with issue 17)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..permissions import user_scope
from .selectors import notification_list


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    """An administrator's latest notifications (alerts), newest first."""
    if not user_scope(request.user).is_admin:
        raise PermissionDenied(_("只有管理员可以查看告警通知。"))
    return render(
        request,
        "notifications/list.html",
        {"notifications": notification_list(request.user, limit=100)},
    )
