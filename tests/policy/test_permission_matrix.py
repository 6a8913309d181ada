"""Every owner-workflow URL against every role: anonymous → login, unreadable → 404,
read-only → 403, allowed → 200/302; refused POSTs change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from policy.models import Evidence, Kpi, KpiValue, Milestone, MilestoneUpdate, UpdateState
from policy.services.kpis import kpi_value_record
from policy.services.milestones import milestone_record_progress
from tests.conftest import client_for
from tests.policy.evidence_files import upload

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "outsider", "official", "owner", "owner2", "lead", "other_lead", "admin"]

# Expected status per actor; "login" means a redirect to the login page.
READ = {"anonymous": "login", "outsider": 404, **{a: 200 for a in ACTORS[2:]}}
EDIT_GET = {
    "anonymous": "login",
    "outsider": 404,
    "official": 403,
    "owner": 200,
    "owner2": 403,
    "lead": 200,
    "other_lead": 403,
    "admin": 200,
}
EDIT_POST = {**EDIT_GET, "owner": 302, "lead": 302, "admin": 302}
REVIEW_POST = {**EDIT_POST, "owner": 403}
MY_WORK = {
    "anonymous": "login",
    "outsider": 403,
    "official": 403,
    "owner": 200,
    "owner2": 200,
    "lead": 200,
    "other_lead": 200,
    "admin": 200,
}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def world(project, milestone, owner, owner2, lead, other_lead, admin_user, official, outsider):
    """Everyone, plus a pending milestone update, a submitted KPI value and an evidence file."""
    kpi = Kpi.objects.create(project=project, code="mx-kpi", name_zh="上线算力", unit="P")
    result = milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=50,
        completed_on=None,
        narrative="提交审核",
        files=[upload("报告.pdf")],
    )
    value = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2024", value=10)
    users = {
        "outsider": outsider,
        "official": official,
        "owner": owner,
        "owner2": owner2,
        "lead": lead,
        "other_lead": other_lead,
        "admin": admin_user,
    }
    return {
        "users": users,
        "milestone": Milestone.objects.get(pk=milestone.pk),
        "update": result.update,
        "kpi": kpi,
        "value": value,
        "evidence": Evidence.objects.get(),
    }


def _client(world, actor: str) -> Client:
    return Client() if actor == "anonymous" else client_for(world["users"][actor])


def _check(response, expected) -> None:
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content[:300]


def _snapshot(world):
    m = Milestone.objects.get(pk=world["milestone"].pk)
    return (
        m.version,
        m.percent_complete,
        list(MilestoneUpdate.objects.values_list("pk", "state")),
        list(KpiValue.objects.values_list("pk", "state", "value", "approved_value")),
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_my_work(world, actor) -> None:
    _check(_client(world, actor).get("/work/"), MY_WORK[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_milestone_page(world, actor) -> None:
    _check(_client(world, actor).get(f"/milestones/{world['milestone'].pk}/"), READ[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_milestone_form_get(world, actor) -> None:
    url = f"/milestones/{world['milestone'].pk}/edit/"
    _check(_client(world, actor).get(url), EDIT_GET[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_milestone_form_post(world, actor) -> None:
    m = world["milestone"]
    before = _snapshot(world)
    data = {
        "status": "in_progress",
        "percent_complete": 66,
        "completed_on": "",
        "narrative": "矩阵测试",
        "version": m.version,
    }
    response = _client(world, actor).post(f"/milestones/{m.pk}/edit/", data)
    _check(response, EDIT_POST[actor])
    if EDIT_POST[actor] != 302:
        assert _snapshot(world) == before
    elif actor == "owner":
        assert (
            MilestoneUpdate.objects.filter(state=UpdateState.SUBMITTED).get().percent_complete
            == 66
        )
    else:
        assert Milestone.objects.get(pk=m.pk).percent_complete == 66


@pytest.mark.parametrize("actor", ACTORS)
def test_milestone_review_post(world, actor) -> None:
    before = _snapshot(world)
    url = f"/milestone-updates/{world['update'].pk}/review/"
    response = _client(world, actor).post(url, {"decision": "approve"})
    _check(response, REVIEW_POST[actor])
    if REVIEW_POST[actor] == 302:
        assert Milestone.objects.get(pk=world["milestone"].pk).percent_complete == 50
    else:
        assert _snapshot(world) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_kpi_form_get(world, actor) -> None:
    _check(_client(world, actor).get(f"/kpis/{world['kpi'].pk}/report/"), EDIT_GET[actor])


@pytest.mark.parametrize("actor", ACTORS)
def test_kpi_form_post(world, actor) -> None:
    before = _snapshot(world)
    data = {"period": "2025", "value": "12", "comment": "", "version": ""}
    response = _client(world, actor).post(f"/kpis/{world['kpi'].pk}/report/", data)
    _check(response, EDIT_POST[actor])
    if EDIT_POST[actor] == 302:
        assert KpiValue.objects.filter(period="2025").exists()
    else:
        assert _snapshot(world) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_kpi_review_post(world, actor) -> None:
    before = _snapshot(world)
    value = world["value"]
    url = f"/kpi-values/{value.pk}/review/"
    response = _client(world, actor).post(url, {"decision": "approve", "version": value.version})
    _check(response, REVIEW_POST[actor])
    if REVIEW_POST[actor] == 302:
        assert KpiValue.objects.get(pk=value.pk).approved_value == 10
    else:
        assert _snapshot(world) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_evidence_download(world, actor) -> None:
    _check(_client(world, actor).get(f"/evidence/{world['evidence'].pk}/"), READ[actor])


def test_missing_objects_are_404_for_everyone(world) -> None:
    client = client_for(world["users"]["admin"])
    for url in ("/milestones/999999/", "/milestones/999999/edit/", "/kpis/999999/report/"):
        assert client.get(url).status_code == 404
    assert client.post("/milestone-updates/999999/review/", {}).status_code == 404
    assert client.get("/evidence/999999/").status_code == 404
