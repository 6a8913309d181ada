"""Figures as people read them: thousands separators, 万元/亿元 (million/billion yuan in English).

Plain functions shared by the template filters (`policy_tags`), the chart builders and the PDF
briefing, so a figure reads the same on a page, in a chart's hover text and in print.
"""

from __future__ import annotations

from decimal import Decimal

from .i18n import english


def yuan(value: Decimal | float | int | None) -> str:
    """An amount in yuan as 万元 or 亿元; in English as million or billion yuan."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)

    def fmt(number: Decimal, places: int) -> str:
        return f"{number:,.{places}f}".rstrip("0").rstrip(".")

    if english():
        if abs(amount) >= Decimal("1000000000"):
            return f"{fmt(amount / Decimal('1000000000'), 2)} billion yuan"
        return f"{fmt(amount / Decimal('1000000'), 1)} million yuan"
    if abs(amount) >= Decimal("100000000"):
        return f"{fmt(amount / Decimal('100000000'), 2)}亿元"
    return f"{fmt(amount / Decimal('10000'), 1)}万元"


def number(value: Decimal | float | int | None, decimals: int | str | None = 1) -> str:
    """A figure with thousands separators and trailing zeros removed.

    `decimals` may come from an object that lacks it (a template then passes ""): one
    decimal place is used.
    """
    if value is None or value == "":
        return "—"
    places = int(decimals) if decimals not in (None, "") else 1
    text = f"{float(value):,.{places}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # -0.001 rounds to "0", not "-0"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: float | str | None, decimals: int | str | None = 1) -> str:
    """A change with its sign: "+1,200", "−3.5" (a true minus sign), "0"; "—" when unknown.

    A template passes "" for a value the object lacks.
    """
    if value is None or value == "":
        return "—"
    text = number(abs(float(value)), decimals)
    if text.strip("0.,") == "":
        return text
    return ("+" if float(value) > 0 else "−") + text


def percent(fraction: float | str | None, decimals: int | str | None = 0) -> str:
    """A fraction as a percentage: 0.305 → "31%"; "—" when unknown (a template passes "")."""
    if fraction is None or fraction == "":
        return "—"
    return f"{number(float(fraction) * 100, decimals)}%"
