"""Formatting for the PDF briefing template (changes carry their sign)."""

from __future__ import annotations

from django import template

from ...formatting import number

register = template.Library()


@register.filter
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
