"""Read endpoints at their real URLs, with tokens and sessions, in the one error shape."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from policy.models import ApiToken, KpiValue, Milestone, Project
from policy.services.api_tokens import api_token_revoke
from tests.api.conftest import TokenClient
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> None:
    call_command("seed_demo", "--password", "pw-demo-1", stdout=StringIO())


def test_anonymous_requests_get_401_in_the_error_shape() -> None:
    response = Client().get("/api/v1/projects")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert "Bearer" in body["detail"]
    assert body["fields"] == {}


def test_a_bad_or_revoked_token_is_401(official: Any) -> None:
    assert TokenClient(official).get("/api/v1/projects").status_code == 200
    response = Client(HTTP_AUTHORIZATION="Bearer fpo_not-a-token").get("/api/v1/projects")
    assert response.status_code == 401
    token = ApiToken.objects.get(user=official)
    api_token_revoke(token=token)
    client = Client(HTTP_AUTHORIZATION="Bearer fpo_x")
    assert client.get("/api/v1/projects").status_code == 401


def test_a_revoked_token_stops_working(official: Any) -> None:
    client = TokenClient(official)
    assert client.get("/api/v1/initiatives").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=official))
    assert client.get("/api/v1/initiatives").status_code == 401


def test_only_the_digest_is_stored(official: Any) -> None:
    client = TokenClient(official)
    plaintext = client.defaults["HTTP_AUTHORIZATION"].split()[1]
    token = ApiToken.objects.get(user=official)
    assert plaintext not in (token.digest, token.prefix)
    assert len(token.digest) == 64
    assert token.prefix == plaintext[:12]


def test_a_user_without_a_role_is_403(outsider: Any) -> None:
    response = TokenClient(outsider).get("/api/v1/projects")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_initiatives_carry_their_computed_status_and_reason(official: Any, demo: None) -> None:
    body = client_for(official).get("/api/v1/initiatives").json()
    assert body["count"] == 5
    codes = [i["code"] for i in body["items"]]
    assert codes == [
        "inference-compute",
        "huawei-sugon",
        "near-memory",
        "compute-power",
        "gov-llm",
    ]
    for item in body["items"]:
        assert item["status"]["rag"] in {"green", "amber", "red", "grey"}
        assert item["status"]["explanation"].endswith("。")
    one = client_for(official).get("/api/v1/initiatives/gov-llm").json()
    assert one["name_zh"] == body["items"][4]["name_zh"]
    assert client_for(official).get("/api/v1/initiatives/nope").status_code == 404


def test_projects_filter_by_initiative_region_owner_status_and_search(
    api_official: TokenClient, demo: None
) -> None:
    every = api_official.get("/api/v1/projects?page_size=100").json()
    assert every["count"] == Project.objects.count()
    by_init = api_official.get("/api/v1/projects?initiative=gov-llm&page_size=100").json()
    assert by_init["count"] == Project.objects.filter(initiative__code="gov-llm").count()
    assert {p["initiative"] for p in by_init["items"]} == {"gov-llm"}
    chengdu = api_official.get("/api/v1/projects?region=510100&page_size=100").json()
    assert chengdu["count"] == Project.objects.filter(region__code="510100").count()
    mine = api_official.get("/api/v1/projects?owner=owner2&page_size=100").json()
    assert mine["count"] == Project.objects.filter(owners__username="owner2").count() > 0
    assert all("owner2" in p["owners"] for p in mine["items"])
    found = api_official.get("/api/v1/projects?q=智算").json()
    assert found["count"] >= 1
    assert all("智算" in p["name_zh"] for p in found["items"])
    rags = {p["status"]["rag"] for p in every["items"]}
    for rag in rags:
        subset = api_official.get(f"/api/v1/projects?status={rag}&page_size=100").json()
        assert {p["status"]["rag"] for p in subset["items"]} == {rag}
    assert (
        sum(api_official.get(f"/api/v1/projects?status={r}").json()["count"] for r in rags)
        == every["count"]
    )


def test_pagination_has_a_hard_cap_and_empty_pages_past_the_end(
    api_official: TokenClient, demo: None
) -> None:
    too_big = api_official.get("/api/v1/projects?page_size=101")
    assert too_big.status_code == 422
    assert too_big.json()["code"] == "invalid_request"
    assert "page_size" in too_big.json()["fields"]
    first = api_official.get("/api/v1/projects?page_size=3").json()
    second = api_official.get("/api/v1/projects?page_size=3&page=2").json()
    assert len(first["items"]) == 3
    assert {p["id"] for p in first["items"]}.isdisjoint({p["id"] for p in second["items"]})
    past = api_official.get("/api/v1/projects?page=999").json()
    assert past["items"] == []
    assert past["count"] == first["count"]


def test_a_nul_byte_in_a_search_is_a_clear_422(api_official: TokenClient) -> None:
    response = api_official.get("/api/v1/projects", {"q": "a\x00b"})
    assert response.status_code == 422
    assert "q" in response.json()["fields"]


def test_milestones_show_their_version_and_overdue_flag(
    api_official: TokenClient, milestone: Milestone
) -> None:
    body = api_official.get(f"/api/v1/milestones?project={milestone.project_id}").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["version"] == milestone.version
    assert item["is_overdue"] == (milestone.due_date < dt.date.today())
    one = api_official.get(f"/api/v1/milestones/{milestone.pk}").json()
    assert one["title_zh"] == "一期上线"
    assert api_official.get("/api/v1/milestones/999999").status_code == 404
    late = api_official.get("/api/v1/milestones?status=done").json()
    assert late["count"] == 0


def test_kpis_separate_approved_from_pending_values(api_official: TokenClient, demo: None) -> None:
    pending = KpiValue.objects.exclude(state="approved").select_related("kpi").first()
    assert pending is not None, "the demo has pending KPI values"
    body = api_official.get(f"/api/v1/kpis/{pending.kpi_id}").json()
    value = next(v for v in body["values"] if v["id"] == pending.pk)
    assert value["state"] == pending.state
    assert value["approved_value"] is None or pending.approved_value is not None
    assert body["targets"], "targets are a trajectory"
    listed = api_official.get("/api/v1/kpis?initiative=inference-compute&page_size=100").json()
    assert listed["count"] >= 1


def test_query_count_of_the_project_list_does_not_grow(
    api_official: TokenClient, demo: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        api_official.get("/api/v1/projects?page_size=100")


def test_create_api_token_command_prints_a_working_token(official: Any, capsys: Any) -> None:
    call_command("create_api_token", "official", "--name", "统计局对接")
    plaintext = capsys.readouterr().out.strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/v1/initiatives")
    assert response.status_code == 200
    assert ApiToken.objects.get(user=official).name == "统计局对接"


def test_create_api_token_for_an_unknown_user_says_what_to_do(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有用户"):
        call_command("create_api_token", "ghost")


def test_an_inactive_users_token_is_refused(db: Any) -> None:
    user = make_user("gone", "official")
    client = TokenClient(user)
    user.is_active = False
    user.save()
    assert client.get("/api/v1/initiatives").status_code == 401


def test_a_scalar_parameter_given_twice_is_a_422_naming_it(api_official: TokenClient) -> None:
    response = api_official.get("/api/v1/projects?q=a&q=b")
    assert response.status_code == 422
    assert "q" in response.json()["fields"]
    assert api_official.get("/api/v1/projects?q=a").status_code == 200
