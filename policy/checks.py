"""System checks: configuration mistakes surface at startup, not at the first request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Info, Warning, register


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
    problems += _plotly_bundle_problems()
    if settings.STATUS_AMBER_MAX_KPI_SHORTFALL < 0 or settings.STATUS_AMBER_MAX_OVERDUE_DAYS < 0:
        problems.append(Error("STATUS_AMBER_* thresholds must not be negative.", id="policy.E001"))
    return problems


def _plotly_bundle_problems() -> list[Any]:
    # Imported when the checks run, not when Django loads this module at start-up.
    from .staticfiles import basic_bundle, basic_bundle_version, plotlyjs_version

    if basic_bundle() is not None:
        return []
    installed = basic_bundle_version()
    why = (
        f"plotly.js-basic-dist-min {installed} is installed, not {plotlyjs_version()}"
        if installed
        else "plotly.js-basic-dist-min is not installed (npm ci --omit=dev)"
    )
    return [
        # Info, not a warning: every chart still draws, only the download is heavier.
        Info(
            f"{why}: pages load the full 4.8 MB plotly.js bundle instead of the partial one.",
            hint="Run `npm ci --omit=dev`; package.json pins the version of the plotly package.",
            id="policy.I001",
        )
    ]
