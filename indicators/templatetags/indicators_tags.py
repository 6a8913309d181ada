"""Formatting for indicator pages: ages, values with their decimals, stale badges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def age(value: dt.timedelta | None) -> str:
    """A time span in the largest sensible unit: "3 天", "5 小时", "刚刚"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    if seconds >= 86400:
        days = seconds // 86400
        return ngettext("%(n)s 天", "%(n)s 天", days) % {"n": days}
    if seconds >= 3600:
        hours = seconds // 3600
        return ngettext("%(n)s 小时", "%(n)s 小时", hours) % {"n": hours}
    if seconds >= 60:
        minutes = seconds // 60
        return ngettext("%(n)s 分钟", "%(n)s 分钟", minutes) % {"n": minutes}
    return _("刚刚")


@register.filter
def figure(value: float | None, decimals: int = 1) -> str:
    """A value with the indicator's decimals and thousands separators."""
    if value is None:
        return "—"
    return f"{float(value):,.{int(decimals)}f}"


@register.simple_tag
def stale_badge(stale: bool) -> str:
    """A visible "过期" badge (words, not only colour) when the figure's source is stale."""
    if not stale:
        return ""
    return format_html(
        '<span class="stale-badge" title="{}">{}</span>',
        _("来源的最近一次成功采集早于其预期更新间隔"),
        _("已过期"),
    )


@register.simple_tag
def doubt_badge(text: str) -> str:
    """A visible "存疑" badge with the rule's comparison, when a quality rule flagged the value."""
    if not text:
        return ""
    return format_html(
        '<span class="doubt-badge" title="{}">{}</span><span class="doubt-text">{}</span>',
        text,
        _("存疑"),
        text,
    )


@register.simple_tag
def run_progress_of(progress: dict[int, Any], run_id: int) -> Any:
    """The published progress of one run (``{% run_progress_of progress run.pk as p %}``)."""
    return progress.get(run_id)
