"""Explicit page schemas with a hard cap on page size (100)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema

MAX_PAGE_SIZE = 100


class PageIn(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="页码，从 1 开始")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多 100")


def page_of(items: QuerySet[Any] | Sequence[Any], page: PageIn) -> dict[str, Any]:
    """Slice one page; `count` is the total. A page past the end is empty, not an error."""
    start = (page.page - 1) * page.page_size
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {
        "count": count,
        "page": page.page,
        "page_size": page.page_size,
        "items": list(items[start : start + page.page_size]),
    }
