from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from indicators.models import RunStatus
from indicators.selectors import ingestion_run_list

from ..briefings.selectors import briefing_failures
from ..exceptions import QueueUnavailable
from ..models import WorkerPing
from ..notifications.selectors import notification_list
from ..permissions import user_scope
from ..queue import enqueue_on_commit
from ..services.system import heartbeat_task
from ..types import AuthenticatedRequest


@login_required
@require_http_methods(["GET", "POST"])
def system(request: AuthenticatedRequest) -> HttpResponse:
    """For admins: database and broker in use, whether a worker answers, the last failures."""
    if not user_scope(request.user).is_admin:
        raise PermissionDenied
    if request.method == "POST":
        try:
            enqueue_on_commit(heartbeat_task, "web", timezone.now().isoformat())
        except QueueUnavailable as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已向后台任务队列发送测试任务，几秒后刷新本页查看结果。"))
        return redirect("policy:system")
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    context = {
        "database": connection.vendor,
        "broker": broker,
        "pings": WorkerPing.objects.all()[:10],
        "failed_runs": ingestion_run_list(request.user, limit=10, status=RunStatus.FAILED),
        "failed_briefings": briefing_failures(request.user, limit=10),
        "notifications": notification_list(request.user, limit=10),
    }
    return render(request, "policy/system.html", context)
