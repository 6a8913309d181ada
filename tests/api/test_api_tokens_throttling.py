"""Bearer tokens: guessing is slowed to a stop, writes are rate-limited, tokens expire, and a
read-only token never writes."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from policy.models import ApiToken
from policy.services.api_tokens import api_token_create

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _bearer(plaintext: str, address: str = "127.0.0.1") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}", REMOTE_ADDR=address)


def test_after_ten_bad_tokens_the_address_is_answered_429_even_with_a_good_one(
    official: Any,
) -> None:
    _, good = api_token_create(user=official, name="good")
    for i in range(10):
        assert _bearer(f"fpo_guess{i}").get(f"{API}/initiatives").status_code == 401

    refused = _bearer(good).get(f"{API}/initiatives")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled"
    assert "请求过于频繁" in body["detail"]
    assert 0 < int(refused["Retry-After"]) <= 61
    # Another address is not affected, and the window passes.
    assert _bearer(good, "10.9.9.9").get(f"{API}/initiatives").status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)):
        assert _bearer(good).get(f"{API}/initiatives").status_code == 200


def test_a_hundred_bad_tokens_are_not_all_checked(official: Any, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        statuses = [
            _bearer(f"fpo_guess{i}").get(f"{API}/initiatives").status_code for i in range(100)
        ]
    assert statuses.count(401) == 10
    assert statuses.count(429) == 90


def test_writes_are_limited_per_user(settings: Any, lead: Any, milestone: Any) -> None:
    settings.API_THROTTLE_WRITES = "3/m"
    _, token = api_token_create(user=lead, name="lead")
    client = _bearer(token)
    statuses = [
        client.post(
            f"{API}/milestones/{milestone.pk}/progress",
            {"expected_version": 999, "status": "in_progress", "percent_complete": 50},
            content_type="application/json",
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [409, 409, 409, 429]
    assert client.get(f"{API}/milestones/{milestone.pk}").status_code == 200  # reads are not


def test_an_expired_token_is_refused(official: Any) -> None:
    _, token = api_token_create(
        user=official, name="short", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert _bearer(token).get(f"{API}/initiatives").status_code == 200
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        response = _bearer(token).get(f"{API}/initiatives")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_read_only_token_reads_but_never_writes(lead: Any, milestone: Any) -> None:
    _, token = api_token_create(user=lead, name="dashboard", read_only=True)
    client = _bearer(token)
    assert client.get(f"{API}/milestones/{milestone.pk}").status_code == 200

    response = client.post(
        f"{API}/milestones/{milestone.pk}/progress",
        {"expected_version": milestone.version, "status": "in_progress", "percent_complete": 90},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert "只读" in response.json()["detail"]
    milestone.refresh_from_db()
    assert milestone.percent_complete == 40


def test_create_api_token_takes_an_expiry_and_read_only(official: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", "official", "--days", "30", "--read-only", stdout=out, stderr=err
    )
    token = ApiToken.objects.get()
    assert token.read_only
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert "只读" in err.getvalue()
    assert out.getvalue().strip().startswith("fpo_")

    call_command("create_api_token", "official", "--no-expiry", stdout=out, stderr=err)
    assert ApiToken.objects.filter(expires_at__isnull=True, read_only=False).count() == 1
    call_command("create_api_token", "official", stdout=out, stderr=err)  # the default: a year
    newest = ApiToken.objects.order_by("-pk").first()
    assert newest is not None
    assert newest.expires_at is not None
    assert newest.expires_at - timezone.now() > dt.timedelta(days=364)


def test_the_admin_creates_a_read_only_token_with_an_expiry(
    admin_client_: Client, official
) -> None:
    add = admin_client_.get("/admin/policy/apitoken/add/")
    assert "有效期至" in add.content.decode()
    assert "只读" in add.content.decode()
    response = admin_client_.post(
        "/admin/policy/apitoken/add/",
        {
            "user": official.pk,
            "name": "统计局对接",
            "read_only": "on",
            "expires_at_0": "2030-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.read_only
    assert timezone.localtime(token.expires_at).date() == dt.date(2030, 1, 1)
