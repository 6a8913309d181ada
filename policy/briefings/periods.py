"""Briefing periods: an ISO week (2026-W47), a month (2026-10) or 30 days up to a date.

Parsing gives messages a person can act on: they name the expected spelling for the kind.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..exceptions import ValidationFailed
from ..i18n import english
from .models import BriefingKind

ON_DEMAND_DAYS = 30

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class BriefingPeriod:
    kind: str
    code: str
    start: dt.date
    end: dt.date

    def previous(self) -> BriefingPeriod:
        """The period just before this one, of the same kind (for "change vs previous")."""
        return period_ending(self.kind, self.start - dt.timedelta(days=1))

    def label(self) -> str:
        """The period as a reader names it, in the active language."""
        en = english()
        if self.kind == BriefingKind.MONTHLY:
            return (
                self.start.strftime("%B %Y") if en else f"{self.start.year}年{self.start.month}月"
            )
        if self.kind == BriefingKind.WEEKLY:
            year, week, _day = self.start.isocalendar()
            if en:
                return f"Week {week}, {year} ({self.start:%d %b} – {self.end:%d %b %Y})"
            return (
                f"{year}年第{week}周（{self.start.month}月{self.start.day}日—"
                f"{self.end.month}月{self.end.day}日）"
            )
        if en:
            return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"
        return (
            f"{self.start.year}年{self.start.month}月{self.start.day}日—"
            f"{self.end.year}年{self.end.month}月{self.end.day}日"
        )


def period_ending(kind: str, day: dt.date) -> BriefingPeriod:
    """The period of `kind` that contains `day` (for on-demand: the 30 days ending on it)."""
    if kind == BriefingKind.WEEKLY:
        year, week, weekday = day.isocalendar()
        start = day - dt.timedelta(days=weekday - 1)
        return BriefingPeriod(kind, f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
    if kind == BriefingKind.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return BriefingPeriod(
            kind, f"{day.year}-{day.month:02d}", day.replace(day=1), day.replace(day=last)
        )
    if kind == BriefingKind.ON_DEMAND:
        start = day - dt.timedelta(days=ON_DEMAND_DAYS - 1)
        return BriefingPeriod(kind, day.isoformat(), start, day)
    raise ValidationFailed(
        _("未知的简报类型“%(kind)s”，应为 weekly、monthly 或 on_demand。") % {"kind": kind},
        fields={"kind": kind},
    )


def last_complete(kind: str, today: dt.date) -> BriefingPeriod:
    """The latest period that has ended before `today` (what the schedule reports on)."""
    if kind == BriefingKind.ON_DEMAND:
        return period_ending(kind, today)
    current = period_ending(kind, today)
    return current.previous()


def _bad(kind: str, text: str) -> ValidationFailed:
    examples: dict[str, str] = {
        BriefingKind.WEEKLY: "2026-W47",
        BriefingKind.MONTHLY: "2026-10",
        BriefingKind.ON_DEMAND: "2026-11-25",
    }
    return ValidationFailed(
        _("期间“%(text)s”无法识别：%(kind)s应写作 %(example)s。")
        % {"text": text, "kind": BriefingKind(kind).label, "example": examples[kind]},
        fields={"period": text},
    )


def parse_period(kind: str, text: str) -> BriefingPeriod:
    """Read a period code for `kind`; raises ValidationFailed naming the expected spelling."""
    if kind not in BriefingKind.values:
        period_ending(kind, dt.date.today())  # raises the "unknown kind" message
    text = (text or "").strip()
    try:
        if kind == BriefingKind.WEEKLY and (m := _WEEK.match(text)):
            day = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        elif kind == BriefingKind.MONTHLY and (m := _MONTH.match(text)):
            day = dt.date(int(m[1]), int(m[2]), 1)
        elif kind == BriefingKind.ON_DEMAND and _DAY.match(text):
            day = dt.date.fromisoformat(text)
        else:
            raise _bad(kind, text)
    except ValueError:
        raise _bad(kind, text) from None
    return period_ending(kind, day)
