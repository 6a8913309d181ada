from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from policy.permissions import require_read

from .selectors import indicator_catalogue


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The indicator catalogue by category, with each series' latest value."""
    require_read(request.user)
    return render(
        request, "indicators/catalogue.html", {"categories": indicator_catalogue(request.user)}
    )
