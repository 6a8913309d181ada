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

from django.db.models import Case, CharField, Value, When
from django.utils.translation import gettext as _

from indicators.exceptions import ConnectorError

# "C" is a cumulative part of a year from January ("2023年1-6月" = "2023-YTD06"): the same
# months as a half-year, but published as a running total that restarts each January.
FREQUENCIES = ("A", "C", "H", "Q", "M", "D")
# The order frequencies are listed and drawn in: coarsest first.
FREQUENCY_RANK = {f: i for i, f in enumerate(FREQUENCIES)}
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
        months = int(self.code[-2:]) if self.freq == "C" else _MONTHS[self.freq]
        year, month = divmod(self.start.month - 1 + months, 12)
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


def _cumulative(year: str, first: str, last: str = "") -> Period:
    """January to ``last`` of ``year``, a running total ("2023年1-6月"); ``first`` must be 1."""
    if not last:  # the stored code "2023-YTD06": one group only
        first, last = "1", first
    if int(first) != 1 or not 1 <= int(last) <= 12:
        raise ValueError(f"not a cumulative period from January: {first}-{last}")
    return Period(f"{year}-YTD{int(last):02d}", dt.date(int(year), 1, 1), "C")


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
    # Cumulative from January, as NBS and provincial bureaus publish it ("2023年1-6月",
    # "2023年1—6月累计"), and the stored code.
    (re.compile(r"(\d{4})年(\d{1,2})\s*[-—–~～至到]\s*(\d{1,2})月(?:份)?(?:累计)?"), _cumulative),
    (re.compile(r"(\d{4})-YTD(\d{2})", re.IGNORECASE), _cumulative),
)


def _invalid(text: str) -> ConnectorError:
    return ConnectorError(
        _(
            "期间“%(text)s”不是本系统能识别的日期或期间。请写成年（“2023”）、半年（“2023-H1”）、"
            "季度（“2023-Q1”）、月（“2023-06”）、日（“2023-06-15”）或自 1 月起的累计"
            "（“2023年1-6月”）。"
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


def frequency_of(code: str) -> str:
    """The frequency of a stored period code ("2023-H1" -> "H"); "A" for text it cannot read."""
    try:
        return _parse_text(code).freq
    except ConnectorError:
        return "A"


def period_end(code: str) -> dt.date | None:
    """The last day of a stored period code (None for text it cannot read)."""
    try:
        return _parse_text(code).end
    except ConnectorError:
        return None


def period_label(code: str) -> str:
    """A stored period code as a reader should see it: a cumulative period says so.

    "2023-YTD06" -> "2023年1-6月（累计）" ("2023 Jan-Jun (cumulative)"); others as stored.
    """
    if "-YTD" not in code:
        return code
    year, last = code.split("-YTD")
    return _("%(year)s年1-%(last)s月（累计）") % {"year": year, "last": int(last)}


def time_order(code: str) -> tuple[dt.date, int, str]:
    """Sort key putting periods of any frequency in true time order: by the day they end
    (2023-H1 before 2023), the coarser first on the same day (2023 before 2023-Q4)."""
    try:
        period = _parse_text(code)
    except ConnectorError:
        return (dt.date.max, 0, code)
    return (period.end, FREQUENCY_RANK[period.freq], code)


def frequency_expression(field: str = "period") -> Case:
    """The frequency of a stored period code, computed by the database (for grouping a series
    by frequency in SQL); the same answer as ``frequency_of`` for every stored code."""
    return Case(
        When(**{f"{field}__contains": "-YTD"}, then=Value("C")),
        When(**{f"{field}__contains": "-H"}, then=Value("H")),
        When(**{f"{field}__contains": "-Q"}, then=Value("Q")),
        When(**{f"{field}__regex": r"^[0-9]{4}$"}, then=Value("A")),
        When(**{f"{field}__regex": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}, then=Value("D")),
        default=Value("M"),
        output_field=CharField(max_length=1),
    )


def frequency_sql(column: str) -> str:
    """``frequency_expression`` as PostgreSQL text for raw queries (``column`` is our own
    column name, never user input)."""
    return (
        f"CASE WHEN position('-YTD' in {column}) > 0 THEN 'C' "
        f"WHEN position('-H' in {column}) > 0 THEN 'H' "
        f"WHEN position('-Q' in {column}) > 0 THEN 'Q' "
        f"WHEN length({column}) = 4 THEN 'A' WHEN length({column}) = 10 THEN 'D' ELSE 'M' END"
    )


def _next_period(period: Period) -> Period:
    """The period after ``period`` of the same frequency (a running total: one month more)."""
    day = period.end + dt.timedelta(days=1)
    if period.freq == "A":
        return _year(str(day.year))
    if period.freq == "H":
        return _half(str(day.year), "1" if day.month <= 6 else "2")
    if period.freq == "Q":
        return _quarter(str(day.year), str((day.month - 1) // 3 + 1))
    if period.freq == "M":
        return _month(str(day.year), str(day.month))
    if period.freq == "C":
        return _cumulative(str(day.year), "1", str(day.month))
    return _day(str(day.year), str(day.month), str(day.day))


def next_period_code(code: str) -> str:
    """The code of the period after ``code`` ("2023" -> "2024", "2023-YTD06" -> "2023-YTD07")."""
    return _next_period(_parse_text(code)).code


def data_overdue(code: str, lag_days: int, today: dt.date) -> bool:
    """Whether the period after ``code`` should have been published by ``today``: it ended more
    than ``lag_days`` ago. The one rule for "the latest figure is stale" by the calendar."""
    try:
        following = _next_period(_parse_text(code))
    except ConnectorError:
        return False
    return following.end + dt.timedelta(days=lag_days) < today


def data_period_text(code: str) -> str:
    """What a figure is about, said first on its card: "2023 年数据", "2023 年上半年数据"."""
    try:
        period = _parse_text(code)
    except ConnectorError:
        return code
    year = period.start.year
    if period.freq == "A":
        return _("%(year)s 年数据") % {"year": year}
    if period.freq == "H":
        if period.start.month == 1:
            return _("%(year)s 年上半年数据") % {"year": year}
        return _("%(year)s 年下半年数据") % {"year": year}
    if period.freq == "Q":
        return _("%(year)s 年第 %(q)s 季度数据") % {
            "year": year,
            "q": (period.start.month + 2) // 3,
        }
    if period.freq == "M":
        return _("%(year)s 年 %(month)s 月数据") % {"year": year, "month": period.start.month}
    if period.freq == "C":
        return _("%(year)s 年 1-%(month)s 月累计数据") % {"year": year, "month": period.end.month}
    return _("%(day)s 数据") % {"day": period.start.isoformat()}
