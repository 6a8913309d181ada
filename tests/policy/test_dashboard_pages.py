"""The overview, initiative, project and map pages: what officials see, in Chinese and English."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from policy.models import Kpi, KpiTarget, KpiValue, Milestone, Project
from tests.conftest import refresh_statuses

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def figures(body: str) -> dict[str, Any]:
    """Every figure the page hands to charts.js through json_script, by id."""
    found = re.findall(
        r'<script id="(fig-[^"]+)" type="application/json">(.*?)</script>', body, re.S
    )
    return {fig_id: json.loads(text) for fig_id, text in found}


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def seeded(db: Any) -> None:
    call_command("seed_demo", "--password", "x-test-pw-1", stdout=None)


@pytest.fixture
def late_project(project: Project) -> Project:
    """A project with one milestone 40 days late (red) and one done on time."""
    Milestone.objects.create(
        project=project,
        title_zh="机房主体完工",
        title_en="Data hall complete",
        due_date=dt.date(2026, 10, 16),
        status="in_progress",
        percent_complete=60,
    )
    Milestone.objects.create(
        project=project,
        title_zh="项目公司注册",
        title_en="Company registered",
        due_date=dt.date(2026, 1, 31),
        status="done",
        percent_complete=100,
        completed_on=dt.date(2026, 1, 20),
    )
    return project


# --- Overview -------------------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_overview_links_each_initiative_and_explains_its_status(
    official_client: Client, late_project: Project
) -> None:
    refresh_statuses()
    body = official_client.get("/").content.decode()
    assert 'href="/initiatives/inference-compute/"' in body
    assert body.count('class="card initiative-card"') == 5
    assert "1 个项目红灯：测试智算中心" in body
    assert "已逾期 1" in body
    assert {"fig-status", "fig-milestones"} <= set(figures(body))


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_overview_says_what_changed_since_monday(
    official_client: Client, late_project: Project
) -> None:
    Milestone.objects.create(
        project=late_project,
        title_zh="本周完成的里程碑",
        due_date=dt.date(2026, 11, 30),
        status="done",
        percent_complete=100,
        completed_on=dt.date(2026, 11, 24),
    )
    Milestone.objects.create(
        project=late_project,
        title_zh="昨天到期未完成",
        due_date=dt.date(2026, 11, 24),
        status="not_started",
    )
    kpi = Kpi.objects.create(project=late_project, code="t-cap", name_zh="测试算力", unit="P")
    KpiValue.objects.create(
        kpi=kpi,
        period="2026-Q3",
        period_end=dt.date(2026, 9, 30),
        value=Decimal(120),
        approved_value=Decimal(120),
        state="approved",
        reviewed_at=dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC),
    )
    body = official_client.get("/").content.decode()
    changes = body[body.index('id="changes"') :]
    assert "自 2026-11-23 以来的变化" in changes
    assert "本周完成的里程碑" in changes
    assert "昨天到期未完成" in changes
    assert "测试算力" in changes
    assert "120 P" in changes
    # Older facts are not news: the milestone late since October and the January one.
    assert "机房主体完工" not in changes
    assert "项目公司注册" not in changes


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_overview_with_nothing_new_says_so(official_client: Client) -> None:
    body = official_client.get("/").content.decode()
    assert "此期间没有里程碑完成、新增逾期或新审核的指标值。" in body


@pytest.mark.django_db
def test_overview_shows_headline_kpis_against_this_years_target_and_key_indicators(
    official_client: Client, seeded: None
) -> None:
    body = official_client.get("/").content.decode()
    progress = figures(body)["fig-kpi-progress"]
    names = progress["data"][0]["y"]
    assert "四川算力总规模" in names
    section = body[body.index('id="key-indicators"') :]
    assert "关键外部指标" in section
    assert "算力中心电价" in section
    assert "0.6" in section
    assert "天前" in section


@pytest.mark.django_db
def test_overview_in_english(official_client: Client, seeded: None) -> None:
    body = english(official_client).get("/").content.decode()
    assert "What changed since" in body
    assert "Headline KPIs" in body
    assert "Domestic inference-compute rear base" in body


# --- Initiative -----------------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_initiative_page_lists_projects_with_status_owner_region_progress_and_next_milestone(
    official_client: Client, late_project: Project, owner: Any
) -> None:
    refresh_statuses()
    body = official_client.get("/initiatives/inference-compute/").content.decode()
    table = body[body.index("<table") : body.index("</table>")]
    assert "测试智算中心" in table
    assert "红灯" in table
    assert "1 个里程碑逾期：机房主体完工（逾期 40 天）" in table
    assert "测试单位" in table
    assert "owner" in table
    assert "成都市" in table
    assert "80%" in table  # (60 + 100) / 2
    assert "2026-10-16" in table
    assert "逾期 40 天" in table
    assert "data-sortable" in table


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_initiative_kpi_chart_shows_baseline_targets_actuals_and_the_status_projection(
    official_client: Client, initiative: Any
) -> None:
    kpi = Kpi.objects.create(
        initiative=initiative,
        code="t-share",
        name_zh="测试占比",
        unit="%",
        baseline_value=Decimal(10),
        baseline_date=dt.date(2023, 12, 31),
    )
    KpiTarget.objects.create(kpi=kpi, target_date=dt.date(2026, 12, 31), value=Decimal(50))
    for year, value in ((2024, 20), (2025, 30)):
        KpiValue.objects.create(
            kpi=kpi,
            period=str(year),
            period_end=dt.date(year, 12, 31),
            value=Decimal(value),
            approved_value=Decimal(value),
            state="approved",
        )
    refresh_statuses()
    body = official_client.get("/initiatives/inference-compute/").content.decode()
    fig = figures(body)[f"fig-kpi-{kpi.pk}"]
    traces = {t["meta"]: t for t in fig["data"]}
    assert set(traces) == {"target", "baseline", "actual", "projection"}
    # baseline 10 (2023), 20, 30: the line through them reaches about 40 by the end of 2026,
    # 20 % short of 50 — the same figure the status sentence gives.
    assert traces["projection"]["y"][-1] == pytest.approx(40, abs=0.1)
    assert "与目标 50 % 相差 20%" in body


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_initiative_page_draws_a_milestone_timeline_across_projects(
    official_client: Client, late_project: Project, other_project: Project
) -> None:
    refresh_statuses()
    body = official_client.get("/initiatives/inference-compute/").content.decode()
    gantt = figures(body)["fig-gantt"]
    metas = {t["meta"] for t in gantt["data"]}
    assert {"planned-overdue", "planned-done", "actual", "slip"} <= metas


@pytest.mark.django_db
def test_unknown_initiative_is_404_and_outsider_403(
    official_client: Client, outsider: Any
) -> None:
    assert official_client.get("/initiatives/no-such-thing/").status_code == 404
    client = Client()
    client.force_login(outsider)
    assert client.get("/initiatives/inference-compute/").status_code == 403


@pytest.mark.django_db
def test_initiative_page_in_english(official_client: Client, seeded: None) -> None:
    body = english(official_client).get("/initiatives/compute-power/").content.decode()
    assert "Compute–electricity coordination" in body or "compute" in body.lower()
    assert "Projects" in body
    assert "Milestone timeline" in body


# --- Project --------------------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_project_page_shows_facts_owners_status_milestones_and_related_indicators(
    official_client: Client, late_project: Project, owner: Any, seeded: None
) -> None:
    refresh_statuses()
    body = official_client.get(f"/projects/{late_project.pk}/").content.decode()
    assert "<h1>测试智算中心</h1>" in body
    assert "测试单位" in body
    assert "owner" in body
    assert "1 个里程碑逾期：机房主体完工（逾期 40 天）" in body
    assert "2026-01-20" in body
    related = body[body.index('id="h-related"') :]
    assert "算力中心电价" in related  # seeded for Chengdu
    assert "四川可用算力规模" in related  # seeded for Sichuan
    assert "fig-gantt" in figures(body)


@pytest.mark.django_db
def test_project_page_shows_the_change_history_with_who_and_what(
    official_client: Client, project: Project, lead: Any
) -> None:
    from policy.services.milestones import milestone_record_progress

    milestone = Milestone.objects.create(
        project=project, title_zh="机房验收", due_date=dt.date(2026, 9, 30), percent_complete=10
    )
    milestone_record_progress(
        actor=lead,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=55,
        completed_on=None,
        narrative="设备进场",
    )
    body = official_client.get(f"/projects/{project.pk}/").content.decode()
    assert body.count("变更记录</h2>") == 1
    history = body[body.index("变更记录</h2>") :]
    assert "机房验收" in history
    assert "55%" in history


@pytest.mark.django_db
def test_unknown_project_is_404(official_client: Client) -> None:
    assert official_client.get("/projects/999999/").status_code == 404


@pytest.mark.django_db
def test_project_page_in_english(official_client: Client, seeded: None) -> None:
    pk = Project.objects.get(code="tianfu-icc").pk
    body = english(official_client).get(f"/projects/{pk}/").content.decode()
    assert "Tianfu Intelligent Computing Center" in body
    assert "Milestones: planned and actual" in body
    assert "3.8 billion yuan" in body  # planned investment 3,800,000,000 yuan


# --- Map ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_map_draws_21_prefectures_with_project_points_and_the_national_clusters(
    official_client: Client, seeded: None
) -> None:
    body = official_client.get("/map/").content.decode()
    figs = figures(body)
    prefectures = [t for t in figs["fig-prefectures"]["data"] if t.get("fill") == "toself"]
    assert len(prefectures) == 21
    points = next(t for t in figs["fig-prefectures"]["data"] if t.get("meta") == "projects")
    assert all(url.startswith("/projects/") for url in points["customdata"])
    assert any("天府数据中心集群" in str(t.get("text")) for t in figs["fig-hubs"]["data"])
    assert "http" not in json.dumps(figs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("metric", "label"),
    [
        ("projects", "项目数"),
        ("investment", "本年完成投资（亿元）"),
        ("invest_rate", "本年投资完成率（%）"),
        ("progress", "平均进度（%）"),
        ("capacity", "项目算力（P）"),
    ],
)
def test_map_metric_colours_the_prefectures(
    official_client: Client, seeded: None, metric: str, label: str
) -> None:
    body = official_client.get(f"/map/?metric={metric}").content.decode()
    chengdu = next(
        t for t in figures(body)["fig-prefectures"]["data"] if t.get("meta") == "510100"
    )
    assert label in chengdu["text"]
    assert "暂无数据" not in chengdu["text"]


@pytest.mark.django_db
def test_an_unknown_map_metric_is_refused_with_a_message(official_client: Client) -> None:
    response = official_client.get("/map/?metric=gdp")
    assert response.status_code == 400
    assert "没有名为“gdp”的地图指标" in response.content.decode()


@pytest.mark.django_db
def test_map_in_english(official_client: Client, seeded: None) -> None:
    body = english(official_client).get("/map/").content.decode()
    assert "21 prefectures" in body
    chengdu = next(
        t for t in figures(body)["fig-prefectures"]["data"] if t.get("meta") == "510100"
    )
    assert "Chengdu" in chengdu["text"]


@pytest.mark.django_db
def test_project_page_shows_where_the_project_is(official_client: Client, seeded: None) -> None:
    project = Project.objects.get(code="dazhou-acc")
    body = official_client.get(f"/projects/{project.pk}/").content.decode()
    fig = figures(body)["fig-location"]
    coloured = {t["meta"]: t["fillcolor"] for t in fig["data"] if t.get("fill") == "toself"}
    assert len(coloured) == 21
    assert len(set(coloured.values())) == 2  # its prefecture stands out from the other 20
    assert coloured["511700"] != coloured["510100"]
    point = next(t for t in fig["data"] if t.get("meta") == "projects")
    assert point["customdata"] == [f"/projects/{project.pk}/"]


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_crowded_initiative_timeline_shows_the_open_milestones_due_soonest(
    official_client: Client, initiative: Any
) -> None:
    projects = Project.objects.bulk_create(
        Project(initiative=initiative, code=f"many-{i}", name_zh=f"项目{i}", owner_org="单位")
        for i in range(30)
    )
    Milestone.objects.bulk_create(
        Milestone(
            project=p,
            title_zh=f"节点{k}",
            due_date=dt.date(2026, 1 + k * 3, 1 + i % 28),
            status="done" if k == 0 else "in_progress",
            completed_on=dt.date(2026, 1, 1 + i % 28) if k == 0 else None,
            percent_complete=100 if k == 0 else 10,
        )
        for i, p in enumerate(projects)
        for k in range(4)
    )
    body = official_client.get("/initiatives/inference-compute/").content.decode()
    gantt = figures(body)["fig-gantt"]
    labels = {y for t in gantt["data"] if t["type"] == "bar" for y in t["y"]}
    assert len(labels) == 60
    assert not any(t["meta"] == "planned-done" for t in gantt["data"])
    assert "未完成里程碑（共 90 个，显示最早到期的 60 个）" in body
    # The 60 due soonest: all of the April and July ones, none from October.
    assert not any("节点3" in label for label in labels)


def test_every_chinese_string_in_the_dashboard_templates_has_an_english_translation() -> None:
    from pathlib import Path

    from django.utils import translation

    root = Path(__file__).resolve().parents[2] / "templates" / "policy"
    names = ["overview", "initiative_detail", "project_detail", "map", "_chart"]
    names += ["_overview_body", "_project_table"]
    pattern = re.compile(r"""\{% translate ["']([^"']+)["']""")
    msgids = {m for n in names for m in pattern.findall((root / f"{n}.html").read_text())}
    assert len(msgids) > 50
    with translation.override("en"):
        missing = sorted(m for m in msgids if translation.gettext(m) == m)
    assert missing == []


@pytest.mark.django_db
def test_pages_render_with_no_data_yet(official_client: Client, initiative: Any) -> None:
    refresh_statuses()
    body = official_client.get("/initiatives/near-memory/").content.decode()
    assert "暂无项目。" in body
    assert "暂无里程碑。" in body
    assert "暂无里程碑和指标数据，无法判断状态。" in body
    bare = Project.objects.create(
        initiative=initiative, code="bare", name_zh="空项目", owner_org="单位"
    )
    body = official_client.get(f"/projects/{bare.pk}/").content.decode()
    assert "暂无里程碑。" in body
    assert "本项目所在地区暂无外部指标数据。" in body
    assert "fig-location" not in figures(body)
    assert official_client.get("/map/").status_code == 200
    assert official_client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_project_table_opens_with_the_worst_status_first(
    official_client: Client, seeded: None
) -> None:
    refresh_statuses()
    body = official_client.get("/initiatives/inference-compute/").content.decode()
    table = body[body.index("<tbody>") : body.index("</tbody>")]
    ranks = [int(r) for r in re.findall(r'<td data-sort="(\d)"><span class="rag', table)]
    assert len(ranks) == 4
    assert ranks == sorted(ranks, reverse=True)
    assert 'aria-sort="descending"><button type="button" data-sort-type="number">状态' in body


@pytest.mark.django_db
def test_plotly_is_served_by_the_app_and_deferred_on_every_chart_page(
    official_client: Client, project: Project
) -> None:
    for url in ("/", "/initiatives/inference-compute/", f"/projects/{project.pk}/", "/map/"):
        body = official_client.get(url).content.decode()
        scripts = re.findall(r"<script src=\"([^\"]+)\"( defer)?></script>", body)
        assert ("/static/vendor/plotly/plotly.min.js", " defer") in scripts, url
        assert all(defer for _src, defer in scripts), url  # nothing blocks first paint
        assert "<script>" not in body, url  # no inline JavaScript


@pytest.mark.django_db
def test_hovering_a_prefecture_names_its_projects(official_client: Client, seeded: None) -> None:
    body = official_client.get("/map/").content.decode()
    traces = {t.get("meta"): t for t in figures(body)["fig-prefectures"]["data"]}
    assert "项目：" in traces["510100"]["text"]
    assert "天府智算中心" in traces["510100"]["text"]
    assert "项目：" not in traces["510300"]["text"]  # Zigong has none
    body = english(official_client).get("/map/").content.decode()
    traces = {t.get("meta"): t for t in figures(body)["fig-prefectures"]["data"]}
    assert "Projects: " in traces["510100"]["text"]
    assert "Tianfu Intelligent Computing Center, " in traces["510100"]["text"]
