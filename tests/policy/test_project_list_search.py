"""/projects/ (filters, server-side sorting and pages, CSV/Excel of what is filtered; statuses
from the stored read model) and /search/ over projects, milestones, KPIs and indicators."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator
from policy.models import (
    Initiative,
    Kpi,
    Membership,
    Milestone,
    Project,
    ProjectStatus,
    Region,
    Role,
)
from tests.conftest import client_for, make_user, refresh_statuses

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(
    initiative: Initiative, other_initiative: Initiative, chengdu: Region
) -> dict[str, Any]:
    mianyang = Region.objects.get(code="510700")
    owner = make_user("zhang", "owner", first_name="三", last_name="张")
    projects = {}
    for code, name, init, region, phase in [
        ("icc-cd", "成都智算中心", initiative, chengdu, "construction"),
        ("icc-my", "绵阳智算中心", initiative, mianyang, "operation"),
        ("llm-gov", "政务大模型", other_initiative, chengdu, "planning"),
        ("=cmd", '=HYPERLINK("x")', other_initiative, chengdu, "planning"),
    ]:
        projects[code] = Project.objects.create(
            initiative=init,
            code=code.replace("=", "x"),
            name_zh=name,
            owner_org="测试单位",
            region=region,
            phase=phase,
            name_en=f"Project {code}",
        )
    Membership.objects.create(user=owner, role=Role.OWNER, project=projects["icc-my"])
    Milestone.objects.create(
        project=projects["icc-cd"],
        title_zh="机房封顶",
        due_date=dt.date(2030, 1, 1),
        percent_complete=20,
        status="in_progress",
    )
    Milestone.objects.create(
        project=projects["icc-my"],
        title_zh="一期上线",
        due_date=dt.date(2020, 1, 1),
        percent_complete=60,
        status="in_progress",
    )
    refresh_statuses()
    return projects


def _names(response: Any) -> list[str]:
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<td data-sort="([^"]+)"><a href="/projects/\d+/">', body)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"成都智算中心", "绵阳智算中心", "政务大模型", '=HYPERLINK("x")'}),
        ({"initiative": "inference-compute"}, {"成都智算中心", "绵阳智算中心"}),
        ({"region": "510700"}, {"绵阳智算中心"}),
        ({"phase": "planning"}, {"政务大模型", '=HYPERLINK("x")'}),
        ({"owner": "zhang"}, {"绵阳智算中心"}),
        ({"q": "智算"}, {"成都智算中心", "绵阳智算中心"}),
        ({"q": "LLM-GOV"}, {"政务大模型"}),
        ({"initiative": "inference-compute", "region": "510100"}, {"成都智算中心"}),
    ],
)
def test_filters(
    official_client: Any, program: dict[str, Any], query: dict[str, str], expected: set[str]
) -> None:
    response = official_client.get(reverse("policy:project-list"), query)
    assert response.status_code == 200
    assert {n.replace("&quot;", '"') for n in _names(response)} == expected


def test_status_filter_and_sort_read_the_stored_read_model(
    official_client: Any, program: dict[str, Any]
) -> None:
    # Overwrite one stored status: the list must show and filter by it, not recompute.
    ProjectStatus.objects.filter(project=program["llm-gov"]).update(rag="red")
    red = official_client.get(reverse("policy:project-list"), {"status": "red"})
    assert "政务大模型" in _names(red)
    ProjectStatus.objects.filter(project=program["icc-cd"]).update(progress=90)
    ProjectStatus.objects.filter(project=program["icc-my"]).update(progress=10)
    up = _names(
        official_client.get(
            reverse("policy:project-list"), {"sort": "progress", "initiative": "inference-compute"}
        )
    )
    down = _names(
        official_client.get(
            reverse("policy:project-list"),
            {"sort": "-progress", "initiative": "inference-compute"},
        )
    )
    assert up == ["绵阳智算中心", "成都智算中心"]
    assert down == ["成都智算中心", "绵阳智算中心"]


def test_unknown_sort_falls_back_and_headers_flip(
    official_client: Any, program: dict[str, Any]
) -> None:
    response = official_client.get(
        reverse("policy:project-list"), {"sort": "password", "q": "智算"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-sort="descending"' in html  # the default: worst status first
    assert "sort=status" in html  # the status header flips it


def test_pages_of_fifty(official_client: Any, initiative: Initiative) -> None:
    Project.objects.bulk_create(
        Project(initiative=initiative, code=f"p{i:03}", name_zh=f"项目{i:03}", owner_org="x")
        for i in range(120)
    )
    refresh_statuses()
    url = reverse("policy:project-list")
    first = official_client.get(url, {"sort": "name"})
    assert len(_names(first)) == 50
    assert "第 1 / 3 页" in first.content.decode()
    last = official_client.get(url, {"sort": "name", "page": 3})
    assert _names(last) == [f"项目{i:03}" for i in range(100, 120)]
    assert "sort=name&amp;page=2" in last.content.decode()


def test_csv_export_is_the_filtered_list_with_formulas_defused(
    official_client: Any, program: dict[str, Any]
) -> None:
    response = official_client.get(
        reverse("policy:project-list"), {"phase": "planning", "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["项目代码", "项目", "任务方向"]
    names = {r[1] for r in rows[1:]}
    assert names == {"政务大模型", '\'=HYPERLINK("x")'}
    statuses = {r[5] for r in rows[1:]}
    assert statuses <= {"无数据", "绿灯", "黄灯", "红灯"}


def test_excel_export(official_client: Any, program: dict[str, Any]) -> None:
    response = official_client.get(
        reverse("policy:project-list"), {"initiative": "inference-compute", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][1] == "项目"
    assert sorted(str(v[1]) for v in values[1:]) == ["成都智算中心", "绵阳智算中心"]
    overdue = next(v for v in values[1:] if v[1] == "绵阳智算中心")
    assert overdue[8] == "一期上线"
    assert isinstance(overdue[10], int)
    assert overdue[10] > 0  # days overdue


def test_the_list_needs_a_role(client: Any, outsider: Any) -> None:
    assert client.get(reverse("policy:project-list")).status_code == 302
    assert client_for(outsider).get(reverse("policy:project-list")).status_code == 403
    assert client_for(outsider).get(reverse("policy:search"), {"q": "x"}).status_code == 403


def test_initiative_tables_page(official_client: Any, initiative: Initiative) -> None:
    Project.objects.bulk_create(
        Project(initiative=initiative, code=f"q{i:03}", name_zh=f"方向项目{i:03}", owner_org="x")
        for i in range(30)
    )
    refresh_statuses()
    url = reverse("policy:initiative-detail", args=[initiative.code])
    first = official_client.get(url).content.decode()
    second = official_client.get(url, {"page": 2}).content.decode()
    row = re.compile(r'<td data-sort="方向项目\d+"><a href="/projects/')
    assert len(row.findall(first)) == 25
    assert len(row.findall(second)) == 5
    assert "第 2 / 2 页" in second
    assert f"/projects/?initiative={initiative.code}" in first


# --- Search ------------------------------------------------------------------------------------


@pytest.fixture
def searchable(program: dict[str, Any], initiative: Initiative) -> None:
    Kpi.objects.create(
        initiative=initiative, code="ai-compute-eflops", name_zh="智能算力规模", unit="EFLOPS"
    )
    Indicator.objects.create(
        code="dc-power-price",
        name_zh="数据中心电价",
        name_en="Data centre power price",
        unit="元/度",
    )


def _search(client: Any, q: str) -> str:
    response = client.get(reverse("policy:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_chinese_substrings_in_every_kind(
    official_client: Any, searchable: None
) -> None:
    html = _search(official_client, "智算")
    assert "成都智算中心" in html[html.index('id="results-projects"') :]
    assert 'id="results-kpis"' not in html
    assert "智能算力规模" not in html  # 智能算力 does not contain 智算
    html = _search(official_client, "算力")
    assert "智能算力规模" in html[html.index('id="results-kpis"') :]
    html = _search(official_client, "封顶")
    assert "机房封顶" in html[html.index('id="results-milestones"') :]
    html = _search(official_client, "电价")
    assert "数据中心电价" in html[html.index('id="results-indicators"') :]


def test_search_finds_codes_and_english_case_insensitively(
    official_client: Any, searchable: None
) -> None:
    assert "政务大模型" in _search(official_client, "LLM-gov")
    assert "智能算力规模" in _search(official_client, "EFLOPS")
    assert "数据中心电价" in _search(official_client, "POWER PRICE")


def test_an_empty_or_unmatched_query(official_client: Any, searchable: None) -> None:
    assert "条结果" not in _search(official_client, "   ")
    assert "没有找到匹配的内容" in _search(official_client, "不存在的东西")
    # A LIKE wildcard is matched literally, not as "anything".
    assert "没有找到匹配的内容" in _search(official_client, "%")
    assert "没有找到匹配的内容" in _search(official_client, "_")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_postgresql_serves_the_search_from_trigram_indexes(searchable: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        names = {r[0] for r in cursor.fetchall()}
    assert {
        "project_name_zh_trgm",
        "milestone_title_zh_trgm",
        "kpi_code_trgm",
        "indicator_name_zh_trgm",
    } <= names
    qs = Project.objects.filter(name_zh__icontains="智算中心").order_by().values("pk")
    with connection.cursor() as cursor:
        # Few rows: without this the planner scans; the question is whether it *can* use it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert "project_name_zh_trgm" in plan, plan
