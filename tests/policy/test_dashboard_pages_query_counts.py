"""Each dashboard page runs the same number of queries with 10 and with 1,000 projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policy.models import (
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneUpdate,
    Project,
    Region,
    Role,
)
from tests.conftest import make_user, refresh_statuses


def build_program(n_projects: int, owner: Any, start: int = 0) -> list[Project]:
    """n projects spread over the five initiatives and the prefectures, each with three
    milestones, one owner and one KPI with two targets and two approved values, and one
    milestone update and one KPI value pending review."""
    initiatives = list(Initiative.objects.order_by("order"))
    regions = list(Region.objects.filter(level="prefecture").order_by("code"))
    projects = Project.objects.bulk_create(
        Project(
            initiative=initiatives[i % len(initiatives)],
            code=f"bulk-{start + i}",
            name_zh=f"批量项目{start + i}",
            owner_org="测试单位",
            region=regions[i % len(regions)],
            lon=regions[i % len(regions)].lon,
            lat=regions[i % len(regions)].lat,
            planned_start=dt.date(2024, 1, 1),
            planned_investment_yuan=Decimal(100_000_000 + i),
        )
        for i in range(n_projects)
    )
    Milestone.objects.bulk_create(
        Milestone(
            project=p,
            title_zh=f"里程碑{k}",
            due_date=dt.date(2025, 3 * k + 1, 1),
            status="done" if k == 0 else "in_progress",
            completed_on=dt.date(2025, 1, 15) if k == 0 else None,
            percent_complete=100 if k == 0 else 30,
        )
        for p in projects
        for k in range(3)
    )
    Membership.objects.bulk_create(
        Membership(user=owner, role=Role.OWNER, project=p) for p in projects
    )
    kpis = Kpi.objects.bulk_create(
        Kpi(project=p, code=f"bulk-kpi-{p.pk}", name_zh="算力", unit="P", is_headline=True)
        for p in projects
    )
    KpiTarget.objects.bulk_create(
        KpiTarget(kpi=k, target_date=dt.date(y, 12, 31), value=Decimal(100 * (y - 2023)))
        for k in kpis
        for y in (2026, 2027)
    )
    KpiValue.objects.bulk_create(
        KpiValue(
            kpi=k,
            period=str(y),
            period_end=dt.date(y, 12, 31),
            value=Decimal(50 * (y - 2023)),
            approved_value=Decimal(50 * (y - 2023)),
            state="approved",
        )
        for k in kpis
        for y in (2024, 2025)
    )
    # Something waits for review in every project: a milestone update and a KPI value.
    MilestoneUpdate.objects.bulk_create(
        MilestoneUpdate(
            milestone=m,
            status="in_progress",
            percent_complete=60,
            previous={"status": "in_progress", "percent_complete": 30},
            base_version=1,
            submitted_by=owner,
        )
        for m in Milestone.objects.filter(project__in=projects, title_zh="里程碑1")
    )
    KpiValue.objects.bulk_create(
        KpiValue(kpi=k, period="2026", period_end=dt.date(2026, 12, 31), value=Decimal(170))
        for k in kpis
    )
    KpiValue.objects.filter(kpi__in=kpis, period="2026").update(state="submitted")
    return projects


def count_queries(client: Any, url: str) -> int:
    """Queries of a cold render: bulk_create sends no signal, so clear the page cache."""
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = {
    "overview": lambda projects: "/",
    "initiative": lambda projects: "/initiatives/inference-compute/",
    "project": lambda projects: f"/projects/{projects[-1].pk}/",
    "map": lambda projects: "/map/",
}
# A cold render (the whole cache cleared): session, user, the user's role groups and
# memberships (4) and the unread notification count of the navigation (1) — warm, these come
# from the shared cache — then the page's own reads of
# the stored read model and of the records it lists besides.
# Overview: initiatives with their status rows 1, headline KPIs with theirs 1, changes 2,
# last briefing 1, key indicator figures 2.
# Initiative: the initiative for its title and 404 (body cached) 1, then the initiative with
# its row 1, projects with theirs 1, owners 1, milestones 1, pending counts 3 (milestone
# updates, KPI values, investment reports), KPIs with their rows 1, targets 1, values 1,
# status history 1. (Investment figures are on the stored rows already read.)
# Project: the project 1 and its row 1, owners 1, milestones 1, pending counts 3 and pending
# updates 1, KPIs 1, targets 1, values 1, related indicators 1, status history 1, latest
# investment reports 1, plus the change history 9 (its evidence prefetch runs because
# submissions exist; investment reports, plans and funding history 3).
# Map: prefectures 1, projects with their rows 1, capacity from the KPI rows 1, clusters 1.
EXPECTED = {
    "overview": 5 + 2 + 2 + 1 + 2,
    "initiative": 5 + 1 + 11,
    "project": 5 + 14 + 9,
    "map": 5 + 4,
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_runs_the_same_queries_for_10_and_1000_projects(
    page: str, official_client: Any
) -> None:
    owner = make_user("bulk-owner", "owner")
    small = build_program(10, owner)
    refresh_statuses()
    url = PAGES[page](small)
    at_10 = count_queries(official_client, url)
    build_program(990, owner, start=10)
    refresh_statuses()
    assert Project.objects.count() == 1000
    at_1000 = count_queries(official_client, PAGES[page](list(Project.objects.order_by("pk"))))
    assert at_10 == at_1000 == EXPECTED[page], (at_10, at_1000)


@pytest.mark.django_db
def test_a_warm_overview_runs_no_query(official_client: Any) -> None:
    """Session, user and role scope come from the shared cache, the body too."""
    owner = make_user("bulk-owner", "owner")
    build_program(10, owner)
    refresh_statuses()
    count_queries(official_client, "/")
    with CaptureQueriesContext(connection) as ctx:
        assert official_client.get("/").status_code == 200
    assert len(ctx.captured_queries) == 0


@pytest.mark.django_db
def test_a_change_is_visible_on_the_next_overview(
    official_client: Any, project: Any, admin_user: Any
) -> None:
    from policy.models import Milestone
    from policy.services.milestones import milestone_record_progress

    milestone = Milestone.objects.create(
        project=project, title_zh="机房主体完工", due_date=dt.date(2020, 1, 1)
    )
    refresh_statuses()
    assert "1 个项目红灯：测试智算中心" in official_client.get("/").content.decode()
    milestone_record_progress(
        actor=admin_user,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="done",
        percent_complete=100,
        completed_on=dt.date(2020, 1, 2),
        narrative="",
    )
    assert "1 个项目红灯：测试智算中心" not in official_client.get("/").content.decode()
