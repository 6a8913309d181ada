"""What schemathesis found on the live API (issue 16, finding 8), each pinned by a test."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from policy.api import api
from policy.models import Kpi, KpiValue, Milestone, MilestoneUpdate, UpdateState
from tests.api.conftest import TokenClient
from tests.api.test_api_writes import error_of, post, progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def annual_kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )


@pytest.fixture
def pending_update(owner: Any, milestone: Milestone) -> MilestoneUpdate:
    response = post(
        TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone)
    )
    assert response.status_code == 200
    return MilestoneUpdate.objects.get()


@pytest.mark.parametrize("period", ["0000", "0001", "2025-00", "2025-13", "3000"])
def test_a_period_outside_any_calendar_is_a_422_not_a_500(
    owner: Any, annual_kpi: Kpi, period: str
) -> None:
    response = post(
        TokenClient(owner), f"/api/v1/kpis/{annual_kpi.pk}/values", {"period": period, "value": 1}
    )
    body = error_of(response, 422, "invalid_request")
    assert "period" in body["fields"]
    assert KpiValue.objects.count() == 0


def test_the_service_refuses_year_zero_too(owner: Any, annual_kpi: Kpi) -> None:
    from decimal import Decimal

    from policy.exceptions import ValidationFailed
    from policy.services.kpis import kpi_value_record

    with pytest.raises(ValidationFailed) as caught:
        kpi_value_record(actor=owner, kpi_id=annual_kpi.pk, period="0000", value=Decimal(1))
    assert "period" in caught.value.fields


@pytest.mark.parametrize("body", ["[null, null]", "[]", "null", "3", '"approve"'])
def test_a_body_that_is_not_an_object_approves_nothing(
    lead: Any, pending_update: MilestoneUpdate, body: str
) -> None:
    response = TokenClient(lead).post(
        f"/api/v1/milestone-updates/{pending_update.pk}/approve",
        body,
        content_type="application/json",
    )
    error_of(response, 400, "invalid_json")
    pending_update.refresh_from_db()
    assert pending_update.state == UpdateState.SUBMITTED


def test_an_extra_property_is_refused_and_nothing_is_saved(
    owner: Any, milestone: Milestone
) -> None:
    response = post(
        TokenClient(owner),
        f"/api/v1/milestones/{milestone.pk}/progress",
        progress(milestone, approved=True),
    )
    body = error_of(response, 422, "invalid_request")
    assert "approved" in body["fields"]
    assert MilestoneUpdate.objects.count() == 0


def test_a_half_year_on_an_annual_kpi_is_a_documented_400(owner: Any, annual_kpi: Kpi) -> None:
    response = post(
        TokenClient(owner),
        f"/api/v1/kpis/{annual_kpi.pk}/values",
        {"period": "2025-H1", "value": 1},
    )
    assert "2025" in error_of(response, 400, "invalid")["detail"]

    operation = api.get_openapi_schema()["paths"]["/api/v1/kpis/{kpi_id}/values"]["post"]
    described = operation["responses"][400]["description"]
    assert "报送频率" in described
    assert "needs_confirmation" in described


def test_the_schema_states_the_rules_it_can() -> None:
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    for name in ("MilestoneProgressIn", "ReviewIn", "ReturnIn", "KpiValueIn", "KpiReviewIn"):
        assert components[name]["additionalProperties"] is False, name
    period = components["KpiValueIn"]["properties"]["period"]
    assert period["pattern"].startswith("^(19|20)")
    assert components["MilestoneProgressIn"]["properties"]["narrative"]["maxLength"] == 5000
    for path, item in schema["paths"].items():
        for operation in item.values():
            assert 429 in operation["responses"], path


def test_a_non_numeric_id_is_a_404_in_the_error_shape(official: Any) -> None:
    client: Client = TokenClient(official)
    for path in (
        "/api/v1/projects/None",
        "/api/v1/milestones/abc",
        "/api/v1/kpis/1.5",
        "/api/v1/kpis/1%0A/values",  # a newline in the id: still the JSON 404
    ):
        error_of(client.get(path), 404, "not_found")


def test_a_post_to_a_non_numeric_id_with_a_session_cookie_is_the_json_404(owner: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)  # a session cookie and no CSRF token, as the fuzzer sends
    response = client.post(
        "/api/v1/kpi-values/null,null/approve", "{}", content_type="application/json"
    )
    error_of(response, 404, "not_found")
