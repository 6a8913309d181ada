"""Reads of indicators for pages, charts, briefings and the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from policy.permissions import user_scope

from .models import Category, Indicator


@dataclass
class CategoryGroup:
    code: str
    label: str
    indicators: list[Indicator]


def indicator_catalogue(user: Any) -> list[CategoryGroup]:
    """Indicators by category with observation counts and latest period. One query."""
    if not user_scope(user).can_read:
        return []
    rows = Indicator.objects.annotate(
        n_obs=Count("observations"), latest_period=Max("observations__period_start")
    )
    groups: dict[str, list[Indicator]] = defaultdict(list)
    for indicator in rows:
        groups[indicator.category].append(indicator)
    return [
        CategoryGroup(c.value, str(c.label), groups[c.value]) for c in Category if groups[c.value]
    ]
