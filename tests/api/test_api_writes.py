"""Writes through the API behave like the forms: review flow, history, validation, conflicts.

Plus the two downloads: the series CSV (BOM, Chinese headers) and the briefing PDF.
Every failure is asserted in the one error shape ``{"detail", "code", "fields"}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from indicators.models import Indicator, IngestionRun, Observation, RunStatus, Source
from policy.briefings.models import Briefing
from policy.models import Kpi, KpiValue, Milestone, MilestoneUpdate, Region
from policy.services.common import parse_change_reason
from policy.services.kpis import kpi_value_record
from tests.api.conftest import TokenClient
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the one error shape and return it."""
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == code, body
    assert body["detail"].strip()
    assert isinstance(body["fields"], dict)
    return body


def progress(milestone: Milestone, **changes: Any) -> dict[str, Any]:
    body = {
        "expected_version": milestone.version,
        "status": "in_progress",
        "percent_complete": 70,
        "narrative": "机柜全部上电",
    }
    return {**body, **changes}


@pytest.fixture
def kpi(project: Any) -> Kpi:
    return Kpi.objects.create(
        project=project, code="test-icc-pflops", name_zh="智算规模", unit="P", frequency="A"
    )


# --- Milestones ----------------------------------------------------------------------------


def test_an_owners_progress_waits_for_review_and_is_listed(
    owner: Any, milestone: Milestone
) -> None:
    client = TokenClient(owner)
    response = post(client, f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] is False
    assert body["update"]["state"] == "submitted"
    assert body["update"]["submitted_by"] == "owner"
    assert body["milestone"]["percent_complete"] == 40  # unchanged until a lead approves
    milestone.refresh_from_db()
    assert milestone.percent_complete == 40
    assert milestone.version == 2  # the submission moves the version (no lost update)

    listed = client.get(f"/api/v1/milestone-updates?state=submitted&milestone={milestone.pk}")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [u["id"] for u in items] == [body["update"]["id"]]
    assert items[0]["percent_complete"] == 70
    assert items[0]["narrative"] == "机柜全部上电"
    assert MilestoneUpdate.objects.get(pk=items[0]["id"]).channel == "api"


def test_a_lead_approves_through_the_api_and_history_says_api(
    owner: Any, lead: Any, milestone: Milestone
) -> None:
    submitted = post(
        TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone)
    ).json()
    update_id = submitted["update"]["id"]
    response = post(
        TokenClient(lead), f"/api/v1/milestone-updates/{update_id}/approve", {"note": "同意"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["percent_complete"] == 70
    milestone.refresh_from_db()
    assert (milestone.percent_complete, milestone.narrative) == (70, "机柜全部上电")
    record = milestone.history.order_by("-history_id").first()
    assert parse_change_reason(record.history_change_reason) == ("api", "approved")
    assert record.history_user == lead
    update = MilestoneUpdate.objects.get(pk=update_id)
    assert (update.state, update.reviewed_by, update.review_note) == ("approved", lead, "同意")
    listed = TokenClient(lead).get("/api/v1/milestone-updates?state=approved").json()
    assert [u["id"] for u in listed["items"]] == [update_id]


def test_a_leads_progress_applies_at_once_as_a_direct_api_edit(
    lead: Any, milestone: Milestone
) -> None:
    response = post(
        TokenClient(lead), f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone)
    )
    body = response.json()
    assert body["applied"] is True
    assert body["update"] is None
    assert body["milestone"]["percent_complete"] == 70
    assert body["milestone"]["version"] == milestone.version + 1
    record = Milestone.objects.get(pk=milestone.pk).history.order_by("-history_id").first()
    assert parse_change_reason(record.history_change_reason) == ("api", "direct")


def test_returning_an_update_needs_a_reason(owner: Any, lead: Any, milestone: Milestone) -> None:
    update_id = post(
        TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone)
    ).json()["update"]["id"]
    url = f"/api/v1/milestone-updates/{update_id}/return"
    client = TokenClient(lead)

    missing = error_of(post(client, url, {}), 422, "invalid_request")
    assert "reason" in missing["fields"]
    blank = error_of(post(client, url, {"reason": "   "}), 400, "invalid")
    assert blank["detail"] == "退回时请填写退回原因，方便项目负责人修改。"
    assert blank["fields"] == {"reason": ["请填写退回原因。"]}
    assert MilestoneUpdate.objects.get(pk=update_id).state == "submitted"

    returned = post(client, url, {"reason": "  请补充验收报告  "})
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned"
    assert returned.json()["review_note"] == "请补充验收报告"
    milestone.refresh_from_db()
    assert milestone.percent_complete == 40


def test_invalid_progress_names_the_field_like_the_form(owner: Any, milestone: Milestone) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = progress(milestone, status="done", percent_complete=100, completed_on=tomorrow)
    error = error_of(
        post(TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", body),
        400,
        "invalid",
    )
    assert "completed_on" in error["fields"]
    assert not MilestoneUpdate.objects.exists()


def test_nothing_changed_is_refused_with_a_reason(owner: Any, milestone: Milestone) -> None:
    body = progress(milestone, percent_complete=40, narrative="")
    error = error_of(
        post(TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", body),
        400,
        "invalid",
    )
    assert "没有任何改动" in error["detail"]


def test_a_milestone_conflict_reads_exactly_like_the_forms(
    owner: Any, lead: Any, milestone: Milestone
) -> None:
    seen = milestone.version
    post(TokenClient(owner), f"/api/v1/milestones/{milestone.pk}/progress", progress(milestone))
    stale = progress(milestone, expected_version=seen, percent_complete=90)

    api_error = error_of(
        post(TokenClient(lead), f"/api/v1/milestones/{milestone.pk}/progress", stale),
        409,
        "conflict",
    )
    assert api_error["detail"].startswith("保存被拒绝：您打开页面后，该里程碑已有新的改动")
    assert "owner" in api_error["detail"]
    assert "完成百分比：40% → 70%" in api_error["detail"]
    assert api_error["fields"]["__all__"]

    form = {**stale, "version": seen, "completed_on": ""}
    page = client_for(lead).post(f"/milestones/{milestone.pk}/edit/", form)
    assert page.status_code == 200
    assert api_error["detail"] in html.unescape(page.content.decode())
    milestone.refresh_from_db()
    assert milestone.percent_complete == 40


# --- KPI values ------------------------------------------------------------------------------


def test_an_owners_kpi_value_is_submitted_then_approved_by_the_lead(
    owner: Any, lead: Any, kpi: Kpi
) -> None:
    response = post(
        TokenClient(owner),
        f"/api/v1/kpis/{kpi.pk}/values",
        {"period": "2025", "value": 130.5, "comment": "年度盘点"},
    )
    assert response.status_code == 200, response.content
    row = response.json()
    assert row["state"] == "submitted"
    assert row["approved_value"] is None
    assert Decimal(str(row["value"])) == Decimal("130.5")
    stored = KpiValue.objects.get(pk=row["id"])
    assert stored.value == Decimal("130.5")
    submitted = stored.history.order_by("-history_id").first()
    assert parse_change_reason(submitted.history_change_reason) == ("api", "submitted")

    approved = post(
        TokenClient(lead),
        f"/api/v1/kpi-values/{row['id']}/approve",
        {"expected_version": row["version"]},
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert Decimal(str(approved.json()["approved_value"])) == Decimal("130.5")
    stored.refresh_from_db()
    assert (stored.approved_value, stored.reviewed_by) == (Decimal("130.5"), lead)
    record = stored.history.order_by("-history_id").first()
    assert parse_change_reason(record.history_change_reason) == ("api", "approved")


def test_a_lead_returns_a_kpi_value_with_a_reason(owner: Any, lead: Any, kpi: Kpi) -> None:
    row = post(
        TokenClient(owner), f"/api/v1/kpis/{kpi.pk}/values", {"period": "2025", "value": 130}
    ).json()
    url = f"/api/v1/kpi-values/{row['id']}/return"
    client = TokenClient(lead)
    assert "reason" in error_of(post(client, url, {}), 422, "invalid_request")["fields"]
    blank = error_of(post(client, url, {"reason": " \t "}), 400, "invalid")
    assert blank["fields"] == {"reason": ["请填写退回原因。"]}
    assert KpiValue.objects.get(pk=row["id"]).state == "submitted"

    returned = post(
        client, url, {"reason": "口径与上年不一致", "expected_version": row["version"]}
    )
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned"
    stored = KpiValue.objects.get(pk=row["id"])
    assert (stored.review_note, stored.approved_value) == ("口径与上年不一致", None)


def test_an_owner_may_not_approve_their_own_value(owner: Any, kpi: Kpi) -> None:
    client = TokenClient(owner)
    row = post(client, f"/api/v1/kpis/{kpi.pk}/values", {"period": "2025", "value": 1}).json()
    error = error_of(post(client, f"/api/v1/kpi-values/{row['id']}/approve", {}), 403, "forbidden")
    assert "牵头部门" in error["detail"]
    assert KpiValue.objects.get(pk=row["id"]).state == "submitted"


def test_a_tenfold_jump_needs_confirm_jump(owner: Any, lead: Any, kpi: Kpi) -> None:
    kpi_value_record(actor=lead, kpi_id=kpi.pk, period="2024", value=Decimal("100"))
    url = f"/api/v1/kpis/{kpi.pk}/values"
    client = TokenClient(owner)

    error = error_of(
        post(client, url, {"period": "2025", "value": 1500}), 400, "needs_confirmation"
    )
    assert "十倍" in error["detail"]
    assert "确认" in error["detail"]
    assert error["fields"]["value"] == [error["detail"]]
    assert not KpiValue.objects.filter(kpi=kpi, period="2025").exists()

    confirmed = post(client, url, {"period": "2025", "value": 1500, "confirm_jump": True})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "submitted"


def test_a_kpi_conflict_reads_exactly_like_the_forms(owner: Any, lead: Any, kpi: Kpi) -> None:
    post(TokenClient(owner), f"/api/v1/kpis/{kpi.pk}/values", {"period": "2025", "value": 130})
    before = list(KpiValue.objects.values())
    # The lead opened the form before the owner's value existed (no version seen).
    api_error = error_of(
        post(TokenClient(lead), f"/api/v1/kpis/{kpi.pk}/values", {"period": "2025", "value": 131}),
        409,
        "conflict",
    )
    assert api_error["detail"].startswith("保存被拒绝：您打开页面后该期数值已有改动")
    assert "owner 已填报该期数值 130" in api_error["detail"]
    assert list(KpiValue.objects.values()) == before

    # The form shows the same line (who entered what, in which state) above the fields.
    (line,) = api_error["fields"]["__all__"]
    assert line in api_error["detail"]
    form = {"period": "2025", "value": "131", "comment": "", "version": ""}
    page = client_for(lead).post(f"/kpis/{kpi.pk}/report/", form)
    assert page.status_code == 200
    assert line in html.unescape(page.content.decode())


def test_a_value_for_a_period_not_started_is_refused(owner: Any, kpi: Kpi) -> None:
    next_year = str(timezone.localdate().year + 1)
    error = error_of(
        post(
            TokenClient(owner), f"/api/v1/kpis/{kpi.pk}/values", {"period": next_year, "value": 1}
        ),
        400,
        "invalid",
    )
    assert "period" in error["fields"]


def test_a_session_write_works_with_the_csrf_token(owner: Any, milestone: Milestone) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/api/v1/docs")
    token = client.cookies["csrftoken"].value
    url = f"/api/v1/milestones/{milestone.pk}/progress"
    refused = client.post(url, progress(milestone), content_type="application/json")
    error_of(refused, 403, "csrf_failed")
    accepted = client.post(
        url, progress(milestone), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200
    assert MilestoneUpdate.objects.get().channel == "api"


# --- Downloads -------------------------------------------------------------------------------


@pytest.fixture
def series(db: Any) -> Indicator:
    indicator = Indicator.objects.create(
        code="test-pflops", name_zh="智算规模（测试）", unit="P", category="capacity"
    )
    source = Source.objects.create(code="test-src", name="测试来源", kind="csv")
    now = timezone.now()
    run = IngestionRun.objects.create(
        source=source, status=RunStatus.SUCCEEDED, started_at=now, finished_at=now
    )
    for code, year, value in (
        ("510100", 2023, 80.0),
        ("510100", 2024, 100.0),
        ("510700", 2024, 5.0),
    ):
        Observation.objects.create(
            indicator=indicator,
            area=Region.objects.get(code=code),
            period=str(year),
            period_start=dt.date(year, 1, 1),
            value=value,
            run=run,
        )
    return indicator


def test_the_series_csv_has_a_bom_and_chinese_headers(api_official: Any, series: Any) -> None:
    response = api_official.get("/api/v1/indicators/test-pflops/series.csv?areas=510100")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="test-pflops.csv"' in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["指标代码", "地区代码", "地区", "期间"]
    assert "数值" in rows[0]
    assert [r[3] for r in rows[1:]] == ["2023", "2024"]
    assert {r[2] for r in rows[1:]} == {"成都市"}
    assert rows[1][rows[0].index("来源")] == "test-src"


def test_the_series_json_filters_by_area_and_period(api_official: Any, series: Any) -> None:
    body = api_official.get(
        "/api/v1/indicators/test-pflops/series?period_from=2024-01-01&period_to=2024-12-31"
    ).json()
    assert body["count"] == 2
    assert {p["area"] for p in body["points"]} == {"510100", "510700"}
    assert all(p["source"] == "test-src" for p in body["points"])


def test_a_series_too_long_says_how_to_narrow_it(
    api_official: Any, series: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("indicators.api.SERIES_MAX_POINTS", 2)
    for suffix in ("series", "series.csv"):
        error = error_of(
            api_official.get(f"/api/v1/indicators/test-pflops/{suffix}"), 422, "too_many_points"
        )
        assert "period_from" in error["detail"]


@pytest.fixture
def briefing(db: Any) -> Briefing:
    now = timezone.now()
    return Briefing.objects.create(
        kind="monthly",
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        status="ready",
        requested_at=now,
        generated_at=now,
    )


def test_the_briefing_pdf_downloads_as_pdf(
    api_official: Any, briefing: Briefing, private_media: Any
) -> None:
    briefing.file.save("briefing.pdf", ContentFile(PDF_BYTES))
    meta = api_official.get(f"/api/v1/briefings/{briefing.pk}").json()
    assert meta["pdf_available"] is True
    response = api_official.get(f"/api/v1/briefings/{briefing.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "4plus1-briefing-monthly-2026-10-zh-hans.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_briefing_without_a_pdf_is_404(api_official: Any, briefing: Briefing) -> None:
    assert api_official.get(f"/api/v1/briefings/{briefing.pk}").json()["pdf_available"] is False
    error = error_of(api_official.get(f"/api/v1/briefings/{briefing.pk}/pdf"), 404, "not_found")
    assert error["detail"] == "这份简报还没有 PDF。"


def test_a_briefing_whose_file_is_gone_is_404_with_what_to_do(
    api_official: Any, briefing: Briefing, private_media: Any
) -> None:
    briefing.file.save("briefing.pdf", ContentFile(PDF_BYTES))
    briefing.file.storage.delete(briefing.file.name)
    error = error_of(api_official.get(f"/api/v1/briefings/{briefing.pk}/pdf"), 404, "not_found")
    assert "重新生成" in error["detail"]


# --- The one error shape -------------------------------------------------------------------


def test_every_kind_of_error_has_the_one_shape(
    owner2: Any, official: Any, milestone: Milestone
) -> None:
    from django.test import Client

    url = f"/api/v1/milestones/{milestone.pk}/progress"
    error_of(post(Client(), url, progress(milestone)), 401, "unauthenticated")
    denied = error_of(post(TokenClient(owner2), url, progress(milestone)), 403, "forbidden")
    assert "负责人" in denied["detail"]
    error_of(post(TokenClient(official), url, progress(milestone)), 403, "forbidden")
    error_of(TokenClient(official).get("/api/v1/milestones/987654"), 404, "not_found")
    invalid = error_of(
        TokenClient(official).get("/api/v1/projects?page=0"), 422, "invalid_request"
    )
    assert "page" in invalid["fields"]
    nobody = error_of(TokenClient(_no_role_user()).get("/api/v1/projects"), 403, "forbidden")
    assert "分配角色" in nobody["detail"]


def _no_role_user() -> Any:
    from tests.conftest import make_user

    return make_user("nobody")


def test_errors_follow_the_chosen_language(owner: Any, milestone: Milestone) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    error = error_of(client.get("/api/v1/projects"), 401, "unauthenticated")
    assert error["detail"] == "Sign in or send a valid API token (Authorization: Bearer <token>)."
    english = TokenClient(owner)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    missing = error_of(english.get("/api/v1/briefings/987654/pdf"), 404, "not_found")
    assert missing["detail"] == "No such briefing."


def test_an_initiative_kpi_is_reported_by_its_lead_only(
    owner: Any, lead: Any, other_lead: Any, initiative: Any
) -> None:
    kpi = Kpi.objects.create(
        initiative=initiative, code="test-init-share", name_zh="国产芯片占比", unit="%"
    )
    url = f"/api/v1/kpis/{kpi.pk}/values"
    body = {"period": "2025", "value": 35}
    denied = error_of(post(TokenClient(owner), url, body), 403, "forbidden")
    assert "国产芯片占比" in denied["detail"]
    error_of(post(TokenClient(other_lead), url, body), 403, "forbidden")
    assert not KpiValue.objects.filter(kpi=kpi).exists()
    direct = post(TokenClient(lead), url, body)
    assert direct.status_code == 200
    assert direct.json()["state"] == "approved"
    record = KpiValue.objects.get(kpi=kpi).history.order_by("-history_id").first()
    assert parse_change_reason(record.history_change_reason) == ("api", "direct")


def test_an_automatically_fed_kpi_refuses_manual_values(lead: Any, kpi: Kpi) -> None:
    kpi.indicator = Indicator.objects.create(code="test-fed", name_zh="自动采集", unit="P")
    kpi.save()
    error = error_of(
        post(TokenClient(lead), f"/api/v1/kpis/{kpi.pk}/values", {"period": "2025", "value": 1}),
        400,
        "invalid",
    )
    assert "自动采集" in error["detail"]
