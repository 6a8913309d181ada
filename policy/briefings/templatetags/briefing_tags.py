"""Formatting for the PDF briefing template (changes carry their sign)."""

from __future__ import annotations

from django import template

from ...formatting import signed

register = template.Library()


register.filter(signed)
