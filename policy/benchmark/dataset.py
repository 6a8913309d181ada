"""Build the provincial-scale dataset fast: bulk_create for the program, COPY for observations.

Sizes (issue #8): 5 initiatives, 1,000 projects, 20,000 milestones, 2,000 KPIs with 5 years
of quarterly values, 300 indicators x (21 prefectures + comparison areas) x 120 months.
Deterministic (seeded), so two runs build the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from indicators.models import Indicator, Observation
from policy.models import (
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    Project,
    Region,
)
from policy.readmodel import rebuild_all


@dataclass(frozen=True)
class Sizes:
    projects: int = 1000
    milestones_per_project: int = 20
    kpis_per_project: int = 2
    kpi_years: int = 5
    indicators: int = 300
    months: int = 120


@dataclass
class BuildReport:
    counts: dict[str, int]
    seconds: float


CATEGORIES = ["capacity", "power_price", "supply_chain", "other"]


def _month_start(first: dt.date, offset: int) -> dt.date:
    year, month = divmod(first.month - 1 + offset, 12)
    return dt.date(first.year + year, month + 1, 1)


def _quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def clear_program() -> None:
    """Remove the synthetic rows of an earlier build (codes starting with "bench-").

    The demo program stays, so the large dataset has the same kinds of rows as the demo
    (derived indicators, sources, briefings) and query counts compare like with like.
    """
    Observation.objects.filter(indicator__code__startswith="bench-").delete()
    Indicator.objects.filter(code__startswith="bench-").delete()
    KpiValue.objects.filter(kpi__code__startswith="bench-").delete()
    KpiTarget.objects.filter(kpi__code__startswith="bench-").delete()
    Kpi.objects.filter(code__startswith="bench-").delete()
    Milestone.objects.filter(project__code__startswith="bench-").delete()
    Membership.objects.filter(project__code__startswith="bench-").delete()
    Project.objects.filter(code__startswith="bench-").delete()


def build(sizes: Sizes, log: Callable[[str], None] = print) -> BuildReport:  # noqa: C901
    """Replace the program with a synthetic one of the given sizes. Needs PostgreSQL (COPY)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark dataset needs PostgreSQL (COPY)")
    rnd = random.Random(4_1)  # noqa: S311 — synthetic data, not security
    started = time.perf_counter()
    today = dt.date.today()
    with transaction.atomic():
        clear_program()
        initiatives = list(Initiative.objects.order_by("order"))
        prefectures = list(Region.objects.filter(level="prefecture").order_by("code"))
        areas = prefectures + list(
            Region.objects.filter(is_comparison=True).exclude(level="prefecture")
        )
        log(f"projects: {sizes.projects}")
        projects = []
        for i in range(sizes.projects):
            region = prefectures[i % len(prefectures)]
            start = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(0, 900))
            projects.append(
                Project(
                    initiative=initiatives[i % len(initiatives)],
                    code=f"bench-{i:05d}",
                    name_zh=f"基准项目 {i:05d}",
                    name_en=f"Benchmark project {i:05d}",
                    owner_org="基准测试单位",
                    region=region,
                    lon=(region.lon or 104.0) + rnd.uniform(-0.3, 0.3),
                    lat=(region.lat or 30.6) + rnd.uniform(-0.3, 0.3),
                    phase=rnd.choice(["planning", "construction", "operation"]),
                    planned_start=start,
                    planned_end=start + dt.timedelta(days=rnd.randrange(400, 1800)),
                    planned_investment_yuan=Decimal(rnd.randrange(10, 5000)) * 1_000_000,
                    actual_investment_yuan=Decimal(rnd.randrange(0, 3000)) * 1_000_000,
                )
            )
        projects = Project.objects.bulk_create(projects, batch_size=1000)

        log(f"milestones: {sizes.projects * sizes.milestones_per_project}")
        milestones = []
        for project in projects:
            first_due = project.planned_start or dt.date(2024, 1, 1)
            for j in range(sizes.milestones_per_project):
                due = first_due + dt.timedelta(days=60 * (j + 1))
                done = due < today and rnd.random() < 0.85
                milestones.append(
                    Milestone(
                        project=project,
                        title_zh=f"节点 {j + 1}",
                        title_en=f"Step {j + 1}",
                        due_date=due,
                        status="done"
                        if done
                        else ("in_progress" if due < today else "not_started"),
                        completed_on=min(due + dt.timedelta(days=rnd.randrange(-20, 20)), today)
                        if done
                        else None,
                        percent_complete=100 if done else rnd.randrange(0, 90),
                        weight=rnd.randrange(1, 4),
                        order=j,
                    )
                )
        Milestone.objects.bulk_create(milestones, batch_size=5000)

        log(f"kpis: {sizes.projects * sizes.kpis_per_project}")
        kpis = []
        for project in projects:
            for k in range(sizes.kpis_per_project):
                kpis.append(
                    Kpi(
                        project=project,
                        code=f"{project.code}-k{k}",
                        name_zh=f"{project.name_zh} 指标 {k + 1}",
                        name_en=f"{project.name_en} KPI {k + 1}",
                        unit="P" if k == 0 else "%",
                        direction="higher",
                        baseline_value=Decimal(100),
                        baseline_date=dt.date(2022, 12, 31),
                        frequency="Q",
                    )
                )
        kpis = Kpi.objects.bulk_create(kpis, batch_size=2000)
        targets, values = [], []
        first_year = today.year - sizes.kpi_years + 1
        for kpi in kpis:
            growth = rnd.uniform(0.05, 0.4)
            for y in range(5):
                targets.append(
                    KpiTarget(
                        kpi=kpi,
                        target_date=dt.date(today.year + y, 12, 31),
                        value=Decimal(round(100 * (1.25 ** (y + sizes.kpi_years)), 2)),
                    )
                )
            for y in range(sizes.kpi_years):
                for q in range(1, 5):
                    end = _quarter_end(first_year + y, q)
                    if end > today:
                        continue
                    amount = Decimal(round(100 * (1 + growth) ** (y + q / 4), 2))
                    reviewed = dt.datetime.combine(end + dt.timedelta(days=30), dt.time(10))
                    values.append(
                        KpiValue(
                            kpi=kpi,
                            period=f"{first_year + y}-Q{q}",
                            period_end=end,
                            value=amount,
                            approved_value=amount,
                            state="approved",
                            # approved a month after the quarter closed, as leads do
                            reviewed_at=min(reviewed, dt.datetime.now()).replace(tzinfo=dt.UTC),
                        )
                    )
        KpiTarget.objects.bulk_create(targets, batch_size=5000)
        KpiValue.objects.bulk_create(values, batch_size=5000)

        log(f"indicators: {sizes.indicators} x {len(areas)} areas x {sizes.months} months")
        indicators = Indicator.objects.bulk_create(
            [
                Indicator(
                    code=f"bench-ind-{i:03d}",
                    name_zh=f"基准指标 {i:03d}",
                    name_en=f"Benchmark indicator {i:03d}",
                    unit="P",
                    category=CATEGORIES[i % len(CATEGORIES)],
                    frequency="M",
                    order=i,
                )
                for i in range(sizes.indicators)
            ]
        )
        first_month = _month_start(dt.date(today.year, today.month, 1), -sizes.months)
        table = Observation._meta.db_table
        now = dt.datetime.now(dt.UTC)
        with connection.cursor() as cursor:
            copy_sql = (
                f'COPY "{table}" (indicator_id, area_id, period, period_start, dimension, '
                "value, note, updated_at) FROM STDIN"
            )
            with cursor.copy(copy_sql) as copy:
                for indicator in indicators:
                    for area in areas:
                        level = rnd.uniform(10, 1000)
                        for m in range(sizes.months):
                            start = _month_start(first_month, m)
                            copy.write_row(
                                (
                                    indicator.pk,
                                    area.pk,
                                    f"{start:%Y-%m}",
                                    start,
                                    "",
                                    round(level * (1 + 0.01 * m), 3),
                                    "",
                                    now,
                                )
                            )
            cursor.execute(f'ANALYZE "{table}"')
    log("read model: every status computed and stored (status_rebuild)")
    rebuild_started = time.perf_counter()
    rebuild_all()
    rebuild_seconds = time.perf_counter() - rebuild_started
    counts = {
        "status_rebuild_ms": round(rebuild_seconds * 1000),
        "projects": Project.objects.count(),
        "milestones": Milestone.objects.count(),
        "kpis": Kpi.objects.count(),
        "kpi_values": KpiValue.objects.count(),
        "indicators": Indicator.objects.count(),
        "observations": Observation.objects.count(),
    }
    return BuildReport(counts, time.perf_counter() - started)
