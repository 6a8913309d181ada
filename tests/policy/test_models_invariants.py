"""Database constraints hold on the real engine (PostgreSQL in CI, SQLite locally)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from policy.models import Initiative, Kpi, KpiTarget, KpiValue, Membership, Milestone, Role


def _fails(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.mark.django_db
def test_the_five_initiatives_exist_in_order() -> None:
    codes = list(Initiative.objects.values_list("code", flat=True))
    assert codes == [
        "inference-compute",
        "huawei-sugon",
        "near-memory",
        "compute-power",
        "gov-llm",
    ]
    assert Initiative.objects.get(code="gov-llm").name_zh.startswith("政务大模型")


@pytest.mark.django_db
def test_percent_complete_cannot_exceed_100(project) -> None:
    _fails(
        lambda: Milestone.objects.create(
            project=project, title_zh="x", due_date=dt.date(2026, 1, 1), percent_complete=101
        )
    )


@pytest.mark.django_db
def test_done_milestone_needs_a_date_and_100_percent(project) -> None:
    _fails(
        lambda: Milestone.objects.create(
            project=project,
            title_zh="x",
            status="done",
            due_date=dt.date(2026, 1, 1),
            percent_complete=100,
        )
    )
    _fails(
        lambda: Milestone.objects.create(
            project=project,
            title_zh="y",
            status="done",
            due_date=dt.date(2026, 1, 1),
            percent_complete=90,
            completed_on=dt.date(2026, 1, 1),
        )
    )
    ok = Milestone.objects.create(
        project=project,
        title_zh="z",
        status="done",
        due_date=dt.date(2026, 1, 1),
        percent_complete=100,
        completed_on=dt.date(2025, 12, 1),
    )
    assert ok.pk


@pytest.mark.django_db
def test_open_milestone_cannot_have_a_completion_date(project) -> None:
    _fails(
        lambda: Milestone.objects.create(
            project=project,
            title_zh="x",
            status="in_progress",
            due_date=dt.date(2026, 1, 1),
            completed_on=dt.date(2026, 1, 1),
        )
    )


@pytest.mark.django_db
def test_project_dates_must_be_ordered(project) -> None:
    project.planned_end = dt.date(2023, 1, 1)
    _fails(project.save)


@pytest.mark.django_db
def test_project_codes_are_unique(project) -> None:
    _fails(
        lambda: type(project).objects.create(
            initiative=project.initiative, code=project.code, name_zh="重复", owner_org="x"
        )
    )


@pytest.mark.django_db
def test_investment_cannot_be_negative(project) -> None:
    project.planned_investment_yuan = Decimal(-1)
    _fails(project.save)


@pytest.mark.django_db
def test_kpi_belongs_to_exactly_one_of_initiative_or_project(project, initiative) -> None:
    _fails(
        lambda: Kpi.objects.create(
            code="both", name_zh="x", unit="P", initiative=initiative, project=project
        )
    )
    _fails(lambda: Kpi.objects.create(code="neither", name_zh="x", unit="P"))


@pytest.mark.django_db
def test_one_value_per_kpi_and_period(initiative) -> None:
    kpi = Kpi.objects.create(code="k", name_zh="算力", unit="P", initiative=initiative)
    KpiValue.objects.create(kpi=kpi, period="2025", period_end=dt.date(2025, 12, 31), value=1)
    _fails(
        lambda: KpiValue.objects.create(
            kpi=kpi, period="2025", period_end=dt.date(2025, 12, 31), value=2
        )
    )


@pytest.mark.django_db
def test_one_target_per_kpi_and_date(initiative) -> None:
    kpi = Kpi.objects.create(code="k", name_zh="算力", unit="P", initiative=initiative)
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2027, 12, 31), value=40000)
    _fails(lambda: KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2027, 12, 31), value=1))


@pytest.mark.django_db
def test_approved_value_required_when_approved(initiative) -> None:
    kpi = Kpi.objects.create(code="k", name_zh="算力", unit="P", initiative=initiative)
    _fails(
        lambda: KpiValue.objects.create(
            kpi=kpi, period="2025", state="approved", period_end=dt.date(2025, 12, 31), value=1
        )
    )


@pytest.mark.django_db
def test_membership_role_must_match_its_target(project, initiative, official) -> None:
    _fails(
        lambda: Membership.objects.create(user=official, role=Role.OWNER, initiative=initiative)
    )
    _fails(lambda: Membership.objects.create(user=official, role=Role.LEAD, project=project))
    Membership.objects.create(user=official, role=Role.OWNER, project=project)
    _fails(lambda: Membership.objects.create(user=official, role=Role.OWNER, project=project))


@pytest.mark.django_db
def test_reference_regions_are_loaded() -> None:
    from policy.models import Region

    assert Region.objects.filter(level="prefecture").count() == 21
    assert Region.objects.filter(level="cluster").count() == 10
    assert Region.objects.get(code="CL-TIANFU").group_zh == "成渝枢纽"
    assert set(Region.objects.filter(is_comparison=True).values_list("code", flat=True)) == {
        "510100",
        "210100",
        "330100",
        "500000",
    }
