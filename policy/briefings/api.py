"""Briefings: the archive's metadata and the PDF itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from ninja import Field, Query, Router, Schema

from ..api.errors import ONE_ERRORS, READ_ERRORS
from ..api.pagination import PageIn, page_of
from ..types import ApiRequest
from .downloads import briefing_pdf_response
from .models import Briefing, BriefingKind, BriefingLanguage, BriefingStatus
from .selectors import briefing_get, briefing_list

router = Router(tags=["briefings"])


class BriefingOut(Schema):
    id: int
    kind: BriefingKind
    period: str
    period_start: dt.date
    period_end: dt.date
    language: BriefingLanguage
    status: BriefingStatus
    page_count: int | None
    size_bytes: int | None
    generated_at: dt.datetime | None
    summary: dict[str, Any] = Field(description="简报所用数据的摘要")
    error: str
    pdf_available: bool


class BriefingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BriefingOut]


class BriefingFilter(Schema):
    kind: BriefingKind | None = None
    language: BriefingLanguage | None = None


def _out(b: Briefing) -> dict[str, Any]:
    return {
        "id": b.pk,
        "kind": b.kind,
        "period": b.period,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "language": b.language,
        "status": b.status,
        "page_count": b.page_count,
        "size_bytes": b.size_bytes,
        "generated_at": b.generated_at,
        "summary": b.summary or {},
        "error": b.error,
        "pdf_available": bool(b.file),
    }


def _archive(request: ApiRequest) -> QuerySet[Briefing]:
    return briefing_list(request.auth).order_by("-period_end", "kind", "language", "-pk")


@router.get(
    "/briefings",
    response={200: BriefingPage, **READ_ERRORS},
    operation_id="list_briefings",
    summary="简报归档（周报、月报、临时）",
)
def list_briefings(
    request: ApiRequest, filters: Query[BriefingFilter], page: Query[PageIn]
) -> dict[str, Any]:
    qs = _archive(request)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.language:
        qs = qs.filter(language=filters.language)
    result = page_of(qs, page)
    result["items"] = [_out(b) for b in result["items"]]
    return result


@router.get(
    "/briefings/{int:briefing_id}",
    response={200: BriefingOut, **ONE_ERRORS},
    operation_id="get_briefing",
    summary="一份简报的元数据",
)
def get_briefing(request: ApiRequest, briefing_id: int) -> dict[str, Any]:
    return _out(briefing_get(request.auth, briefing_id))


@router.get(
    "/briefings/{int:briefing_id}/pdf",
    response={200: str, **ONE_ERRORS},
    operation_id="download_briefing_pdf",
    summary="下载简报 PDF（尚未生成时为 404）",
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_briefing_pdf(request: ApiRequest, briefing_id: int) -> HttpResponseBase:
    return briefing_pdf_response(briefing_get(request.auth, briefing_id))
