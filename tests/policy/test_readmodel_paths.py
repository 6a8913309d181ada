"""The read model on every path that is not a service call, and what pages say about it.

Admin edits (targets, baselines, milestones, projects created and deleted), the nightly job and
the calendar, `status_rebuild`, the status history on pages, the API and past briefings,
ingestion feeding a KPI, a membership change taking effect at once, and one test that every
surface tells the same colour and reasons for the same day.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from indicators.models import Indicator
from indicators.services import IngestRequest, ingest
from policy.briefings.periods import parse_period
from policy.briefings.selectors import briefing_facts
from policy.models import (
    Initiative,
    InitiativeStatus,
    Kpi,
    KpiStatus,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    Project,
    ProjectStatus,
    Region,
    Role,
    StatusChange,
)
from policy.readmodel import recompute, status_refresh_stale_task, stored
from policy.selectors.dashboard import initiative_detail, program_overview
from policy.services.milestones import milestone_record_progress
from tests.conftest import client_for, make_user, refresh_statuses

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai
TODAY = dt.date(2026, 11, 25)


def _consistent() -> None:
    fresh, kept = recompute(), stored()
    assert (kept.projects, kept.initiatives, kept.kpis) == (
        fresh.projects,
        fresh.initiatives,
        fresh.kpis,
    )


def _row(project: Project) -> ProjectStatus:
    return ProjectStatus.objects.get(project=project)


@pytest.fixture
def late(project: Project) -> Milestone:
    """An open milestone 10 days late on TODAY: the project is amber."""
    return Milestone.objects.create(
        project=project,
        title_zh="机房主体完工",
        title_en="Data hall complete",
        due_date=TODAY - dt.timedelta(days=10),
        status="in_progress",
        percent_complete=60,
    )


def _kpi_form(kpi: Kpi, **changes: Any) -> dict[str, Any]:
    """The admin change form of a KPI with its target inline, as the browser posts it."""
    targets = list(kpi.targets.order_by("target_date"))
    data = {
        "initiative": kpi.initiative_id or "",
        "project": kpi.project_id or "",
        "code": kpi.code,
        "name_zh": kpi.name_zh,
        "name_en": kpi.name_en,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "baseline_value": kpi.baseline_value if kpi.baseline_value is not None else "",
        "baseline_date": kpi.baseline_date or "",
        "frequency": kpi.frequency,
        "definition": kpi.definition,
        "definition_version": kpi.definition_version,
        "source_note": kpi.source_note,
        "order": kpi.order,
        "indicator": "",
        "indicator_area": "",
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": len(targets),
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    }
    for i, t in enumerate(targets):
        data.update(
            {
                f"targets-{i}-id": t.pk,
                f"targets-{i}-kpi": kpi.pk,
                f"targets-{i}-target_date": t.target_date,
                f"targets-{i}-value": t.value,
                f"targets-{i}-note": t.note,
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def capacity(project: Project) -> Kpi:
    """Projected to reach 1,000 P by the end of 2026: on track (green)."""
    kpi = Kpi.objects.create(project=project, code="rm-cap", name_zh="测试算力", unit="P")
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=1000)
    for year, value in ((2024, 600), (2025, 900)):
        KpiValue.objects.create(
            kpi=kpi,
            period=str(year),
            period_end=dt.date(year, 12, 31),
            value=value,
            approved_value=value,
            state="approved",
        )
    return kpi


# --- Admin paths ----------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_an_admin_target_change_recomputes_the_kpi_and_its_project(
    admin_client_: Client, capacity: Kpi
) -> None:
    refresh_statuses()
    assert KpiStatus.objects.get(kpi=capacity).rag == "green"
    target = capacity.targets.get()
    response = admin_client_.post(
        f"/admin/policy/kpi/{capacity.pk}/change/",
        _kpi_form(capacity, **{"targets-0-value": 5000}),
    )
    assert response.status_code == 302, response.content[:800]
    row = KpiStatus.objects.get(kpi=capacity)
    assert (row.rag, row.target) == ("red", 5000)
    assert _row(capacity.project).rag == "red"
    assert "测试算力" in str(_row(capacity.project).reasons)
    target.refresh_from_db()
    assert target.value == 5000
    _consistent()


@time_machine.travel(NOW)
def test_an_admin_baseline_change_moves_the_projection(
    admin_client_: Client, capacity: Kpi
) -> None:
    KpiValue.objects.filter(kpi=capacity, period="2024").delete()  # one value: baseline counts
    refresh_statuses()
    before = KpiStatus.objects.get(kpi=capacity).projected
    form = _kpi_form(capacity, baseline_value="100", baseline_date="2023-12-31")
    assert admin_client_.post(f"/admin/policy/kpi/{capacity.pk}/change/", form).status_code == 302
    assert KpiStatus.objects.get(kpi=capacity).projected != before
    _consistent()


@time_machine.travel(NOW)
def test_admin_milestone_creation_edit_and_deletion_recompute_the_project(
    admin_client_: Client, project: Project
) -> None:
    refresh_statuses()
    assert _row(project).rag == "grey"
    data = {
        "project": project.pk,
        "title_zh": "机房封顶",
        "title_en": "",
        "due_date": (TODAY - dt.timedelta(days=45)).isoformat(),
        "completed_on": "",
        "status": "in_progress",
        "percent_complete": 50,
        "weight": 1,
        "narrative": "",
        "order": 0,
    }
    assert admin_client_.post("/admin/policy/milestone/add/", data).status_code == 302
    assert _row(project).rag == "red"
    milestone = Milestone.objects.get(project=project)
    data["due_date"] = (TODAY - dt.timedelta(days=5)).isoformat()
    url = f"/admin/policy/milestone/{milestone.pk}/change/"
    assert admin_client_.post(url, data).status_code == 302
    assert _row(project).rag == "amber"
    _consistent()
    url = f"/admin/policy/milestone/{milestone.pk}/delete/"
    assert admin_client_.post(url, {"post": "yes"}).status_code == 302
    assert _row(project).rag == "grey"
    _consistent()


@time_machine.travel(NOW)
def test_admin_project_creation_and_deletion_move_the_initiative(
    admin_client_: Client, initiative: Initiative, late: Milestone
) -> None:
    refresh_statuses()
    row = InitiativeStatus.objects.get(initiative=initiative)
    assert (row.project_count, row.projects_by_rag) == (1, {"amber": 1})
    data = {
        "initiative": initiative.pk,
        "code": "admin-new",
        "name_zh": "后台新建项目",
        "owner_org": "测试单位",
        "phase": "planning",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "milestones-TOTAL_FORMS": 0,
        "milestones-INITIAL_FORMS": 0,
    }
    response = admin_client_.post("/admin/policy/project/add/", data)
    assert response.status_code == 302, response.content[:800]
    created = Project.objects.get(code="admin-new")
    assert _row(created).rag == "grey"
    row.refresh_from_db()
    assert (row.project_count, row.projects_by_rag) == (2, {"amber": 1, "grey": 1})
    url = f"/admin/policy/project/{late.project_id}/delete/"
    assert admin_client_.post(url, {"post": "yes"}).status_code == 302
    row.refresh_from_db()
    assert (row.project_count, row.projects_by_rag) == (1, {"grey": 1})
    _consistent()


# --- The calendar ---------------------------------------------------------------------------


def test_the_nightly_job_moves_statuses_with_the_calendar_and_pages_say_when_stale(
    official_client: Client, official: Any, late: Milestone
) -> None:
    late.due_date = TODAY - dt.timedelta(days=25)
    late.save()
    with time_machine.travel(NOW):
        refresh_statuses()
    assert _row(late.project).rag == "amber"
    # Ten days later the milestone is 35 days late: red, once the nightly job has run.
    with time_machine.travel(NOW + dt.timedelta(days=10)):
        # Sessions end SESSION_COOKIE_AGE after sign-in: the official signs in again ten days on.
        official_client.force_login(official)
        body = official_client.get(f"/projects/{late.project_id}/").content.decode()
        assert "截至 2026-11-25" in body
        assert "今天的日终刷新尚未运行" in body
        assert "逾期 25 天" in body  # counted for the day the status is of, and said so
        result = status_refresh_stale_task()
        assert result["computed"] >= 1
        assert status_refresh_stale_task()["computed"] == 0  # safe to run twice
        body = official_client.get(f"/projects/{late.project_id}/").content.decode()
        assert "截至 2026-12-05" in body
        assert "日终刷新尚未运行" not in body
        assert "逾期 35 天" in body
        _consistent()
    assert _row(late.project).rag == "red"
    change = StatusChange.objects.filter(project=late.project).order_by("-pk").first()
    assert (change.from_rag, change.to_rag, change.day) == ("amber", "red", dt.date(2026, 12, 5))


def test_the_nightly_job_is_in_the_beat_schedule() -> None:
    from django_celery_beat.models import PeriodicTask

    from policy.schedules import beat_schedules_seed

    beat_schedules_seed()
    entry = PeriodicTask.objects.select_related("crontab").get(name="status-refresh-stale")
    assert entry.task == "policy.tasks.status_refresh_stale_task"
    assert (entry.crontab.minute, entry.crontab.hour) == ("5", "0")


@time_machine.travel(NOW)
def test_status_rebuild_prints_counts_and_time(late: Milestone) -> None:
    out, err = StringIO(), StringIO()
    call_command("status_rebuild", stdout=out, stderr=err)
    assert re.search(
        r"computed \d+ rows, \d+ changed, \d+ status changes recorded in", out.getvalue()
    )
    assert "stored: 1 projects, 5 initiatives" in out.getvalue()
    assert "项目 1/1" in err.getvalue()
    _consistent()
    out = StringIO()
    call_command("status_rebuild", "--stale", stdout=out, stderr=StringIO())
    assert "computed 0 rows" in out.getvalue()


# --- History on pages, the API and briefings --------------------------------------------------


def _turn_red_then_green(project: Project, lead: Any, late: Milestone) -> None:
    """Red on 2026-11-03 (a milestone 31 days late), green on 2026-11-20 (it is done)."""
    late.due_date = dt.date(2026, 10, 3)
    late.save()
    with time_machine.travel(dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC)):
        refresh_statuses()  # amber: 17 days late
    with time_machine.travel(dt.datetime(2026, 11, 3, 16, 10, tzinfo=dt.UTC)):  # 00:10 on 4 Nov
        status_refresh_stale_task()  # 32 days late: red
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)):
        late.refresh_from_db()
        milestone_record_progress(
            actor=lead,
            milestone_id=late.pk,
            expected_version=late.version,
            status="done",
            percent_complete=100,
            completed_on=dt.date(2026, 11, 19),
            narrative="",
        )


def test_a_colour_change_is_on_the_project_and_initiative_pages_and_in_the_api(
    official_client: Client, project: Project, lead: Any, late: Milestone
) -> None:
    _turn_red_then_green(project, lead, late)
    with time_machine.travel(NOW):
        status_refresh_stale_task()
        page = official_client.get(f"/projects/{project.pk}/").content.decode()
        timeline = page[page.index('id="status-history"') :]
        assert "转为红灯" in timeline
        assert "2026-11-04" in timeline
        assert "1 个里程碑逾期：机房主体完工（逾期 32 天）" in timeline  # the reasons then
        assert "转为绿灯" in timeline
        assert "2026-11-20" in timeline
        assert "状态记录始于 2026-10-20" in timeline
        body = official_client.get("/initiatives/inference-compute/").content.decode()
        assert "转为红灯" in body[body.index('id="status-history"') :]
        api = official_client.get(f"/api/v1/projects/{project.pk}/status-history").json()
        assert api["history_starts"] == "2026-10-20"
        assert [(i["from_rag"], i["to_rag"], i["day"]) for i in api["items"]] == [
            ("red", "green", "2026-11-20"),
            ("amber", "red", "2026-11-04"),
            (None, "amber", "2026-10-20"),
        ]
        official_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        page = official_client.get(f"/projects/{project.pk}/").content.decode()
        assert "Turned red" in page
        assert "Data hall complete (32 days overdue)" in page
        item = official_client.get(f"/api/v1/projects/{project.pk}/status-history").json()
        assert "Data hall complete (32 days overdue)" in item["items"][1]["explanation"]


def test_a_past_briefing_reads_the_history_not_todays_data(
    project: Project, lead: Any, late: Milestone
) -> None:
    _turn_red_then_green(project, lead, late)
    with time_machine.travel(NOW):
        status_refresh_stale_task()
        # Cut-off 2026-11-15: the project was red then (it is green today).
        facts = briefing_facts(parse_period("on_demand", "2026-11-15"))
        section = next(s for s in facts.initiatives if s.initiative.code == "inference-compute")
        assert section.status.rag == "red"  # its one project was red
        assert section.status.as_of == dt.date(2026, 11, 15)
        # The changes since the previous period's cut-off, with the reasons then.
        assert [
            (c.from_rag, c.to_rag, c.day) for c in facts.colour_changes if c.subject == "project"
        ] == [("amber", "red", dt.date(2026, 11, 4))]
        # Before history starts, the briefing says there is no record rather than guessing.
        early = briefing_facts(parse_period("monthly", "2026-09"))
        assert all(not s.has_record for s in early.initiatives)


# --- Ingestion, memberships ------------------------------------------------------------------


@time_machine.travel(NOW)
def test_an_ingestion_run_feeds_a_kpi_that_follows_an_indicator(project: Project) -> None:
    indicator = Indicator.objects.create(code="rm-ind", name_zh="外部算力", unit="P")
    kpi = Kpi.objects.create(
        project=project,
        code="rm-linked",
        name_zh="接入算力",
        unit="P",
        indicator=indicator,
        indicator_area=Region.objects.get(code="510000"),
    )
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=100)
    refresh_statuses()
    assert KpiStatus.objects.get(kpi=kpi).rag == "grey"
    payload = b"indicator,area,period,value\nrm-ind,510000,2024,20\nrm-ind,510000,2025,40\n"
    ingest(IngestRequest(kind="csv", options={}, label="t", payload=payload, trigger="manual"))
    row = KpiStatus.objects.get(kpi=kpi)
    assert (row.latest_value, row.latest_date) == (40, dt.date(2025, 12, 31))
    assert row.rag == "red"  # about 60 by the end of 2026, 40 % short of 100
    assert _row(project).rag == "red"
    _consistent()


def test_a_new_lead_membership_takes_effect_on_the_next_request(
    project: Project, milestone: Milestone, initiative: Initiative
) -> None:
    """The role scope is cached with the user; a membership change drops it."""
    user = make_user("newlead", "lead")
    client = client_for(user)
    assert project.name_zh not in client.get("/work/").content.decode()  # scope now cached
    Membership.objects.create(user=user, role=Role.LEAD, initiative=initiative)
    assert project.name_zh in client.get("/work/").content.decode()  # at once, not in 5 min


# --- One colour, every surface ---------------------------------------------------------------


@time_machine.travel(NOW)
def test_every_surface_tells_the_same_colour_and_reasons(
    official_client: Client, official: Any, late: Milestone, capacity: Kpi, other_project: Project
) -> None:
    call_command("seed_demo", "--password", "x-test-pw-1", stdout=StringIO())
    Milestone.objects.create(
        project=other_project, title_zh="上线", due_date=TODAY - dt.timedelta(days=60)
    )
    refresh_statuses()
    overview = {c.initiative.code: c.status for c in program_overview(official).cards}
    api = {
        i["code"]: i
        for i in official_client.get("/api/v1/initiatives?page_size=100").json()["items"]
    }
    briefing = briefing_facts(parse_period("on_demand", TODAY.isoformat()))
    sections = {s.initiative.code: s.status for s in briefing.initiatives}
    projects_api = {
        p["id"]: p["status"]
        for p in official_client.get("/api/v1/projects?page_size=100").json()["items"]
    }
    assert len(overview) == 5
    assert {s.rag for s in overview.values()} >= {"red", "amber"}
    for code, status in overview.items():
        page = initiative_detail(official, code)
        one = official_client.get(f"/api/v1/initiatives/{code}").json()["status"]
        assert (
            status.rag
            == page.status.rag
            == api[code]["status"]["rag"]
            == one["rag"]
            == sections[code].rag
        ), code
        assert (
            status.explanation
            == page.status.explanation
            == api[code]["status"]["explanation"]
            == one["explanation"]
            == sections[code].explanation
        ), code
        assert status.as_of == page.status.as_of == sections[code].as_of == TODAY
        html = official_client.get(f"/initiatives/{code}/").content.decode()
        assert status.explanation in html.replace("&quot;", '"')
        for row in page.projects:
            single = official_client.get(f"/api/v1/projects/{row.project.pk}").json()["status"]
            assert row.status.rag == projects_api[row.project.pk]["rag"] == single["rag"]
            assert row.status.explanation == single["explanation"]
    home = official_client.get("/").content.decode()
    for status in overview.values():
        assert status.explanation in home
