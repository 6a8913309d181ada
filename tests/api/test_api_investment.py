"""The investment endpoints: the stored figures, and the writes with the review flow and the
permissions of KPI values (owners submit, leads approve or return; plans by leads)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from policy.models import InvestmentReport
from tests.api.conftest import TokenClient
from tests.api.test_api_writes import error_of, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_owner(owner: Any) -> TokenClient:
    return TokenClient(owner)


@pytest.fixture
def api_lead(lead: Any) -> TokenClient:
    return TokenClient(lead)


def plan(client: TokenClient, project: Any, amount: str = "1000") -> Any:
    return client.post(
        f"/api/v1/projects/{project.pk}/investment/plans",
        {"year": 2026, "amount": amount, "unit": "wan"},
        content_type="application/json",
    )


def test_owner_submits_lead_approves_and_the_figures_count_then(
    project: Any, api_owner: TokenClient, api_lead: TokenClient, api_official: TokenClient
) -> None:
    assert plan(api_lead, project).status_code == 200
    url = f"/api/v1/projects/{project.pk}/investment/reports"
    sent = post(api_owner, url, {"period": "2026-01", "amount": 0.5, "unit": "yi"})
    assert sent.status_code == 200, sent.content
    report = sent.json()
    assert (report["state"], report["amount_yuan"], report["approved_amount_yuan"]) == (
        "submitted",
        "50000000.00",
        None,
    )
    before = api_official.get(f"/api/v1/projects/{project.pk}/investment").json()
    assert before["completed_yuan"] is None
    assert before["plan_yuan"] == "10000000.00"
    assert before["reports"][0]["state"] == "submitted"
    approved = post(
        api_lead,
        f"/api/v1/investment-reports/{report['id']}/approve",
        {"expected_version": report["version"]},
    )
    assert approved.status_code == 200, approved.content
    after = api_official.get(f"/api/v1/projects/{project.pk}/investment").json()
    assert after["completed_yuan"] == "50000000.00"
    assert after["months"][0]["cumulative_yuan"] == "50000000.00"
    assert after["rate"] == 5.0  # five times the year's plan of 1,000 万元
    history = InvestmentReport.objects.get(pk=report["id"]).history.order_by("history_id")
    assert [h.history_change_reason for h in history] == ["api:submitted", "api:approved"]


def test_the_api_refuses_what_the_form_refuses_in_the_one_error_shape(
    project: Any, api_owner: TokenClient, api_lead: TokenClient, api_official: TokenClient
) -> None:
    url = f"/api/v1/projects/{project.pk}/investment/reports"
    post(api_lead, url, {"period": "2026-08", "amount": 500})
    down = error_of(post(api_owner, url, {"period": "2026-09", "amount": 400}), 400, "invalid")
    assert "累计数只增不减" in down["detail"]
    assert "amount" in down["fields"]
    gap = post(api_owner, url, {"period": "2026-10", "amount": 1, "entered_as": "monthly"})
    assert "2026 年 9 月 尚未填报" in error_of(gap, 400, "invalid")["detail"]
    jump = post(api_owner, url, {"period": "2026-09", "amount": 50000})
    error_of(jump, 400, "needs_confirmation")
    error_of(post(api_owner, url, {"period": "2026-9", "amount": 1}), 422, "invalid_request")
    error_of(post(api_owner, url, {"period": "2026-09", "amount": -1}), 422, "invalid_request")
    error_of(post(api_official, url, {"period": "2026-09", "amount": 600}), 403, "forbidden")
    error_of(plan(api_owner, project), 403, "forbidden")
    assert InvestmentReport.objects.count() == 1


def test_returning_needs_a_reason_and_a_stale_version_is_a_conflict(
    project: Any, api_owner: TokenClient, api_lead: TokenClient
) -> None:
    url = f"/api/v1/projects/{project.pk}/investment/reports"
    report = post(api_owner, url, {"period": "2026-03", "amount": 300}).json()
    error_of(post(api_owner, url, {"period": "2026-03", "amount": 310}), 409, "conflict")
    back = f"/api/v1/investment-reports/{report['id']}/return"
    error_of(post(api_lead, back, {"reason": ""}), 422, "invalid_request")
    returned = post(api_lead, back, {"reason": "请附统计报表", "expected_version": 1})
    assert returned.json()["state"] == "returned"


def test_funding_is_set_by_leads_and_read_by_everyone(
    project: Any, api_lead: TokenClient, api_official: TokenClient
) -> None:
    url = f"/api/v1/projects/{project.pk}/investment/funding"
    body = {"source": "ultra-long-bonds", "planned": 2, "arrived": 0.5, "unit": "yi"}
    assert api_lead.post(url, body, content_type="application/json").status_code == 200
    unknown = api_lead.post(url, {**body, "source": "lottery"}, content_type="application/json")
    assert "不存在" in error_of(unknown, 400, "invalid")["detail"]
    funding = api_official.get(f"/api/v1/projects/{project.pk}/investment").json()["funding"]
    assert funding == [
        {
            "source": "ultra-long-bonds",
            "name": "超长期特别国债",
            "planned_yuan": "200000000.00",
            "arrived_yuan": "50000000.00",
            "version": 1,  # sent back as expected_version to change it
        }
    ]
    assert Decimal(funding[0]["arrived_yuan"]) / Decimal(funding[0]["planned_yuan"]) == Decimal(
        "0.25"
    )


def test_an_unknown_project_is_404(api_official: TokenClient) -> None:
    error_of(api_official.get("/api/v1/projects/999999/investment"), 404, "not_found")
