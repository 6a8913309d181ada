"""seed_demo builds the demo from the shared facts, and a second run changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from policy.models import Initiative, Kpi, KpiValue, Milestone, MilestoneUpdate, Project

REPO = Path(__file__).resolve().parents[2]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    from indicators.models import Observation

    counts: dict[str, Any] = {
        m.__name__: m.objects.count()
        for m in (Project, Milestone, Kpi, KpiValue, Observation, MilestoneUpdate)
    }
    counts["milestones"] = sorted(
        Milestone.objects.values_list("pk", "status", "percent_complete", "completed_on")
    )
    counts["values"] = sorted(
        KpiValue.objects.values_list("pk", "state", "approved_value", "reviewed_at")
    )
    counts["updates"] = sorted(MilestoneUpdate.objects.values_list("pk", "state"))
    return counts


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


# --- The owner workflow and review timestamps (policy/demo_data/workflow.py) ------------------

WEDNESDAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


@pytest.mark.django_db
def test_seeded_approved_values_were_reviewed_weeks_after_their_period() -> None:
    from policy.demo_data.workflow import REVIEW_DELAY_DAYS

    with time_machine.travel(WEDNESDAY):
        _seed()
        seeded = timezone.now()
    approved = KpiValue.objects.filter(state="approved").select_related("kpi", "reviewed_by")
    assert approved.count() > 20
    for value in approved:
        assert value.reviewed_by is not None, value
        assert value.reviewed_at <= seeded, value
    static = approved.exclude(kpi__code="tf-icc-capacity", period="2026")
    for value in static:
        review_day = timezone.localtime(value.reviewed_at).date()
        assert review_day == value.period_end + dt.timedelta(days=REVIEW_DELAY_DAYS), value
    # Initiative KPIs of the lead's initiative are entered and approved by that lead; those of
    # initiatives without a demo lead by the admin, never by another initiative's lead.
    total = KpiValue.objects.get(kpi__code="sc-compute-total", period="2025")
    assert (total.entered_by.username, total.reviewed_by.username) == ("lead", "lead")
    rank = KpiValue.objects.get(kpi__code="ascend-share-rank", period="2025")
    assert rank.reviewed_by.username == "admin"
    apps = KpiValue.objects.get(kpi__code="gov-llm-apps", period="2025")
    assert apps.reviewed_by.username == "lead2"


@pytest.mark.django_db
def test_the_changes_panel_shows_only_the_genuinely_recent_events() -> None:
    from policy.selectors.changes import program_changes_since, week_start

    with time_machine.travel(WEDNESDAY):
        _seed()
        changes = program_changes_since(_user("official"), week_start())
    assert [(c.project_name, c.title) for c in changes.completed] == [
        ("天府智算中心", "二期土建完工")
    ]
    assert changes.completed[0].date == dt.date(2026, 11, 23)  # within this week
    assert [(c.name, c.period, c.value) for c in changes.kpi_values] == [
        ("天府智算中心算力", "2026", 450.0)
    ]


@pytest.mark.django_db
def test_a_completion_seeded_on_a_monday_is_dated_that_monday() -> None:
    monday = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    with time_machine.travel(monday):
        _seed()
    done = Milestone.objects.get(project__code="tianfu-icc", title_zh="二期土建完工")
    assert done.completed_on == dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_it_seeds_pending_and_returned_items_through_the_real_services() -> None:
    from policy.selectors.work import my_work, pending_by_project

    with time_machine.travel(WEDNESDAY):
        _seed()
    pending = MilestoneUpdate.objects.filter(state="submitted").select_related(
        "milestone__project", "submitted_by"
    )
    assert sorted((u.milestone.project.code, u.submitted_by.username) for u in pending) == [
        ("chengdu-icc", "owner"),
        ("dazhou-acc", "owner"),
        ("gov-llm-pilot", "owner2"),
    ]
    # Pending updates leave the approved milestone as it was (the services' rule).
    first_batch = Milestone.objects.get(project__code="dazhou-acc", title_zh="首批 30P 上线")
    assert (first_batch.percent_complete, first_batch.status) == (60, "in_progress")
    returned = MilestoneUpdate.objects.get(state="returned")
    assert returned.reviewed_by.username == "lead"
    assert "验收单" in returned.review_note
    value = KpiValue.objects.get(kpi__code="dazhou-acc-capacity", period="2026")
    assert (value.state, value.approved_value, value.entered_by.username) == (
        "submitted",
        None,
        "owner",
    )
    assert value.history.first().history_change_reason == "form:submitted"
    approved = KpiValue.objects.get(kpi__code="tf-icc-capacity", period="2026")
    assert approved.history.first().history_change_reason == "form:approved"

    lead_work = my_work(_user("lead"), today=dt.date(2026, 11, 25))
    assert [u.milestone.title_zh for u in lead_work.pending_updates] == ["首批 30P 上线"]
    assert [v.kpi.code for v in lead_work.pending_values] == ["dazhou-acc-capacity"]
    owner_work = my_work(_user("owner"), today=dt.date(2026, 11, 25))
    assert [u.milestone.title_zh for u in owner_work.returned_updates] == [
        "二期设备安装（扩至 600P）"
    ]
    dazhou = Project.objects.get(code="dazhou-acc")
    summary = pending_by_project([dazhou.pk])[dazhou.pk]
    assert (summary.milestone_updates, summary.kpi_values) == (1, 1)


@pytest.mark.django_db
def test_reseeding_days_later_changes_nothing() -> None:
    with time_machine.travel(WEDNESDAY):
        _seed()
        before = _snapshot()
    with time_machine.travel(WEDNESDAY + dt.timedelta(days=9)):
        output = _seed()
    assert "nothing to do" in output
    assert _snapshot() == before


@pytest.mark.django_db
def test_a_value_reviewed_less_than_the_delay_ago_is_not_dated_in_the_future() -> None:
    january = dt.datetime(2026, 1, 15, 4, 0, tzinfo=dt.UTC)  # 2025 closed two weeks ago
    with time_machine.travel(january):
        _seed()
        seeded = timezone.now()
    value = KpiValue.objects.get(kpi__code="sc-compute-total", period="2025")
    assert january <= value.reviewed_at <= seeded
    before = _snapshot()
    with time_machine.travel(january + dt.timedelta(days=60)):
        assert "nothing to do" in _seed()
    assert _snapshot() == before


@pytest.mark.django_db
def test_reseeding_keeps_what_people_did_in_the_demo() -> None:
    from policy.services.milestones import milestone_record_progress

    with time_machine.travel(WEDNESDAY):
        _seed()
        first = Milestone.objects.get(project__code="dazhou-acc", title_zh="首批 30P 上线")
        milestone_record_progress(
            actor=_user("lead"),
            milestone_id=first.pk,
            expected_version=first.version,
            status="done",
            percent_complete=100,
            completed_on=dt.date(2026, 11, 24),
            narrative="现场核实已全部上线",
        )
        untouched = Milestone.objects.get(project__code="tianfu-icc", title_zh="全面建成 1000P")
        Milestone.objects.filter(pk=untouched.pk).update(  # not through a service
            status="in_progress", percent_complete=10
        )
        before = MilestoneUpdate.objects.count()
        output = _seed()
    first.refresh_from_db()
    assert (first.status, first.percent_complete) == ("done", 100)
    assert not MilestoneUpdate.objects.filter(milestone=first, state="submitted").exists()
    assert MilestoneUpdate.objects.count() == before
    untouched.refresh_from_db()
    # The seed still owns milestones nobody worked on through the services.
    assert (untouched.status, untouched.percent_complete) == ("not_started", 0)
    assert output.strip() == "milestone: created 0, updated 1"


@pytest.mark.django_db
def test_the_demo_configures_consistency_rules_that_judge_its_series() -> None:
    """Issue 15: rules between series are configured in the demo, hold on its data, and mark
    a value that breaks one (H1 above the year) once the series changes."""
    from indicators.dataquality import consistency_evaluate
    from indicators.models import ConsistencyRule, Observation, QualityFlag

    _seed()
    rules = {r.name: r for r in ConsistencyRule.objects.filter(enabled=True)}
    assert set(rules) == {
        "中国加速服务器市场：上半年规模不超过全年",
        "HBM 各厂商市场份额之和不超过 100%",
    }
    assert not QualityFlag.objects.filter(consistency_rule__isnull=False).exists()
    half = Observation.objects.get(indicator__code="cn-accel-server-market", period="2023-H1")
    assert half.value == pytest.approx(31.0)  # 亿美元; the year 2023 is 94
    Observation.objects.filter(pk=half.pk).update(value=310.0)  # a slip: ten times too large
    assert consistency_evaluate(["cn-accel-server-market"], None) == 1
    flag = QualityFlag.objects.get(observation=half)
    assert flag.consistency_rule == rules["中国加速服务器市场：上半年规模不超过全年"]


@pytest.mark.django_db
def test_last_months_briefing_of_a_fresh_demo_states_its_investment() -> None:
    """A past cut-off reads investment as recorded then (issue 19): the demo's plans, totals
    and funding are on record from the start of their year and its months were approved some
    days after they ended, so November's briefing, made on 1 December, is not empty."""
    from policy.briefings.periods import parse_period
    from policy.briefings.selectors import briefing_facts

    with time_machine.travel("2026-12-01 09:00 +0800", tick=True):
        _seed()
        november = briefing_facts(parse_period("monthly", "2026-11"))
        current = briefing_facts(parse_period("monthly", "2026-12"))
    assert november.investment is not None
    programme = november.investment.programme
    assert programme.plan is not None
    assert programme.plan > 0
    assert programme.completed is not None
    assert programme.completed > 0
    assert current.investment is not None
    assert current.investment.programme.plan == programme.plan
    # October's reports, approved only now, count today and not on 30 November.
    assert current.investment.programme.completed > programme.completed
