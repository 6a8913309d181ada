"""Reporting periods: one normalized code per period, whatever spelling the publisher used.

Publishers write the same quarter as "2023Q1", "2023-Q1", "2023年第一季度" or "2023年1季度"; the
database keys observations on (indicator, area, period), so every spelling must collapse to one
code or the same figure would be stored twice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from indicators.exceptions import ConnectorError

FREQUENCIES = ("A", "H", "Q", "M", "D")
_MONTHS = {"A": 12, "H": 6, "Q": 3, "M": 1}
_CHINESE_ORDINALS = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period.

    ``code`` is the normalized text stored in the database ("2023", "2023-H1", "2023-Q1",
    "2023-06", "2023-06-15"); ``start`` is the first day of the period; ``freq`` is "A" (year),
    "H" (half-year), "Q" (quarter), "M" (month) or "D" (day). Periods of one frequency sort
    chronologically.
    """

    code: str
    start: dt.date
    freq: str

    def __str__(self) -> str:
        return self.code

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        if self.freq == "D":
            return self.start
        year, month = divmod(self.start.month - 1 + _MONTHS[self.freq], 12)
        return dt.date(self.start.year + year, month + 1, 1) - dt.timedelta(days=1)


def _number(text: str) -> int:
    return _CHINESE_ORDINALS[text] if text in _CHINESE_ORDINALS else int(text)


def _year(year: str) -> Period:
    return Period(year, dt.date(int(year), 1, 1), "A")


def _half(year: str, half: str) -> Period:
    n = _number(half)
    return Period(f"{year}-H{n}", dt.date(int(year), 6 * (n - 1) + 1, 1), "H")


def _quarter(year: str, quarter: str) -> Period:
    n = _number(quarter)
    return Period(f"{year}-Q{n}", dt.date(int(year), 3 * (n - 1) + 1, 1), "Q")


def _month(year: str, month: str) -> Period:
    start = dt.date(int(year), int(month), 1)
    return Period(start.strftime("%Y-%m"), start, "M")


def _day(year: str, month: str, day: str) -> Period:
    start = dt.date(int(year), int(month), int(day))
    return Period(start.isoformat(), start, "D")


# Matched against the whole text after NFKC normalisation (full-width digits become ASCII).
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[..., Period]], ...] = (
    (re.compile(r"(\d{4})年?"), _year),
    (re.compile(r"(\d{4})[-\s]?[HS]([12])", re.IGNORECASE), _half),
    (re.compile(r"(\d{4})[-\s]?Q([1-4])", re.IGNORECASE), _quarter),
    # World Bank monthly dates ("2023M06").
    (re.compile(r"(\d{4})[-\s]?M(\d{1,2})", re.IGNORECASE), _month),
    (re.compile(r"(\d{4})[-/](\d{1,2})"), _month),
    # NBS monthly time codes ("202306").
    (re.compile(r"(\d{4})(\d{2})"), _month),
    (re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"), _day),
    (re.compile(r"(\d{4})年(\d{1,2})月份?"), _month),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), _day),
    (re.compile(r"(\d{4})年第?([1-4一二三四])季度?"), _quarter),
    (re.compile(r"(\d{4})年([上下])半年"), _half),
)


def _invalid(text: str) -> ConnectorError:
    return ConnectorError(
        _(
            "期间“%(text)s”不是本系统能识别的日期或期间。请写成年（“2023”）、半年（“2023-H1”）、"
            "季度（“2023-Q1”）、月（“2023-06”）或日（“2023-06-15”）。"
        )
        % {"text": text}
    )


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Period:
    # Cached: a feed repeats the same few dozen period strings over thousands of rows.
    normalized = unicodedata.normalize("NFKC", text).strip()
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(normalized)
        if match:
            try:
                return build(*match.groups())
            except ValueError:  # month 13, 30 February, ...
                break
    raise _invalid(text)


def parse_period(raw: object) -> Period:
    """Parse a period as a publisher wrote it and return its normalized ``Period``.

    Accepts years as text or numbers (2023, and 2023.0 from spreadsheets), halves ("2023H1",
    "2023-S2", "2023年上半年"), quarters ("2023Q1", "2023年第一季度", "2023年1季度"), months
    ("2023-06", "2023-6", "2023M06", "202306", "2023年6月"), days ("2023-06-15", "2023年6月15日")
    and ``datetime.date`` values (read as days). Full-width digits are accepted. Raises
    ``ConnectorError`` quoting the offending text.
    """
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return Period(raw.isoformat(), raw, "D")
    if isinstance(raw, bool):
        raise _invalid(str(raw))
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int | str):
        return _parse_text(str(raw))
    raise _invalid(str(raw))
