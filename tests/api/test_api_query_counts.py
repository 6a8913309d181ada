"""Every list operation runs the same number of queries whatever the number of rows (no N+1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from policy.briefings.models import Briefing
from policy.models import Kpi, KpiTarget, Membership, Milestone, Project, Region, Role
from policy.services.kpis import kpi_value_record
from policy.services.milestones import milestone_record_progress
from tests.api.conftest import TokenClient
from tests.api.test_api_permission_matrix import OPERATIONS
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LISTS = sorted(
    op_id
    for op_id, (method, path) in OPERATIONS.items()
    if method == "GET" and "{" not in path and op_id.startswith("list_")
)


def _grow(n: int, start: int, initiative: Any, region: Region) -> None:
    """n more projects (each with an owner, a milestone with a pending update, a KPI with a
    target and a pending value), indicators with observations from runs, and briefings."""
    source = Source.objects.get_or_create(code="qc-src", defaults={"name": "qc", "kind": "csv"})[0]
    now = timezone.now()
    for i in range(start, start + n):
        project = Project.objects.create(
            initiative=initiative,
            code=f"qc-{i}",
            name_zh=f"项目{i}",
            owner_org="单位",
            region=region,
        )
        owner = make_user(f"qc-owner-{i}", "owner")
        Membership.objects.create(user=owner, role=Role.OWNER, project=project)
        milestone = Milestone.objects.create(
            project=project, title_zh=f"里程碑{i}", due_date=dt.date(2026, 6, 30)
        )
        milestone_record_progress(
            actor=owner,
            milestone_id=milestone.pk,
            expected_version=milestone.version,
            status="in_progress",
            percent_complete=10,
            completed_on=None,
            narrative="",
        )
        kpi = Kpi.objects.create(project=project, code=f"qc-kpi-{i}", name_zh="指标", unit="P")
        KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2027, 12, 31), value=Decimal(100))
        kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2024", value=Decimal(10))
        indicator = Indicator.objects.create(code=f"qc-ind-{i}", name_zh="外部指标", unit="P")
        run = IngestionRun.objects.create(
            source=source, status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
        )
        Observation.objects.create(
            indicator=indicator,
            area=region,
            period="2024",
            period_start=dt.date(2024, 1, 1),
            value=1.0,
            run=run,
        )
        Briefing.objects.create(
            kind="on_demand",
            period=f"2026-01-{i + 1:02d}",
            period_start=dt.date(2026, 1, i + 1),
            period_end=dt.date(2026, 1, i + 1),
            requested_at=now,
        )


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def test_every_list_operation_is_measured() -> None:
    assert len(LISTS) >= 8, LISTS


@pytest.mark.parametrize("operation_id", LISTS)
def test_list_query_count_does_not_grow_with_rows(
    operation_id: str, official: Any, initiative: Any, chengdu: Region
) -> None:
    url = OPERATIONS[operation_id][1] + "?page_size=100"
    client = TokenClient(official)
    client.get("/api/v1/initiatives")  # records the token's first use (one UPDATE)
    _grow(2, 0, initiative, chengdu)
    small = _count(client, url)
    _grow(8, 2, initiative, chengdu)
    large = _count(client, url)
    assert large == small, f"{operation_id}: {small} queries for 2 rows, {large} for 10"
