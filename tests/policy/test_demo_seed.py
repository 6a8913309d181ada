"""seed_demo builds the demo from the shared facts, and a second run changes nothing."""

from __future__ import annotations

import csv
import filecmp
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from policy.models import Initiative, Kpi, KpiValue, Milestone, Project

REPO = Path(__file__).resolve().parents[2]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    from indicators.models import Observation

    return {
        m.__name__: m.objects.count() for m in (Project, Milestone, Kpi, KpiValue, Observation)
    }


@pytest.mark.django_db
def test_it_builds_at_least_four_projects_per_initiative() -> None:
    output = _seed("--password", "pw-for-test-1")
    assert "project: created" in output
    for initiative in Initiative.objects.all():
        assert initiative.projects.count() >= 4, initiative.code
    assert Project.objects.get(code="chengdu-icc").name_zh.startswith("成都智算中心")
    assert Kpi.objects.get(code="sc-compute-total").baseline_value == 5500


@pytest.mark.django_db
def test_milestones_span_2024_to_2027_with_done_and_late(settings) -> None:
    import datetime as dt

    _seed()
    years = {m.due_date.year for m in Milestone.objects.all()}
    assert {2024, 2025, 2026, 2027} <= years
    assert Milestone.objects.filter(status="done").exists()
    late = Milestone.objects.filter(
        status__in=["not_started", "in_progress"], due_date__lt=dt.date(2026, 11, 24)
    )
    assert late.count() >= 3


@pytest.mark.django_db
def test_running_it_twice_changes_nothing() -> None:
    _seed("--password", "pw-for-test-1")
    before = _snapshot()
    hashes = dict(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.values_list("username", "password")
    )
    output = _seed("--password", "another-password")
    assert "nothing to do" in output
    assert _snapshot() == before
    from django.contrib.auth import get_user_model

    assert dict(get_user_model().objects.values_list("username", "password")) == hashes


@pytest.mark.django_db
def test_demo_users_have_their_roles_and_password() -> None:
    from django.contrib.auth import authenticate

    from policy.permissions import user_scope

    _seed("--password", "pw-for-test-1")
    owner = authenticate(username="owner", password="pw-for-test-1")
    owner2 = authenticate(username="owner2", password="pw-for-test-1")
    assert owner
    assert owner2
    assert user_scope(owner).owned_project_ids.isdisjoint(user_scope(owner2).owned_project_ids)
    lead = authenticate(username="lead", password="pw-for-test-1")
    assert user_scope(lead).led_initiative_ids == {
        Initiative.objects.get(code="inference-compute").pk
    }
    assert user_scope(authenticate(username="official", password="pw-for-test-1")).roles == {
        "official"
    }
    assert user_scope(authenticate(username="admin", password="pw-for-test-1")).is_admin


def test_the_shipped_facts_match_shared_data() -> None:
    """The repo carries its own copy of ../shared/data; it must not drift from the source."""
    shared = REPO.parent / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    for path in shared.glob("*.csv"):
        ours = REPO / "policy" / "demo_data" / path.name
        assert ours.exists(), path.name
        assert filecmp.cmp(path, ours, shallow=False), path.name
        with ours.open(encoding="utf-8") as fh:
            assert next(csv.reader(fh))
