"""/briefings/: every role lists and downloads; leads and admins generate; anyone opts in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from policy.briefings.models import Briefing, BriefingStatus, BriefingSubscription
from policy.briefings.services import briefing_request
from tests.conftest import client_for, work_callbacks

PDF = b"%PDF-1.7 archived briefing\n"


@pytest.fixture
def archived(db: Any, private_media: Path) -> Briefing:
    briefing = briefing_request(kind="monthly", period="2026-09", enqueue=False)
    briefing.file.save("2026-09-zh-hans-abc.pdf", ContentFile(PDF), save=False)
    Briefing.objects.filter(pk=briefing.pk).update(
        file=briefing.file.name, status=BriefingStatus.READY, page_count=11
    )
    return Briefing.objects.get(pk=briefing.pk)


@pytest.fixture
def failed(db: Any) -> Briefing:
    briefing = briefing_request(kind="weekly", period="2026-W40", enqueue=False)
    Briefing.objects.filter(pk=briefing.pk).update(
        status=BriefingStatus.FAILED, error="图表导出失败：找不到浏览器 /x"
    )
    return briefing


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["official", "owner", "lead", "admin_user"])
def test_every_role_sees_the_archive_and_downloads(
    role: str, request: pytest.FixtureRequest, archived: Briefing, failed: Briefing
) -> None:
    client = client_for(request.getfixturevalue(role))
    body = client.get("/briefings/").content.decode()
    assert "简报存档" in body
    assert "2026-09" in body
    assert "已生成" in body
    assert "图表导出失败：找不到浏览器 /x" in body  # a failure shows its reason
    assert f"/briefings/{archived.pk}/download/" in body
    response = client.get(f"/briefings/{archived.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "4plus1-briefing-monthly-2026-09-zh-hans.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_briefing_without_a_pdf_is_not_found(official_client: Client, failed: Briefing) -> None:
    assert official_client.get(f"/briefings/{failed.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_a_pdf_missing_from_storage_is_not_found(
    official_client: Client, archived: Briefing
) -> None:
    Path(archived.file.path).unlink()
    assert official_client.get(f"/briefings/{archived.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_outsiders_and_anonymous_users_get_nothing(outsider: Any, archived: Briefing) -> None:
    assert Client().get("/briefings/").status_code == 302
    assert Client().get(f"/briefings/{archived.pk}/download/").status_code == 302
    client = client_for(outsider)
    assert client.get("/briefings/").status_code == 403
    assert client.get(f"/briefings/{archived.pk}/download/").status_code == 403


@pytest.mark.django_db
def test_the_generate_button_is_only_for_leads_and_admins(
    official_client: Client, owner_client: Client, lead_client: Client
) -> None:
    assert "生成简报" not in official_client.get("/briefings/").content.decode()
    assert "生成简报" in lead_client.get("/briefings/").content.decode()
    for client in (official_client, owner_client):
        response = client.post("/briefings/generate/", {"kind": "monthly", "language": "zh-hans"})
        assert response.status_code == 403
    assert not Briefing.objects.exists()


@pytest.mark.django_db
def test_a_lead_queues_a_briefing_for_the_last_month_by_default(
    lead_client: Client, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = lead_client.post(
            "/briefings/generate/", {"kind": "monthly", "period": "", "language": "en"}
        )
    assert response.status_code == 302
    assert len(work_callbacks(callbacks)) == 1  # the generation task, enqueued after commit
    briefing = Briefing.objects.get()
    assert (briefing.kind, briefing.language, briefing.requested_by) == ("monthly", "en", lead)
    assert briefing.status == BriefingStatus.PENDING
    assert "已提交生成" in lead_client.get("/briefings/").content.decode()


@pytest.mark.django_db
def test_a_bad_period_is_shown_next_to_the_field(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/briefings/generate/", {"kind": "weekly", "period": "2026-10", "language": "zh-hans"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "期间“2026-10”无法识别：周报应写作 2026-W47。" in body
    assert not Briefing.objects.exists()


@pytest.mark.django_db
def test_a_future_period_is_refused_with_its_reason(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/briefings/generate/", {"kind": "monthly", "period": "2099-01", "language": "zh-hans"}
    )
    assert response.status_code == 200
    assert "期间 2099-01 尚未开始" in response.content.decode()


@pytest.mark.django_db
def test_any_role_opts_in_to_emailed_briefings(official_client: Client, official: Any) -> None:
    response = official_client.post("/briefings/subscription/", {"weekly": "on", "language": "en"})
    assert response.status_code == 302
    sub = BriefingSubscription.objects.get(user=official)
    assert (sub.weekly, sub.monthly, sub.language) == (True, False, "en")
    body = official_client.get("/briefings/").content.decode()
    assert re.search(r'name="weekly"[^>]*checked', body)
    assert not re.search(r'name="monthly"[^>]*checked', body)


@pytest.mark.django_db
def test_the_archive_page_in_english(official_client: Client, archived: Briefing) -> None:
    official_client.post("/i18n/setlang/", {"language": "en", "next": "/briefings/"})
    body = official_client.get("/briefings/").content.decode()
    assert "Briefing archive" in body
    assert "Monthly" in body
    assert "Ready" in body
    assert "Download PDF" in body
