"""The signed-in person's notifications: read the inbox (unread first) and mark items read.

Everyone reads and marks only their own notifications; the API's authentication already
refused anyone without a role (403), like every other operation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, ConfigDict

from ..api.errors import READ_ERRORS, WRITE_ERRORS
from ..api.pagination import PageIn, page_of
from ..types import ApiRequest
from .models import Notification, NotificationKind
from .selectors import notification_inbox
from .services import notifications_mark_read, unread_count

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: NotificationKind = Field(description="类型")
    title: str
    body: str
    link: str = Field(description="站内相对地址；为空表示没有链接")
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(description="已读时间；未读为空")


class NotificationPage(Schema):
    count: int
    unread: int = Field(description="未读总数")
    page: int
    page_size: int
    items: list[NotificationOut]


class NotificationFilter(Schema):
    unread: bool = Field(False, description="true：只列未读")


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("an id is an integer, not true/false")
    return value


class MarkReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # A JSON true/false is not an id (lax mode would read it as 1/0); 133.0 is (JSON Schema).
    # Ids that name no notification of the caller's (0, -1, huge) simply mark nothing.
    ids: list[Annotated[int, BeforeValidator(_not_a_bool)]] | None = Field(
        None, description="要标为已读的通知 id；不填则全部标为已读"
    )


class MarkReadOut(Schema):
    marked: int = Field(description="本次标为已读的条数（已读的不再计）")
    unread: int = Field(description="剩余未读总数")


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.display_title,
        "body": n.display_body,
        "link": n.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, **READ_ERRORS},
    operation_id="list_notifications",
    summary="我的通知：未读在前，其次按时间倒序",
)
def list_notifications(
    request: ApiRequest, filters: Query[NotificationFilter], page: Query[PageIn]
) -> dict[str, Any]:
    result = page_of(notification_inbox(request.auth, unread_only=filters.unread), page)
    result["items"] = [_out(n) for n in result["items"]]
    # Counted here rather than from the navigation's cache: one query, whatever is cached.
    result["unread"] = Notification.objects.filter(
        recipient=request.auth, read_at__isnull=True
    ).count()
    return result


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **WRITE_ERRORS},
    operation_id="mark_notifications_read",
    summary="把我的通知标为已读（指定 id，或全部）",
)
def mark_notifications_read(request: ApiRequest, payload: MarkReadIn) -> dict[str, Any]:
    marked = notifications_mark_read(user=request.auth, ids=payload.ids)
    return {"marked": marked, "unread": unread_count(request.auth)}
