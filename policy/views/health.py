from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from ..readiness import readiness


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers, and the benchmark's trivial view: no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when database, cache and broker all answer, else 503 naming the one down.

    Public like /healthz/ (load balancers carry no credentials); it says only "ok" or "down".
    """
    checks = readiness()
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse({"ready": ready, **checks}, status=200 if ready else 503)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own: the app's icon from static files."""
    return HttpResponsePermanentRedirect(static("policy/img/favicon.ico"))
