"""Investment figures as pure functions: amounts in 万元/亿元, monthly ↔ cumulative, progress.

No ORM here: services check a report against `derive_year` before saving it, and the read
model (`policy.readmodel`) derives the approved series with the same function, so a figure
is derived one way everywhere.

A year's reports are a set of months, each with the one figure its owner entered: the month's
own completion (`monthly`) or the cumulative since 1 January (`cumulative`). Walking the months
in order, a cumulative entry fixes the cumulative and the month's figure is the difference
from the previous reported month; a monthly entry adds to the previous cumulative, and needs
that previous month to be reported (else the cumulative would silently count a missing month
as nothing). A cumulative that goes down is an error, never a negative month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CUMULATIVE = "cumulative"
MONTHLY = "monthly"
UNIT_FACTORS = {"wan": Decimal(10_000), "yi": Decimal(100_000_000)}
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Entry:
    """One month's report as entered: `kind` is "monthly" or "cumulative", amount in yuan."""

    month: int
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class MonthFigure:
    """A derived month: its own completion, the cumulative since 1 January, what was entered.

    `covers` is the number of months the monthly figure covers (more than one when the
    months before it were not reported: the difference of two cumulatives spans the gap).
    """

    month: int
    monthly: Decimal
    cumulative: Decimal
    kind: str
    covers: int = 1


class DerivationError(ValueError):
    """A year's reports that cannot be derived: `code` names the problem, `month` where."""

    def __init__(self, code: str, month: int, *, previous_month: int = 0, **params: Decimal):
        super().__init__(f"{code} at month {month}")
        self.code = code
        self.month = month
        self.previous_month = previous_month
        self.params = params


def derive_year(entries: Iterable[Entry]) -> list[MonthFigure]:
    """Monthly and cumulative figures of every reported month, in month order.

    Raises DerivationError("decrease") when a cumulative is lower than the previous month's,
    ("gap") when a monthly figure follows an unreported month, ("negative") for an amount
    below zero.
    """
    result: list[MonthFigure] = []
    previous_month, previous_cumulative = 0, Decimal(0)
    for entry in sorted(entries, key=lambda e: e.month):
        if entry.amount < 0:
            raise DerivationError("negative", entry.month, amount=entry.amount)
        if entry.kind == CUMULATIVE:
            cumulative = entry.amount
            if cumulative < previous_cumulative:
                raise DerivationError(
                    "decrease",
                    entry.month,
                    previous_month=previous_month,
                    cumulative=cumulative,
                    previous=previous_cumulative,
                )
            monthly = cumulative - previous_cumulative
        else:
            if entry.month != previous_month + 1:
                raise DerivationError("gap", entry.month, previous_month=previous_month)
            monthly = entry.amount
            cumulative = previous_cumulative + monthly
        covers = entry.month - previous_month
        result.append(MonthFigure(entry.month, monthly, cumulative, entry.kind, covers))
        previous_month, previous_cumulative = entry.month, cumulative
    return result


def to_yuan(amount: Decimal, unit: str) -> Decimal:
    """An amount written in 万元 ("wan") or 亿元 ("yi") as yuan, exactly.

    Raises ValueError when it needs more precision than a fen (0.01 yuan) or is not finite.
    """
    try:
        yuan = Decimal(amount) * UNIT_FACTORS[unit]
    except (InvalidOperation, KeyError) as exc:
        raise ValueError(str(exc)) from exc
    if not yuan.is_finite() or yuan.adjusted() >= 20:
        raise ValueError("too large")
    if yuan != yuan.quantize(FEN):
        raise ValueError("more precise than a fen")
    return yuan.quantize(FEN)


def from_yuan(amount: Decimal, unit: str) -> Decimal:
    """Yuan written in the unit, with no trailing zeros (the form shows what was entered)."""
    value = (amount / UNIT_FACTORS[unit]).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def due_month(today: dt.date, due_day: int) -> int:
    """The last month whose report is due by `today` (0 early in January: none yet).

    A month's figure is due on day `due_day` of the next month: on 1 December the latest
    month that has to be reported is October, from 11 December November.
    """
    month = today.month - 1 if today.day > due_day else today.month - 2
    return max(month, 0)


@dataclass(frozen=True)
class YearProgress:
    """Completion of the year's plan against the time elapsed, at the month it is judged at.

    `month` is the later of the last reported month and the last month due; `completed` the
    cumulative reported by then (0 when nothing is); `elapsed` = month / 12.
    """

    year: int
    plan: Decimal
    completed: Decimal
    through_month: int  # last approved month (0: none)
    month: int
    rate: float
    elapsed: float

    @property
    def lag(self) -> float:
        """Percentage points (as a fraction) by which completion is behind the elapsed time."""
        return self.elapsed - self.rate


def year_progress(
    year: int, plan: Decimal | None, months: Sequence[MonthFigure], today: dt.date, due_day: int
) -> YearProgress | None:
    """None without a positive plan, or before any month of the year is due or reported."""
    if plan is None or plan <= 0:
        return None
    through = months[-1].month if months else 0
    if year < today.year:
        due = 12
    elif year == today.year:
        due = due_month(today, due_day)
    else:
        due = 0
    month = max(through, due)
    if month == 0:
        return None
    completed = months[-1].cumulative if months else Decimal(0)
    return YearProgress(
        year=year,
        plan=plan,
        completed=completed,
        through_month=through,
        month=month,
        rate=float(completed / plan),
        elapsed=month / 12,
    )


def monthly_plan(year_plan: Decimal, quarters: dict[int, Decimal]) -> list[Decimal]:
    """The plan spread over the twelve months: each quarter's plan in thirds where one is set
    for every quarter, else the year's plan in twelfths. Each quarter's (or the year's) last
    month takes the rounding remainder, so the months add up to the plan to the fen."""
    if len(quarters) == 4:
        chunks = [(Decimal(quarters[q]), 3) for q in (1, 2, 3, 4)]
    else:
        chunks = [(year_plan, 12)]
    result: list[Decimal] = []
    for total, months in chunks:
        part = (total / months).quantize(FEN)
        result += [part] * (months - 1) + [total - part * (months - 1)]
    return result
