"""A lead generates a briefing with the button and downloads the PDF, in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy.models import Initiative, Membership, Role
from tests.conftest import browser_login, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_lead_generates_and_downloads_a_briefing(
    page: Any, private_media: Path, tmp_path: Path
) -> None:
    lead = make_user("lead", "lead")
    Membership.objects.create(
        user=lead, role=Role.LEAD, initiative=Initiative.objects.get(code="inference-compute")
    )
    browser_login(page, "lead")
    page.click("nav.site-nav >> text=简报")
    assert page.url.endswith("/briefings/")
    page.select_option("select[name=kind]", "on_demand")
    page.fill("input[name=period]", "")
    page.click(".generate-form [type=submit]")  # eager Celery: generated before the redirect
    page.wait_for_url("**/briefings/")
    assert "已提交生成" in page.locator(".messages").inner_text()
    row = page.locator(".briefing-row").first
    assert row.get_attribute("data-status") == "ready"
    assert "即时简报" in row.inner_text()
    with page.expect_download() as download_info:
        row.locator("a", has_text="下载 PDF").click()
    target = tmp_path / "downloaded.pdf"
    download_info.value.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 50_000  # charts and embedded CJK fonts, not an empty shell
