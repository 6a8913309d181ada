"""Cell values as publishers write them: codes, labels and numbers, one value at a time.

These are the exact rules; ``indicators.connectors.frame`` applies them to whole columns (on
each distinct value, or through an equivalent vectorised fast path for plain numbers).
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata

from django.utils.translation import gettext as _

from indicators.exceptions import ConnectorError

# Compared after NFKC and upper-casing. ".." is the World Bank / UN marker, ":" Eurostat's,
# "-" and "—" the usual marks in Chinese statistical yearbooks.
MISSING_MARKERS = frozenset(
    {"", ".", "..", "...", "…", "-", "--", "—", "–", "NA", "N/A", "NAN", "NULL", "NONE", ":"}
)

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_EXCEL_TEXT = re.compile(r'="(.*)"')  # Excel's ="510000" trick that keeps leading zeros


def located(where: str, error: ConnectorError) -> ConnectorError:
    """Prefix an error with the place it happened ("row 7, column "数值": ...")."""
    return ConnectorError(
        _("%(where)s：%(problem)s") % {"where": where, "problem": error.message},
        fields={"locator": where},
    )


def cell_text(raw: object) -> str:
    """A code or label cell as clean text: 510000.0 -> "510000", ="0101" -> "0101"."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime | datetime.date):
        return raw.isoformat()
    text = str(raw).strip()
    match = _EXCEL_TEXT.fullmatch(text)
    return match.group(1).strip() if match else text


def code_text(raw: object) -> str:
    """Like ``cell_text`` but also folds full-width characters, for codes only (not labels)."""
    return unicodedata.normalize("NFKC", cell_text(raw)).strip()


def parse_number(raw: object, decimal: str = ".") -> float | None:
    """Return the value as a finite float, or ``None`` when the publisher marked it missing.

    Understands thousands separators ("5,500", "5 500"), full-width digits ("１２３"), a
    trailing percent sign ("53%" -> 53.0: the indicator's unit is then "%") and text-formatted
    numbers ('5500, ="5500"). Raises ``ConnectorError`` for anything else.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ConnectorError(_("“%(text)s”不是数字。") % {"text": raw})
    if isinstance(raw, int | float):
        return _finite(float(raw), raw)
    text = unicodedata.normalize("NFKC", cell_text(raw)).lstrip("'").strip()
    if text.upper() in MISSING_MARKERS:
        return None
    digits = text.removesuffix("%").strip()
    thousands = "." if decimal == "," else ","
    digits = re.sub(r"\s", "", digits).replace(thousands, "").replace(decimal, ".")
    if not _NUMBER.fullmatch(digits):
        raise ConnectorError(
            _("“%(text)s”不是数字。请改正该值；如果发布方没有这个数，请留空（或填“..”“-”）。")
            % {"text": raw}
        )
    return _finite(float(digits), raw)


def _finite(value: float, raw: object) -> float | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise ConnectorError(_("“%(text)s”不是有限数值。") % {"text": raw})
    return value
