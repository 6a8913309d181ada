"""Units as people read them: the Chinese units KPIs and indicators are entered in, in English.

Units are stored as entered (元/度, 亿美元); pages show them through the ``unit`` filter, which
gives the English form in English and leaves any unit not listed here as it is.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from .i18n import english

KNOWN_UNITS = frozenset(
    {
        gettext_noop("家"),
        gettext_noop("名"),
        gettext_noop("个"),
        gettext_noop("度"),
        gettext_noop("元/度"),
        gettext_noop("亿美元"),
        gettext_noop("亿元"),
        gettext_noop("万元"),
        gettext_noop("元/(P·月)"),
        gettext_noop("元"),
        gettext_noop("万人"),
        gettext_noop("项"),
    }
)


def display_unit(unit: str | None) -> str:
    """The unit in the active language (as stored when it is not a known Chinese unit)."""
    if not unit:
        return ""
    return gettext(unit) if english() and unit in KNOWN_UNITS else unit
