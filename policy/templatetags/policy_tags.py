"""Formatting filters: Chinese units (万元/亿元, P), status badges, localized names."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

register = template.Library()

RAG_LABELS = {
    "green": gettext_noop("绿灯"),
    "amber": gettext_noop("黄灯"),
    "red": gettext_noop("红灯"),
    "grey": gettext_noop("无数据"),
}


@register.filter
def display_name(obj: Any, lang: str | None = None) -> str:
    """`obj.display_name(lang)` for models with zh/en names."""
    return obj.display_name(lang or get_language() or "zh-hans")


@register.filter
def yuan(value: Decimal | float | int | None) -> str:
    """Format an amount in yuan as 万元 or 亿元 (English: 10k / 100 million yuan)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    english = (get_language() or "").startswith("en")
    if abs(amount) >= Decimal("100000000"):
        number = f"{amount / Decimal('100000000'):,.2f}".rstrip("0").rstrip(".")
        return f"{number} {'100M yuan' if english else '亿元'}".replace(" 亿", "亿")
    number = f"{amount / Decimal('10000'):,.1f}".rstrip("0").rstrip(".")
    return f"{number} {'10k yuan' if english else '万元'}".replace(" 万", "万")


@register.filter
def number(value: Decimal | float | int | None, decimals: int = 1) -> str:
    """A figure with thousands separators and trailing zeros removed."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):,.{int(decimals)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.simple_tag
def rag_badge(rag: str) -> str:
    """A status badge whose colour is never the only cue: it always carries the word."""
    return format_html('<span class="rag rag-{}">{}</span>', rag, _(RAG_LABELS.get(rag, rag)))


@register.filter
def display_name_title(obj: Any, lang: str | None = None) -> str:
    """`obj.display_title(lang)` for milestones (zh/en titles)."""
    return obj.display_title(lang or get_language() or "zh-hans")
