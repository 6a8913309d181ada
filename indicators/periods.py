"""Normalized reporting periods: "2023", "2023-H1", "2023-Q1", "2023-06", "2023-06-15"."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .exceptions import ConnectorError


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    code: str
    freq: str  # "A", "H", "Q", "M" or "D"

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        if self.freq == "D":
            return self.start
        months = {"A": 12, "H": 6, "Q": 3, "M": 1}[self.freq]
        year, month = divmod(self.start.month - 1 + months, 12)
        return dt.date(self.start.year + year, month + 1, 1) - dt.timedelta(days=1)


_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})年?$"), "A"),
    (re.compile(r"^(\d{4})-?[HhSs]([12])$"), "H"),
    (re.compile(r"^(\d{4})年(上|下)半年$"), "H"),
    (re.compile(r"^(\d{4})-?[Qq]([1-4])$"), "Q"),
    (re.compile(r"^(\d{4})年第?([一二三四1-4])季度$"), "Q"),
    (re.compile(r"^(\d{4})-?M(\d{1,2})$"), "M"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "M"),
    (re.compile(r"^(\d{4})(\d{2})$"), "M"),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), "M"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "D"),
]


def _build(freq: str, year: int, part: str | None, day: str | None) -> Period:
    if freq == "A":
        return Period(dt.date(year, 1, 1), f"{year}", "A")
    if freq == "H":
        half = {"上": 1, "下": 2}.get(part or "") or int(part or 0)
        return Period(dt.date(year, 1 + 6 * (half - 1), 1), f"{year}-H{half}", "H")
    if freq == "Q":
        quarter = _CN_QUARTER[part or ""]
        return Period(dt.date(year, 1 + 3 * (quarter - 1), 1), f"{year}-Q{quarter}", "Q")
    month = int(part or 0)
    if freq == "M":
        return Period(dt.date(year, month, 1), f"{year}-{month:02d}", "M")
    date = dt.date(year, month, int(day or 0))
    return Period(date, date.isoformat(), "D")


def parse_period(raw: object) -> Period:
    """Parse the period spellings publishers use into a normalized `Period`.

    Accepts years (2023, "2023年"), halves ("2023H1", "2023-S2", "2023年上半年"), quarters
    ("2023Q1", "2023年第一季度"), months ("2023-06", "2023M06", "202306", "2023年6月") and
    days ("2023-06-15"). Raises ConnectorError naming the text it could not read.
    """
    text = str(raw).strip().replace("／", "/").replace(" ", "")
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    for pattern, freq in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = [*match.groups(), None, None]
        try:
            return _build(freq, int(groups[0]), groups[1], groups[2])
        except (ValueError, KeyError):
            break
    raise ConnectorError(
        _(
            "Cannot read the period %(text)r: use a year (2023), half (2023-H1), quarter "
            "(2023-Q1), month (2023-06) or day (2023-06-15)."
        )
        % {"text": str(raw)}
    )
