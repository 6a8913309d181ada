"""403 and 404 are pages of the app, in the reader's language, not Django's bare English."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client


@pytest.mark.django_db
def test_an_official_opening_my_work_gets_a_chinese_page_that_says_why(
    official_client: Client,
) -> None:
    response = official_client.get("/work/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body
    assert "“我的工作”面向项目负责人和牵头部门。" in body  # the view's own reason
    assert 'href="/"' in body
    assert "403 Forbidden" not in body


@pytest.mark.django_db
def test_a_missing_page_is_a_404_with_a_way_back(official_client: Client) -> None:
    response = official_client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert "/search/" in body
    assert "Not Found" not in body


@pytest.mark.django_db
def test_the_error_pages_speak_english_when_chosen(official: Any) -> None:
    client = Client()
    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Page not found" in client.get("/no-such-page/").content.decode()
    assert "Access denied" in client.get("/work/").content.decode()
