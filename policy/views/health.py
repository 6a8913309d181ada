from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers, and the benchmark's trivial view: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")
