"""GET /api/v1/notifications (unread first) and POST /api/v1/notifications/read: one's own
notifications only, in the API's one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from policy.notifications.models import Notification, NotificationKind
from policy.notifications.services import notification_send
from tests.api.conftest import TokenClient
from tests.api.test_api_permission_matrix import assert_error

pytestmark = pytest.mark.django_db


def _send(user: Any, title: str) -> Notification:
    return notification_send(recipients=[user], kind=NotificationKind.APPROVED, title=title)[0]


@pytest.fixture
def inbox(owner: Any, lead: Any) -> dict[str, Notification]:
    first = _send(owner, "第一条")
    read = _send(owner, "已读的")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    latest = _send(owner, "最新")
    _send(lead, "牵头部门的")
    return {"first": first, "read": read, "latest": latest}


def test_lists_own_notifications_unread_first(owner: Any, inbox: dict[str, Notification]) -> None:
    body = TokenClient(owner).get("/api/v1/notifications").json()
    assert body["count"] == 3
    assert body["unread"] == 2
    assert [n["title"] for n in body["items"]] == ["最新", "第一条", "已读的"]
    assert body["items"][0]["read_at"] is None
    assert body["items"][0]["kind"] == "approved"
    assert body["items"][2]["read_at"] is not None


def test_unread_filter_and_paging(owner: Any, inbox: dict[str, Notification]) -> None:
    client = TokenClient(owner)
    body = client.get("/api/v1/notifications?unread=true&page_size=1").json()
    assert body["count"] == 2
    assert [n["title"] for n in body["items"]] == ["最新"]
    assert (
        client.get("/api/v1/notifications?page=2&page_size=1&unread=true").json()["items"][0][
            "title"
        ]
        == "第一条"
    )


def test_mark_some_then_all_read(owner: Any, lead: Any, inbox: dict[str, Notification]) -> None:
    client = TokenClient(owner)
    response = client.post(
        "/api/v1/notifications/read",
        {"ids": [inbox["first"].pk, inbox["read"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    response = client.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}
    # The lead's notification was not touched.
    assert Notification.objects.get(recipient=lead).read_at is None


def test_someone_elses_ids_are_not_marked(owner: Any, lead: Any) -> None:
    theirs = _send(lead, "不是你的")
    response = TokenClient(owner).post(
        "/api/v1/notifications/read", {"ids": [theirs.pk]}, content_type="application/json"
    )
    assert response.json() == {"marked": 0, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_errors_have_the_one_shape(client: Any, owner: Any, outsider: Any) -> None:
    assert_error(client.get("/api/v1/notifications"), 401, "unauthenticated")
    assert_error(TokenClient(outsider).get("/api/v1/notifications"), 403)
    body = assert_error(
        TokenClient(owner).post(
            "/api/v1/notifications/read", {"ids": "all"}, content_type="application/json"
        ),
        422,
        "invalid_request",
    )
    assert "ids" in body["fields"]
    assert_error(
        TokenClient(owner).post(
            "/api/v1/notifications/read", {"every": True}, content_type="application/json"
        ),
        422,
    )
