"""Login, the overview in Chinese (and English), and navigation by role."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD, work_callbacks


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_login_page_is_chinese_by_default() -> None:
    response = Client().get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "登录" in body
    assert "用户名" in body


@pytest.mark.django_db
def test_official_logs_in_and_sees_the_five_initiatives_in_chinese(official) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "official", "password": PASSWORD})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    for name in [
        "国产推理算力大后方",
        "华为曙光大后方",
        "近存计算大后方",
        "算电协同大后方",
        "政务大模型",
    ]:
        assert name in body
    assert "我的工作" not in body
    assert "管理后台" not in body


@pytest.mark.django_db
def test_project_counts_and_status_are_shown(official_client) -> None:
    call_command("seed_demo", "--password", "x-test-pw-1", stdout=None)
    body = official_client.get("/").content.decode()
    assert body.count('class="project-count"') == 5
    assert 'class="rag rag-' in body


@pytest.mark.django_db
def test_english_is_available(official_client) -> None:
    official_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = official_client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Domestic inference-compute rear base" in body


@pytest.mark.django_db
def test_user_without_role_is_refused(outsider) -> None:
    client = Client()
    client.force_login(outsider)
    assert client.get("/").status_code == 403


@pytest.mark.django_db
def test_the_system_page_enqueues_only_after_commit(
    admin_user, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/system/")
    assert response.status_code == 302
    assert len(work_callbacks(callbacks)) == 1


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(official_client) -> None:
    body = official_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body
    assert "国产推理算力大后方" in body


@pytest.mark.django_db
def test_english_status_sentences_are_translated(official_client) -> None:
    call_command("seed_demo", "--password", "x-test-pw-1", stdout=None)
    official_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = official_client.get("/").content.decode()
    assert "project(s) red" in body or "project(s) amber" in body
    assert "Sign out" in body
