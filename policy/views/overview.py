from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from ..permissions import require_read
from ..selectors import initiative_overview


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The 4+1 at a glance: each initiative with its projects and computed status."""
    require_read(request.user)
    rows = initiative_overview(request.user, lang=get_language() or "zh-hans")
    return render(request, "policy/overview.html", {"rows": rows})
