"""The permission matrix: every operation of the OpenAPI document × every actor × both auth modes.

The operations are read from ``api.get_openapi_schema()``, so a new operation without an
entry in ``MATRIX`` fails ``test_every_operation_has_a_matrix_entry`` (and its cases fail too).
Requests go through Django's test client at the real URLs, so auth, CSRF and the exception
handlers run. Sessions use ``Client(enforce_csrf_checks=True)``; the CSRF token is taken the
way the browser takes it, from the API docs page's ``csrftoken`` cookie.

Expected: anonymous 401; a user with no role 403; reads 200 for every role; writes only for
the owner of the project (owner2 403), the lead of its initiative (the gov-llm lead 403), and
admins; approvals only for the lead and admins; officials never write. A refused write
changes nothing in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from indicators.analytics.models import PowerScenario
from indicators.analytics.power import PowerOverrides
from indicators.analytics.services import power_scenario_create
from indicators.models import Indicator, IngestionRun, Observation, RunStatus
from policy.api import api
from policy.briefings.models import Briefing
from policy.models import (
    InvestmentPlan,
    InvestmentReport,
    Kpi,
    KpiValue,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectFunding,
    Region,
    ReviewState,
)
from policy.notifications.models import Notification
from policy.notifications.services import notification_send
from tests.api.conftest import bearer
from tests.conftest import client_for, make_power_demo

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "outsider", "official", "owner", "owner2", "lead", "lead2", "admin")
MODES = ("token", "session")
EVERY_ROLE = frozenset({"official", "owner", "owner2", "lead", "lead2", "admin"})
PROJECT_WRITERS = frozenset({"owner", "lead", "admin"})
APPROVERS = frozenset({"lead", "admin"})
YEAR = timezone.localdate().year
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _schema_operations() -> dict[str, tuple[str, str]]:
    """operationId → (method, path) for every operation of the published document."""
    ops: dict[str, tuple[str, str]] = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            ops[operation["operationId"]] = (method.upper(), path)
    return ops


OPERATIONS = _schema_operations()


@dataclass
class World:
    """One small data set with an object of every kind the operations touch."""

    users: dict[str, Any]
    project: Project
    milestone: Milestone
    kpi: Kpi
    value: KpiValue  # submitted by the owner, waiting for review
    update: MilestoneUpdate  # submitted by the owner, waiting for review
    briefing: Briefing
    indicator: Indicator
    scenario: PowerScenario  # a saved power-cost what-if (the demo's power figures are in)
    report: InvestmentReport  # January's completed investment, submitted by the owner


@dataclass(frozen=True)
class Op:
    """How to call one operation, and who may."""

    url: Callable[[World], str]
    allowed: frozenset[str] = EVERY_ROLE
    body: Callable[[World], dict[str, Any]] | None = None  # None: a read (GET)
    missing: Callable[[World], str] | None = None  # URL with an unknown id (404)
    bad_body: dict[str, Any] = field(default_factory=dict)  # a body of the wrong shape (422)
    stale: Callable[[World], dict[str, Any]] | None = None  # a body with an old version (409)

    @property
    def is_write(self) -> bool:
        return self.body is not None


def _progress(w: World) -> dict[str, Any]:
    return {
        "expected_version": w.milestone.version,
        "status": "in_progress",
        "percent_complete": 70,
        "narrative": "机房二期封顶",
    }


def _kpi_value(w: World) -> dict[str, Any]:
    return {"period": "2025", "value": 130.5, "comment": "年度盘点"}


MATRIX: dict[str, Op] = {
    "list_initiatives": Op(url=lambda w: "/api/v1/initiatives"),
    "get_initiative": Op(
        url=lambda w: "/api/v1/initiatives/inference-compute",
        missing=lambda w: "/api/v1/initiatives/no-such-initiative",
    ),
    "list_projects": Op(url=lambda w: "/api/v1/projects"),
    "get_project": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}",
        missing=lambda w: "/api/v1/projects/987654",
    ),
    "list_project_status_history": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}/status-history",
        missing=lambda w: "/api/v1/projects/987654/status-history",
    ),
    "list_initiative_status_history": Op(
        url=lambda w: "/api/v1/initiatives/inference-compute/status-history",
        missing=lambda w: "/api/v1/initiatives/no-such-initiative/status-history",
    ),
    "list_milestones": Op(url=lambda w: "/api/v1/milestones"),
    "get_milestone": Op(
        url=lambda w: f"/api/v1/milestones/{w.milestone.pk}",
        missing=lambda w: "/api/v1/milestones/987654",
    ),
    "list_kpis": Op(url=lambda w: "/api/v1/kpis"),
    "get_kpi": Op(
        url=lambda w: f"/api/v1/kpis/{w.kpi.pk}", missing=lambda w: "/api/v1/kpis/987654"
    ),
    "list_milestone_updates": Op(url=lambda w: "/api/v1/milestone-updates?state=submitted"),
    "list_briefings": Op(url=lambda w: "/api/v1/briefings"),
    "get_briefing": Op(
        url=lambda w: f"/api/v1/briefings/{w.briefing.pk}",
        missing=lambda w: "/api/v1/briefings/987654",
    ),
    "download_briefing_pdf": Op(
        url=lambda w: f"/api/v1/briefings/{w.briefing.pk}/pdf",
        missing=lambda w: "/api/v1/briefings/987654/pdf",
    ),
    "list_indicators": Op(url=lambda w: "/api/v1/indicators"),
    "get_indicator": Op(
        url=lambda w: f"/api/v1/indicators/{w.indicator.code}",
        missing=lambda w: "/api/v1/indicators/no-such-indicator",
    ),
    "get_indicator_series": Op(
        url=lambda w: f"/api/v1/indicators/{w.indicator.code}/series",
        missing=lambda w: "/api/v1/indicators/no-such-indicator/series",
    ),
    "get_indicator_series_csv": Op(
        url=lambda w: f"/api/v1/indicators/{w.indicator.code}/series.csv",
        missing=lambda w: "/api/v1/indicators/no-such-indicator/series.csv",
    ),
    "list_observations": Op(url=lambda w: "/api/v1/observations"),
    "list_ingestion_runs": Op(url=lambda w: "/api/v1/ingestion-runs"),
    "get_power_cost": Op(url=lambda w: "/api/v1/analytics/power-cost?area=510100&price=0.35"),
    "list_power_scenarios": Op(url=lambda w: "/api/v1/analytics/power-scenarios"),
    "get_power_scenario": Op(
        url=lambda w: f"/api/v1/analytics/power-scenarios/{w.scenario.pk}",
        missing=lambda w: "/api/v1/analytics/power-scenarios/987654",
    ),
    "list_notifications": Op(url=lambda w: "/api/v1/notifications?unread=true"),
    "mark_notifications_read": Op(
        url=lambda w: "/api/v1/notifications/read",
        body=lambda w: {},
        bad_body={"ids": "all"},
    ),
    "update_milestone_progress": Op(
        url=lambda w: f"/api/v1/milestones/{w.milestone.pk}/progress",
        allowed=PROJECT_WRITERS,
        body=_progress,
        missing=lambda w: "/api/v1/milestones/987654/progress",
        bad_body={"expected_version": "one", "status": "finished", "percent_complete": 170},
        stale=lambda w: {**_progress(w), "expected_version": w.milestone.version - 1},
    ),
    "approve_milestone_update": Op(
        url=lambda w: f"/api/v1/milestone-updates/{w.update.pk}/approve",
        allowed=APPROVERS,
        body=lambda w: {"note": "同意"},
        missing=lambda w: "/api/v1/milestone-updates/987654/approve",
        bad_body={"note": ["not", "text"]},
    ),
    "return_milestone_update": Op(
        url=lambda w: f"/api/v1/milestone-updates/{w.update.pk}/return",
        allowed=APPROVERS,
        body=lambda w: {"reason": "请补充验收报告"},
        missing=lambda w: "/api/v1/milestone-updates/987654/return",
        bad_body={"note": "没有 reason 字段"},
    ),
    "submit_kpi_value": Op(
        url=lambda w: f"/api/v1/kpis/{w.kpi.pk}/values",
        allowed=PROJECT_WRITERS,
        body=_kpi_value,
        missing=lambda w: "/api/v1/kpis/987654/values",
        bad_body={"period": "去年", "value": "很多"},
        # The 2024 row exists (version 1): revising it with version None is a stale write.
        stale=lambda w: {"period": "2024", "value": 121, "expected_version": None},
    ),
    "approve_kpi_value": Op(
        url=lambda w: f"/api/v1/kpi-values/{w.value.pk}/approve",
        allowed=APPROVERS,
        body=lambda w: {"expected_version": w.value.version},
        missing=lambda w: "/api/v1/kpi-values/987654/approve",
        bad_body={"expected_version": "latest"},
        stale=lambda w: {"expected_version": w.value.version + 5},
    ),
    "return_kpi_value": Op(
        url=lambda w: f"/api/v1/kpi-values/{w.value.pk}/return",
        allowed=APPROVERS,
        body=lambda w: {"reason": "口径不一致", "expected_version": w.value.version},
        missing=lambda w: "/api/v1/kpi-values/987654/return",
        bad_body={"expected_version": 1},  # no reason
        stale=lambda w: {"reason": "口径不一致", "expected_version": w.value.version + 5},
    ),
    "get_project_investment": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}/investment",
        missing=lambda w: "/api/v1/projects/987654/investment",
    ),
    "submit_investment_report": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}/investment/reports",
        allowed=PROJECT_WRITERS,
        body=lambda w: {"period": f"{YEAR}-02", "amount": 300, "unit": "wan"},
        missing=lambda w: "/api/v1/projects/987654/investment/reports",
        bad_body={"period": "二月", "amount": "很多", "unit": "元"},
        # January's row exists (version 1): revising it with version None is a stale write.
        stale=lambda w: {"period": f"{YEAR}-01", "amount": 120, "expected_version": None},
    ),
    "approve_investment_report": Op(
        url=lambda w: f"/api/v1/investment-reports/{w.report.pk}/approve",
        allowed=APPROVERS,
        body=lambda w: {"expected_version": w.report.version},
        missing=lambda w: "/api/v1/investment-reports/987654/approve",
        bad_body={"expected_version": "latest"},
        stale=lambda w: {"expected_version": w.report.version + 5},
    ),
    "return_investment_report": Op(
        url=lambda w: f"/api/v1/investment-reports/{w.report.pk}/return",
        allowed=APPROVERS,
        body=lambda w: {"reason": "请附统计报表", "expected_version": w.report.version},
        missing=lambda w: "/api/v1/investment-reports/987654/return",
        bad_body={"expected_version": 1},  # no reason
        stale=lambda w: {"reason": "请附统计报表", "expected_version": w.report.version + 5},
    ),
    "set_investment_plan": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}/investment/plans",
        allowed=APPROVERS,
        body=lambda w: {"year": YEAR + 1, "amount": 2000},
        missing=lambda w: "/api/v1/projects/987654/investment/plans",
        bad_body={"year": "明年", "amount": -1},
        # This year's plan exists (version 1): setting it with version None is stale.
        stale=lambda w: {"year": YEAR, "amount": 900, "expected_version": None},
    ),
    "set_project_funding": Op(
        url=lambda w: f"/api/v1/projects/{w.project.pk}/investment/funding",
        allowed=APPROVERS,
        body=lambda w: {"source": "ultra-long-bonds", "planned": 500, "arrived": 120},
        missing=lambda w: "/api/v1/projects/987654/investment/funding",
        bad_body={"source": "国债", "planned": "很多"},
        stale=lambda w: {
            "source": "special-bonds",
            "planned": 1,
            "arrived": 1,
            "expected_version": None,
        },
    ),
}


@pytest.fixture
def world(
    private_media: Any,
    owner: Any,
    owner2: Any,
    lead: Any,
    other_lead: Any,
    official: Any,
    admin_user: Any,
    outsider: Any,
    milestone: Milestone,
) -> World:
    from policy.services.investment import (
        funding_set,
        investment_plan_set,
        investment_report_record,
    )
    from policy.services.kpis import kpi_value_record
    from policy.services.milestones import milestone_record_progress

    project = milestone.project
    submitted = milestone_record_progress(
        actor=owner,
        milestone_id=milestone.pk,
        expected_version=milestone.version,
        status="in_progress",
        percent_complete=55,
        completed_on=None,
        narrative="主体结构完成",
    )
    kpi = Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )
    value = kpi_value_record(actor=owner, kpi_id=kpi.pk, period="2024", value=Decimal("120"))
    indicator = Indicator.objects.create(
        code="test-pflops", name_zh="智算规模（测试）", unit="P", category="capacity"
    )
    now = timezone.now()
    run = IngestionRun.objects.create(
        status=RunStatus.SUCCEEDED, started_at=now, finished_at=now, label="tests", inserted=1
    )
    Observation.objects.create(
        indicator=indicator,
        area=Region.objects.get(code="510100"),
        period="2024",
        period_start=dt.date(2024, 1, 1),
        value=100.0,
        run=run,
    )
    briefing = Briefing.objects.create(
        kind="monthly",
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        status="ready",
        requested_at=now,
        generated_at=now,
    )
    briefing.file.save("briefing.pdf", ContentFile(PDF_BYTES))
    make_power_demo()
    scenario = power_scenario_create(
        actor=lead, name="水电直供", area="510100", overrides=PowerOverrides(price=0.35)
    )
    users = {
        "outsider": outsider,
        "official": official,
        "owner": owner,
        "owner2": owner2,
        "lead": lead,
        "lead2": other_lead,
        "admin": admin_user,
    }
    investment_plan_set(actor=lead, project_id=project.pk, year=YEAR, amount=Decimal(1000))
    funding_set(
        actor=lead,
        project_id=project.pk,
        source_code="special-bonds",
        planned=Decimal(400),
        arrived=Decimal(100),
    )
    report = investment_report_record(
        actor=owner, project_id=project.pk, period=f"{YEAR}-01", amount=Decimal(100)
    )
    assert submitted.update is not None
    assert value.state == ReviewState.SUBMITTED
    notification_send(recipients=users.values(), kind="overdue", title="逾期提醒")
    return World(
        users=users,
        project=project,
        milestone=Milestone.objects.get(pk=milestone.pk),
        kpi=kpi,
        value=value,
        update=submitted.update,
        briefing=briefing,
        indicator=indicator,
        scenario=scenario,
        report=report,
    )


def csrf_token(client: Client) -> str:
    """The token a browser gets: the API docs page sets the ``csrftoken`` cookie."""
    assert client.get("/api/v1/docs").status_code == 200
    return client.cookies["csrftoken"].value


def client_as(
    actor: str, mode: str, w: World, *, with_csrf: bool = True
) -> tuple[Client, dict[str, str]]:
    """A CSRF-enforcing client for the actor, and the extra headers each request carries."""
    if mode == "token":
        if actor == "anonymous":
            return Client(enforce_csrf_checks=True), {}
        return Client(enforce_csrf_checks=True, **bearer(w.users[actor])), {}
    client = Client(enforce_csrf_checks=True)
    if actor != "anonymous":
        client.force_login(w.users[actor])
    return client, ({"HTTP_X_CSRFTOKEN": csrf_token(client)} if with_csrf else {})


def call(
    client: Client,
    op: Op,
    w: World,
    headers: dict[str, str],
    *,
    url: str | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    if not op.is_write:
        return client.get(url or op.url(w), **headers)
    assert op.body is not None
    payload = op.body(w) if body is None else body
    return client.post(url or op.url(w), payload, content_type="application/json", **headers)


def fingerprint() -> tuple[Any, ...]:
    """Everything a write could change: the rows, their versions and the history tables."""
    return (
        list(Milestone.objects.order_by("pk").values()),
        list(MilestoneUpdate.objects.order_by("pk").values()),
        list(KpiValue.objects.order_by("pk").values()),
        Milestone.history.count(),
        KpiValue.history.count(),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        list(InvestmentReport.objects.order_by("pk").values()),
        list(InvestmentPlan.objects.order_by("pk").values()),
        list(ProjectFunding.objects.order_by("pk").values()),
        InvestmentReport.history.count(),
    )


def expected_status(op: Op, actor: str) -> int:
    if actor == "anonymous":
        return 401
    if actor == "outsider":
        return 403
    return 200 if actor in op.allowed else 403


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: exactly detail, code and fields; detail says what to do."""
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str)
    assert body["detail"].strip()
    assert isinstance(body["code"], str)
    assert body["code"]
    assert isinstance(body["fields"], dict)
    if code is not None:
        assert body["code"] == code, body
    return body


def test_every_operation_has_a_matrix_entry() -> None:
    missing = sorted(set(OPERATIONS) - set(MATRIX))
    assert not missing, f"add these operations to MATRIX: {missing}"
    gone = sorted(set(MATRIX) - set(OPERATIONS))
    assert not gone, f"MATRIX lists operations the API no longer has: {gone}"


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_the_matrix_uses_the_documented_method(operation_id: str) -> None:
    method, _path = OPERATIONS[operation_id]
    assert operation_id in MATRIX, f"no MATRIX entry for {operation_id}"
    assert MATRIX[operation_id].is_write == (method != "GET"), method


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_permission_matrix(operation_id: str, actor: str, mode: str, world: World) -> None:
    assert operation_id in MATRIX, f"no MATRIX entry for {operation_id}"
    op = MATRIX[operation_id]
    client, headers = client_as(actor, mode, world)
    before = fingerprint()
    response = call(client, op, world, headers)
    expected = expected_status(op, actor)
    if expected == 200:
        assert response.status_code == 200, response.content[:600]
    else:
        codes = {401: "unauthenticated", 403: None}
        assert_error(response, expected, codes[expected])
    if op.is_write:
        if expected == 200:
            assert fingerprint() != before, "an accepted write changed nothing"
        else:
            assert fingerprint() == before, "a refused write changed the database"


WRITES = sorted(op_id for op_id, op in MATRIX.items() if op.is_write)
WITH_IDS = sorted(op_id for op_id, op in MATRIX.items() if op.missing is not None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation_id", WITH_IDS)
def test_unknown_ids_are_404_even_for_admins(operation_id: str, mode: str, world: World) -> None:
    op = MATRIX[operation_id]
    assert op.missing is not None
    client, headers = client_as("admin", mode, world)
    before = fingerprint()
    body = assert_error(call(client, op, world, headers, url=op.missing(world)), 404, "not_found")
    assert "不存在" in body["detail"]
    assert fingerprint() == before


def test_every_operation_with_a_path_id_has_a_404_case() -> None:
    for operation_id, (_method, path) in OPERATIONS.items():
        if "{" in path:
            assert MATRIX[operation_id].missing is not None, operation_id


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation_id", WRITES)
def test_bad_bodies_are_422_with_the_fields_named(
    operation_id: str, mode: str, world: World
) -> None:
    op = MATRIX[operation_id]
    client, headers = client_as("admin", mode, world)
    before = fingerprint()
    response = call(client, op, world, headers, body=op.bad_body)
    body = assert_error(response, 422, "invalid_request")
    assert body["fields"], "a 422 names the fields that are wrong"
    assert all(name in body["detail"] for name in body["fields"])
    assert fingerprint() == before


@pytest.mark.parametrize("operation_id", WRITES)
def test_a_body_that_is_not_json_is_400_in_plain_words(operation_id: str, world: World) -> None:
    client, headers = client_as("admin", "token", world)
    before = fingerprint()
    response = client.post(
        MATRIX[operation_id].url(world), "{not json", content_type="application/json", **headers
    )
    body = assert_error(response, 400, "invalid_json")
    assert "JSON" in body["detail"]
    assert fingerprint() == before


STALE = sorted(op_id for op_id, op in MATRIX.items() if op.stale is not None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation_id", STALE)
def test_a_stale_version_is_409_and_changes_nothing(
    operation_id: str, mode: str, world: World
) -> None:
    op = MATRIX[operation_id]
    assert op.stale is not None
    client, headers = client_as("lead", mode, world)
    before = fingerprint()
    body = assert_error(call(client, op, world, headers, body=op.stale(world)), 409, "conflict")
    assert body["detail"].startswith("保存被拒绝")
    assert "刷新" in body["detail"]
    assert fingerprint() == before


@pytest.mark.parametrize("operation_id", ["approve_milestone_update", "return_milestone_update"])
def test_reviewing_an_update_twice_is_409(operation_id: str, world: World) -> None:
    op = MATRIX[operation_id]
    client, headers = client_as("lead", "token", world)
    assert call(client, op, world, headers).status_code == 200
    before = fingerprint()
    body = assert_error(call(client, op, world, headers), 409, "conflict")
    assert "已处理" in body["detail"]
    assert fingerprint() == before


def test_every_write_has_a_409_case() -> None:
    reviewed_twice = {"approve_milestone_update", "return_milestone_update"}
    # Marking one's own notifications read has no version: doing it twice is no conflict.
    idempotent = {"mark_notifications_read"}
    assert set(WRITES) == set(STALE) | reviewed_twice | idempotent


@pytest.mark.parametrize("operation_id", WRITES)
def test_a_session_write_without_the_csrf_token_is_refused(
    operation_id: str, world: World
) -> None:
    op = MATRIX[operation_id]
    allowed = sorted(op.allowed)[0]
    client, headers = client_as(allowed, "session", world, with_csrf=False)
    assert headers == {}
    before = fingerprint()
    body = assert_error(call(client, op, world, headers), 403, "csrf_failed")
    assert "X-CSRFToken" in body["detail"]
    assert fingerprint() == before
    # The same request with the token from the docs page's cookie is accepted.
    token = {"HTTP_X_CSRFTOKEN": csrf_token(client)}
    assert call(client, op, world, token).status_code == 200
    assert fingerprint() != before


def test_a_wrong_csrf_token_is_refused_too(world: World) -> None:
    op = MATRIX["update_milestone_progress"]
    client, _headers = client_as("owner", "session", world)
    before = fingerprint()
    response = call(client, op, world, {"HTTP_X_CSRFTOKEN": "x" * 32})
    assert_error(response, 403, "csrf_failed")
    assert fingerprint() == before


def test_a_session_read_needs_no_csrf_token(world: World) -> None:
    client = client_for(world.users["official"])
    assert client.get("/api/v1/projects").status_code == 200


@pytest.mark.parametrize("operation_id", WRITES)
def test_a_bad_bearer_token_on_a_write_is_401_not_a_csrf_error(
    operation_id: str, world: World
) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer fpo_forged")
    before = fingerprint()
    assert_error(call(client, MATRIX[operation_id], world, {}), 401, "unauthenticated")
    assert fingerprint() == before


def test_a_bearer_token_needs_no_csrf_token(world: World) -> None:
    client, headers = client_as("owner", "token", world)
    assert headers == {}
    response = call(client, MATRIX["update_milestone_progress"], world, headers)
    assert response.status_code == 200
    assert response.json()["applied"] is False


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_a_wrong_method_is_405_in_the_error_shape(operation_id: str, world: World) -> None:
    method, _path = OPERATIONS[operation_id]
    op = MATRIX[operation_id]
    client, headers = client_as("admin", "token", world)
    before = fingerprint()
    wrong = client.delete if method == "POST" else client.put
    body = assert_error(wrong(op.url(world), **headers), 405, "method_not_allowed")
    assert method in body["detail"]
    allowed = {m.strip() for m in wrong(op.url(world), **headers)["Allow"].split(",")}
    assert method in allowed
    assert fingerprint() == before


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nope", "/api/v1/projects/abc/xyz"])
def test_an_unknown_api_path_is_404_in_the_error_shape(path: str, official: Any) -> None:
    body = assert_error(client_for(official).get(path), 404, "not_found")
    assert "/api/v1/docs" in body["detail"]
