"""System checks: configuration mistakes surface at startup, not at the first request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def settings_check(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.TIME_ZONE != "Asia/Shanghai":
        problems.append(
            Warning(
                "TIME_ZONE is not Asia/Shanghai; due dates would shift by a day.", id="policy.W001"
            )
        )
    if settings.LANGUAGE_CODE != "zh-hans":
        problems.append(
            Warning("LANGUAGE_CODE should be zh-hans (Chinese first).", id="policy.W002")
        )
    if settings.STATUS_AMBER_MAX_KPI_SHORTFALL < 0 or settings.STATUS_AMBER_MAX_OVERDUE_DAYS < 0:
        problems.append(Error("STATUS_AMBER_* thresholds must not be negative.", id="policy.E001"))
    return problems
