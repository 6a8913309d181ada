"""The Content-Security-Policy holds on every page for every role: Chromium reports no violation.

Each role signs in through the real form and visits every page of the app (those it may not
open too: their 403/404 pages count), scrolls so that every chart draws, and the page must
raise no `securitypolicyviolation` event and log no CSP error. The policy itself (no inline
script, no eval, no inline style) is asserted in tests/policy/test_login_security.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from indicators.models import Indicator, Source
from policy.models import Kpi, Milestone, Project
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  var where = (e.sourceFile || '?').replace(location.origin, '');
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                    ' at ' + where + (e.sample ? ' (' + e.sample + ')' : ''));
});
"""


def every_page() -> list[str]:
    project = Project.objects.get(code="tianfu-icc")
    milestone = Milestone.objects.filter(project=project).order_by("pk").first()
    kpi = Kpi.objects.filter(project=project).order_by("pk").first()
    indicator = Indicator.objects.order_by("pk").first()
    source = Source.objects.order_by("pk").first()
    assert milestone
    assert kpi
    assert indicator
    pages = [
        "/",
        "/initiatives/inference-compute/",
        "/initiatives/gov-llm/",
        f"/projects/{project.pk}/",
        "/map/",
        "/indicators/",
        f"/indicators/{indicator.code}/",
        "/indicators/sources/",
        "/analytics/power/",
        "/notifications/",
        "/briefings/",
        "/work/",
        f"/milestones/{milestone.pk}/",
        f"/milestones/{milestone.pk}/edit/",
        f"/kpis/{kpi.pk}/report/",
        "/system/",
        "/accounts/password/",
        "/api/v1/docs",
        "/admin/",
        "/admin/policy/project/",
        f"/admin/policy/project/{project.pk}/change/",
        "/admin/policy/apitoken/add/",
        "/admin/django_celery_beat/periodictask/",
        "/no-such-page/",
    ]
    if source is not None:
        pages.append(f"/admin/indicators/source/{source.pk}/change/")
    return pages


def _draw_charts(page: Any) -> None:
    charts = page.locator(".chart[data-figure]")
    count = charts.count()
    for i in range(count):
        charts.nth(i).scroll_into_view_if_needed()
    if count:
        page.wait_for_function(
            "n => document.querySelectorAll('.chart[data-rendered]').length >= n",
            arg=count,
            timeout=20_000,
        )


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click(".login-form [type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _violations_of(chromium: Any, base: str, username: str | None, paths: list[str]) -> dict:
    own = urlsplit(base).netloc
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(LISTEN)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("data:", "blob:"))
            or urlsplit(route.request.url).netloc == own
            else route.abort()
        ),
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text[:160]) if "Content Security Policy" in msg.text else None
        ),
    )
    found: dict[str, list[str]] = {}
    try:
        if username:
            _sign_in(page, base, username)
        for path in paths:
            console.clear()
            response = page.goto(f"{base}{path}")
            assert response is not None, path
            assert response.headers.get("content-security-policy"), path
            if response.status == 200:
                _draw_charts(page)
            seen = list(page.evaluate("() => window.__csp || []")) + console
            if seen:
                found[path] = sorted(set(seen))
    finally:
        context.close()
    return found


def test_no_page_breaks_the_content_security_policy_for_any_role(
    chromium: Any, live_server: Any
) -> None:
    call_command("seed_demo", "--password", PASSWORD, stdout=None)
    paths = every_page()
    problems = {}
    problems["anonymous"] = _violations_of(
        chromium, live_server.url, None, ["/accounts/login/", "/no-such-page/"]
    )
    for username in ("official", "owner", "lead", "admin"):
        problems[username] = _violations_of(chromium, live_server.url, username, paths)
    report = "\n".join(
        f"{role} {path}: {line}"
        for role, pages in problems.items()
        for path, lines in pages.items()
        for line in lines
    )
    assert not report, report
