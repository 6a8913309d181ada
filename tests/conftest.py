"""Shared fixtures: the demo actors (HC's alice/bob/charlie idea) and clients for each role."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from policy.models import Initiative, Membership, Milestone, Project, Region, Role

PASSWORD = "test-password-4plus1"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """Cached page bodies must not leak from one test into the next (locmem outlives tests)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Every test starts in the site's default language, whatever an earlier test activated."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


def make_user(username: str, *groups: str, **extra: Any) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.invalid", **extra
    )
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def initiative(db: Any) -> Initiative:
    return Initiative.objects.get(code="inference-compute")


@pytest.fixture
def other_initiative(db: Any) -> Initiative:
    return Initiative.objects.get(code="gov-llm")


@pytest.fixture
def chengdu(db: Any) -> Region:
    return Region.objects.get(code="510100")


@pytest.fixture
def project(initiative: Initiative, chengdu: Region) -> Project:
    return Project.objects.create(
        initiative=initiative,
        code="test-icc",
        name_zh="测试智算中心",
        name_en="Test ICC",
        owner_org="测试单位",
        region=chengdu,
        planned_start=dt.date(2024, 1, 1),
        planned_end=dt.date(2027, 12, 31),
    )


@pytest.fixture
def other_project(other_initiative: Initiative, chengdu: Region) -> Project:
    return Project.objects.create(
        initiative=other_initiative,
        code="test-llm",
        name_zh="测试政务模型",
        owner_org="测试单位",
        region=chengdu,
    )


@pytest.fixture
def milestone(project: Project) -> Milestone:
    return Milestone.objects.create(
        project=project,
        title_zh="一期上线",
        title_en="Phase 1 live",
        due_date=dt.date(2026, 6, 30),
        percent_complete=40,
        status="in_progress",
    )


@pytest.fixture
def official(db: Any) -> Any:
    return make_user("official", "official")


@pytest.fixture
def owner(project: Project) -> Any:
    user = make_user("owner", "owner")
    Membership.objects.create(user=user, role=Role.OWNER, project=project)
    return user


@pytest.fixture
def owner2(other_project: Project) -> Any:
    user = make_user("owner2", "owner")
    Membership.objects.create(user=user, role=Role.OWNER, project=other_project)
    return user


@pytest.fixture
def lead(initiative: Initiative) -> Any:
    user = make_user("lead", "lead")
    Membership.objects.create(user=user, role=Role.LEAD, initiative=initiative)
    return user


@pytest.fixture
def other_lead(other_initiative: Initiative) -> Any:
    user = make_user("lead2", "lead")
    Membership.objects.create(user=user, role=Role.LEAD, initiative=other_initiative)
    return user


@pytest.fixture
def admin_user(db: Any) -> Any:
    return make_user("admin", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db: Any) -> Any:
    """Signed in, but with no role at all."""
    return make_user("outsider")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def official_client(official: Any) -> Client:
    return client_for(official)


@pytest.fixture
def owner_client(owner: Any) -> Client:
    return client_for(owner)


@pytest.fixture
def lead_client(lead: Any) -> Client:
    return client_for(lead)


@pytest.fixture
def admin_client_(admin_user: Any) -> Client:
    return client_for(admin_user)


# --- Browser tests: Debian's chromium driven by Playwright, never a downloaded browser. -------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium(django_db_setup: None, django_db_blocker: Any) -> Any:
    """One headless Chromium for the whole session (starting one costs about a second)."""
    from pathlib import Path

    from django.db import connections

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/sysdeps.sh test)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, and Django then refuses ORM
    # calls from the test body as "async context" (a documented pytest-playwright caveat).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Once Playwright's loop runs, Django hands this thread new connection objects (asgiref's
    # context-local storage), which lack the contents serialized at test-database setup; without
    # them serialized_rollback cannot restore the migrations' data after an earlier
    # transactional test flushed it. Carry the serialized contents over to the new objects.
    with django_db_blocker.unblock():
        serialized = {
            alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
            for alias in connections
            if hasattr(connections[alias], "_test_serialized_contents")
        }
    with sync_playwright() as playwright:
        with django_db_blocker.unblock():
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Any:
    """A fresh browser context on the live server; the test fails on any request to another host.

    Intranet rule: every asset must come from the app itself. Requests elsewhere are aborted
    (no network here anyway) and recorded, and the test fails at teardown if there were any.
    Use with ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)`` so the
    initiatives and regions that migrations create are there for the server thread.
    """
    from urllib.parse import urlsplit

    own = urlsplit(live_server.url).netloc
    outside: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc == own:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    browser_page = context.new_page()
    browser_page.set_default_timeout(15_000)
    browser_page.live_url = live_server.url
    yield browser_page
    context.close()
    assert not outside, f"pages asked for outside hosts: {outside}"


def browser_login(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto(f"{page.live_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login-form [type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def private_media(settings: Any, tmp_path: Any) -> Any:
    """PRIVATE_MEDIA_ROOT in a fresh temporary folder (briefing PDFs, evidence files)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def work_callbacks(callbacks: list[Any]) -> list[Any]:
    """On-commit callbacks minus the page-cache revision bump that every write schedules."""
    from policy.revision import is_revision_bump

    return [c for c in callbacks if not is_revision_bump(c)]


# --- A real Celery worker on the broker CI provides (Redis), sharing the test database. -------

CELERY_TEST_BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")


def start_celery_worker(**extra_env: str) -> Any:
    """Start `celery -A policy worker` against the test database; the caller stops it.

    Skips without CELERY_TEST_BROKER_URL (CI sets Redis) or without PostgreSQL (the worker is
    another process and must see the rows the test committed). The broker's queue is emptied
    first so a task left by an earlier run cannot be picked up.
    """
    import subprocess
    import sys
    from pathlib import Path

    from celery import Celery
    from django.db import connection

    if not CELERY_TEST_BROKER:
        pytest.skip("set CELERY_TEST_BROKER_URL (CI uses Redis)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test database: needs PostgreSQL")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policy.settings",
        "SECRET_KEY": "w",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": CELERY_TEST_BROKER,
        **extra_env,
    }
    channel = Celery(broker=CELERY_TEST_BROKER).connection_for_write().default_channel
    channel.client.flushdb()  # type: ignore[attr-defined]  # kombu's Redis channel
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "policy",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- The article's power-cost facts, ingested through the real service ------------------------

POWER_CODES = ("dc-annual-kwh", "dc-power-price", "dc-capacity-p", "power-cost-per-p-month")
POWER_CSV = (
    "indicator,area,period,value\n"
    "dc-annual-kwh,510100,2023,5000000\n"
    "dc-power-price,510100,2022,0.5\n"
    "dc-power-price,510100,2023,0.6\n"
    "dc-capacity-p,510100,2023,300\n"
    "power-cost-per-p-month,210100,2023,800\n"
)


def make_power_demo(csv: str = POWER_CSV) -> Any:
    """The demo's power indicators (their real definitions and formula) and the article's
    figures ingested from a source: Chengdu's 833.3 is derived, Shenyang's 800 quoted."""
    from indicators.models import Indicator, Source
    from indicators.services import IngestRequest, ingest
    from policy.demo_data.indicators import INDICATORS

    for data in INDICATORS:
        if data["code"] in POWER_CODES:
            values = {k: v for k, v in data.items() if k != "observations"}
            Indicator.objects.get_or_create(code=values.pop("code"), defaults=values)
    source, _created = Source.objects.get_or_create(
        code="test-power",
        defaults={"name": "算力中心电价与用电（测试）", "kind": "csv", "publisher": "测试"},
    )
    return ingest(
        IngestRequest(
            kind="csv", options={}, label=source.code, payload=csv.encode(), source=source
        )
    )


@pytest.fixture
def power_demo(db: Any) -> Any:
    return make_power_demo()
