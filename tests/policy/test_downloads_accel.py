"""Private files: the app checks the role, then nginx sends the bytes (X-Accel-Redirect) when
X_ACCEL_REDIRECT_PREFIX is set; without it the app streams them itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from policy.briefings.models import Briefing
from policy.models import Evidence
from tests.api.conftest import TokenClient
from tests.conftest import client_for
from tests.policy.evidence_files import PDF, upload
from tests.policy.test_milestone_form import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(owner_client: Any, milestone: Any, private_media: Any) -> Evidence:
    post(owner_client, milestone, files=[upload("验收报告.pdf")])
    return Evidence.objects.get()


@pytest.fixture
def briefing(private_media: Any) -> Briefing:
    now = timezone.now()
    row = Briefing.objects.create(
        kind="monthly",
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        status="ready",
        requested_at=now,
    )
    row.file.save("b.pdf", ContentFile(PDF))
    return row


def test_with_a_prefix_nginx_sends_the_evidence_after_the_role_check(
    evidence: Evidence, official: Any, outsider: Any, settings: Any
) -> None:
    settings.X_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = client_for(official).get(f"/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{evidence.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "%E9%AA%8C%E6%94%B6%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(outsider).get(f"/evidence/{evidence.pk}/").status_code == 404


def test_without_a_prefix_the_app_streams_the_file(evidence: Evidence, official: Any) -> None:
    response = client_for(official).get(f"/evidence/{evidence.pk}/")
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_briefing_pdfs_go_through_nginx_too_page_and_api(
    briefing: Briefing, official: Any, settings: Any
) -> None:
    settings.X_ACCEL_REDIRECT_PREFIX = "/protected"
    page = client_for(official).get(f"/briefings/{briefing.pk}/download/")
    api = TokenClient(official).get(f"/api/v1/briefings/{briefing.pk}/pdf")
    for response in (page, api):
        assert response.status_code == 200
        assert response["X-Accel-Redirect"] == f"/protected/{briefing.file.name}"
        assert response["Content-Type"] == "application/pdf"


def test_a_file_gone_from_disk_is_a_404_either_way(
    briefing: Briefing, official: Any, settings: Any
) -> None:
    briefing.file.storage.delete(briefing.file.name)
    assert client_for(official).get(f"/briefings/{briefing.pk}/download/").status_code == 404
    settings.X_ACCEL_REDIRECT_PREFIX = "/protected/"
    assert client_for(official).get(f"/briefings/{briefing.pk}/download/").status_code == 404
