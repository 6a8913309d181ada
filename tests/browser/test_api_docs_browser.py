"""The interactive API docs render from the app's own assets, with no outside request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import browser_login, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_swagger_ui_lists_every_operation_offline(page: Any) -> None:
    make_user("official", "official")
    browser_login(page, "official")
    page.goto(f"{page.live_url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", state="attached")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/projects" in p for p in paths)
    assert page.locator(".opblock").count() >= 8
    page.wait_for_load_state("networkidle")
