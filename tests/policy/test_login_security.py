"""Sign-in: wrong passwords lock the user name at that address (both login paths), sessions end
with the browser and after 8 hours, passwords can be changed, pages carry a strict CSP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from policy.security import client_ip
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ["/accounts/login/", "/admin/login/"]


def _try(client: Client, path: str, password: str, **extra: Any) -> Any:
    return client.post(path, {"username": "admin", "password": password, "next": "/"}, **extra)


@pytest.fixture
def admin(db: Any) -> Any:
    return make_user("admin", "admin", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_when_to_retry(
    admin: Any, path: str
) -> None:
    client = Client()
    for _ in range(30):
        _try(client, path, "wrong-password")

    response = _try(client, path, PASSWORD)

    assert response.status_code == 429
    body = response.content.decode()
    assert "登录已暂时锁定" in body
    assert "15 分钟后" in body
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address_and_lifts_after_the_cool_off(admin: Any) -> None:
    locked = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(locked, LOGIN_PATHS[0], "wrong-password")
    assert _try(locked, LOGIN_PATHS[0], PASSWORD).status_code == 429

    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    assert _try(elsewhere, LOGIN_PATHS[0], PASSWORD).status_code == 302

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert _try(locked, LOGIN_PATHS[0], PASSWORD).status_code == 302


def test_a_few_mistakes_do_not_lock_and_a_success_resets_the_count(admin: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, LOGIN_PATHS[0], "wrong-password").status_code == 200
    assert _try(client, LOGIN_PATHS[0], PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, LOGIN_PATHS[0], "wrong-password")
    assert _try(client, LOGIN_PATHS[0], PASSWORD).status_code == 302


def test_scripts_still_check_passwords_without_a_request(admin: Any) -> None:
    assert authenticate(username="admin", password=PASSWORD) == admin


def test_the_client_address_is_taken_from_the_trusted_proxy_hop_only(settings: Any) -> None:
    from django.test import RequestFactory

    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.1.2.3"  # the forged left-most entry is ignored


# --- sessions --------------------------------------------------------------------------------


def test_a_session_ends_with_the_browser_and_after_eight_hours(admin: Any) -> None:
    client = Client()
    response = _try(client, LOGIN_PATHS[0], PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert client.session.get_expiry_age() == 8 * 3600
    assert client.get("/").status_code == 200

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, minutes=1)):
        assert client.get("/").status_code == 302  # back to the login page


def test_expired_sessions_are_cleared_by_a_daily_task(admin: Any) -> None:
    from django.contrib.sessions.models import Session

    from policy.services.system import sessions_clear_task

    client = Client()
    _try(client, LOGIN_PATHS[0], PASSWORD)
    assert Session.objects.count() == 1
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)):
        sessions_clear_task.apply()
    assert Session.objects.count() == 0


def test_a_person_changes_their_password_on_a_chinese_page(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "修改密码" in page.content.decode()
    assert reverse("password_change") in client.get("/").content.decode()  # linked in the header

    refused = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a", "new_password2": "a"},
    )
    assert refused.status_code == 200
    assert "旧密码" in refused.content.decode()

    new = "Tianfu-compute-2026!"
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password(new)


# --- headers ---------------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    # The one measured allowance: empty <style> elements and empty style="" attributes only.
    empty = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    assert directives["style-src"] == f"'self' 'unsafe-hashes' {empty}"
    assert directives["frame-ancestors"] == "'none'"
