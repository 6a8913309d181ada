"""The power-cost what-if, as pure functions: scenario inputs → the cost indicator's formula.

The cost of power per P per month is the derived indicator ``power-cost-per-p-month``; its
formula (``dc_annual_kwh * dc_power_price / dc_capacity_p / 12`` in the demo) is read from the
indicator row and evaluated by ``indicators.formula`` — the same definition ingestion uses.
A scenario never computes the cost itself; it changes the formula's three inputs and
evaluates the formula:

- consumption (度/year) × PUE ratio (scenario PUE ÷ today's PUE) × utilisation ÷ 100 %:
  the consumption figure is that of a centre at full load, and power is taken to follow
  load linearly (idle draw is not modelled);
- price (元/度): each month's grid price (丰水期 / 枯水期 prices in their months, the base
  price in the others) averaged over the year — consumption is taken as even across the
  months — then blended with the green-power share at its own price;
- capacity (P), as it is (of the capacity indicator's precision: P of different precisions
  are never added).

Per year is the monthly figure × 12 and the whole centre is that × capacity; the break-even
price is the all-in average price at which the formula gives a chosen city's figure.

Input rules (``BOUNDS``) are stated once here, with Chinese messages, and shared by the page's
form and the API's query schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.formula import Formula, FormulaError, code_to_name

COST_CODE = "power-cost-per-p-month"
CONSUMPTION_CODE = "dc-annual-kwh"
PRICE_CODE = "dc-power-price"
CAPACITY_CODE = "dc-capacity-p"
PUE_CODE = "dc-pue"  # optional: used as today's PUE where an area has a value
ROLE_CODES = {"consumption": CONSUMPTION_CODE, "price": PRICE_CODE, "capacity": CAPACITY_CODE}
ROLE_NAMES = {role: code_to_name(code) for role, code in ROLE_CODES.items()}

MONTHS_PER_YEAR = 12
SICHUAN_PREFIX = "51"  # GB/T 2260: Sichuan's areas
# The consumption indicator is a centre's use at full load (dc-capacity-p: "满负荷算力").
UTILISATION_BASE = 100.0
# Sichuan's usual split of the hydropower year (丰水期 June–October, 枯水期 December–April);
# a starting point for the option, not a sourced fact: the page says so beside the fields.
WET_DEFAULT = frozenset({6, 7, 8, 9, 10})
DRY_DEFAULT = frozenset({12, 1, 2, 3, 4})


@dataclass(frozen=True)
class Bound:
    """The accepted range of one input: ``low < value`` (or ``low <= value``) ``<= high``."""

    low: float
    high: float
    low_open: bool
    unit: str

    def accepts(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return math.isfinite(value) and above and value <= self.high


PRICE_BOUND = Bound(0, 10, True, "元/度")
PUE_BOUND = Bound(1, 3, False, "")
BOUNDS: dict[str, Bound] = {
    "price": PRICE_BOUND,
    "consumption": Bound(0, 1e11, True, "度"),
    "capacity": Bound(0, 1e6, True, "P"),
    "pue_base": PUE_BOUND,
    "pue": PUE_BOUND,
    "utilisation": Bound(0, 100, True, "%"),
    "green_share": Bound(0, 100, False, "%"),
    "green_price": PRICE_BOUND,
    "wet_price": PRICE_BOUND,
    "dry_price": PRICE_BOUND,
}
LABELS = {
    "price": gettext_lazy("电价"),
    "consumption": gettext_lazy("年用电量"),
    "capacity": gettext_lazy("算力规模"),
    "pue_base": gettext_lazy("当前 PUE"),
    "pue": gettext_lazy("情景 PUE"),
    "utilisation": gettext_lazy("利用率"),
    "green_share": gettext_lazy("绿电占比"),
    "green_price": gettext_lazy("绿电价格"),
    "wet_months": gettext_lazy("丰水期月份"),
    "wet_price": gettext_lazy("丰水期电价"),
    "dry_months": gettext_lazy("枯水期月份"),
    "dry_price": gettext_lazy("枯水期电价"),
}
MONTH_FIELDS = ("wet_months", "dry_months")


class InputProblem(ValueError):
    """One input is out of range or unreadable; the message says what is accepted."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class MissingInputs(ValueError):
    """Inputs the formula needs that have neither an indicator value nor an override."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys


def _show(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.6g}"


def bound_message(key: str, value: float) -> str | None:
    """Why ``value`` is not accepted for input ``key`` (Chinese first), or None when it is."""
    bound = BOUNDS[key]
    if bound.accepts(value):
        return None
    values = {
        "label": LABELS[key],
        "low": _show(bound.low),
        "high": _show(bound.high),
        "unit": bound.unit,
        "value": _show(value) if math.isfinite(value) else str(value),
    }
    if bound.low_open:
        return _("%(label)s须大于 %(low)s 且不超过 %(high)s %(unit)s（收到 %(value)s）。") % values
    return _("%(label)s须在 %(low)s 到 %(high)s %(unit)s 之间（收到 %(value)s）。") % values


def check_bound(key: str, value: float) -> float:
    """``value`` when accepted; raises ``InputProblem`` with the message otherwise."""
    message = bound_message(key, value)
    if message:
        raise InputProblem(message)
    return value


_MONTH = r"(?:1[0-2]|0?[1-9])"
_RUN = rf"{_MONTH}(?:-{_MONTH})?"
MONTHS_PATTERN = rf"^{_RUN}(?:,{_RUN})*$"
_SEPARATORS = str.maketrans({"，": ",", "、": ",", "－": "-", "—": "-", "–": "-", "~": "-"})


def parse_months(text: str) -> frozenset[int]:
    """Months written as "6-10" or "12,1-4" (a range may wrap past December).

    Spaces and Chinese punctuation (，、－) are accepted on the page and normalised first.
    """
    text = re.sub(r"\s+", "", (text or "").translate(_SEPARATORS))
    if not re.fullmatch(MONTHS_PATTERN, text):
        raise InputProblem(
            _("月份应写作 6-10 或 12,1-4（1 到 12 的数字，逗号分隔，短横线表示连续月份）。")
        )
    months: set[int] = set()
    for token in text.split(","):
        first, _sep, last = token.partition("-")
        start, end = int(first), int(last or first)
        month = start
        while True:
            months.add(month)
            if month == end:
                break
            month = month % MONTHS_PER_YEAR + 1
    return frozenset(months)


def months_text(months: Iterable[int]) -> str:
    """The canonical spelling of a set of months: runs as ranges, wrapping past December."""
    chosen = sorted(set(months))
    if not chosen:
        return ""
    if len(chosen) == MONTHS_PER_YEAR:
        return "1-12"
    runs: list[list[int]] = []
    for month in chosen:
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    if len(runs) > 1 and runs[0][0] == 1 and runs[-1][-1] == MONTHS_PER_YEAR:
        runs[0] = runs.pop() + runs[0]  # December runs on into January
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


@dataclass(frozen=True)
class PowerOverrides:
    """What a scenario changes; None keeps the latest indicator value (or the default)."""

    price: float | None = None
    consumption: float | None = None
    capacity: float | None = None
    pue_base: float | None = None
    pue: float | None = None
    utilisation: float | None = None
    green_share: float | None = None
    green_price: float | None = None
    wet_months: frozenset[int] | None = None
    wet_price: float | None = None
    dry_months: frozenset[int] | None = None
    dry_price: float | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def params(self) -> dict[str, float | str]:
        """The overrides as the page's and the API's parameters (months as "6-10")."""
        out: dict[str, float | str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = months_text(value) if f.name in MONTH_FIELDS else float(value)
        return out

    @classmethod
    def from_params(cls, data: Mapping[str, Any]) -> PowerOverrides:
        """Overrides from stored or submitted parameters; raises ``InputProblem`` (with the
        field's name) when one is unreadable or out of range."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw is None or raw == "":
                continue
            try:
                if f.name in MONTH_FIELDS:
                    values[f.name] = parse_months(str(raw))
                else:
                    values[f.name] = check_bound(f.name, _number(raw))
            except InputProblem as exc:
                raise InputProblem(exc.message, f.name) from None
        return cls(**values)


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise InputProblem(_("应为数字。"))
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise InputProblem(_("应为数字。")) from None


@dataclass(frozen=True)
class PowerInputs:
    """Every value the computation uses, after the overrides (a scenario or today)."""

    consumption: float
    price: float
    capacity: float
    pue_base: float | None = None
    pue: float | None = None
    utilisation: float = UTILISATION_BASE
    green_share: float = 0.0
    green_price: float | None = None
    wet_months: frozenset[int] = WET_DEFAULT
    wet_price: float | None = None
    dry_months: frozenset[int] = DRY_DEFAULT
    dry_price: float | None = None
    others: Mapping[str, float] = field(default_factory=dict)  # other names of the formula

    @property
    def seasonal(self) -> bool:
        return self.wet_price is not None or self.dry_price is not None

    def monthly_prices(self) -> tuple[float, ...]:
        """The grid price of each month, January first."""
        prices = []
        for month in range(1, MONTHS_PER_YEAR + 1):
            if self.wet_price is not None and month in self.wet_months:
                prices.append(self.wet_price)
            elif self.dry_price is not None and month in self.dry_months:
                prices.append(self.dry_price)
            else:
                prices.append(self.price)
        return tuple(prices)


def scenario_problems(inputs: PowerInputs, overrides: PowerOverrides) -> dict[str, str]:
    """Combinations that cannot be computed, by field (each message says what to add)."""
    problems: dict[str, str] = {}
    for months, price in (("wet_months", "wet_price"), ("dry_months", "dry_price")):
        if getattr(overrides, months) is not None and getattr(overrides, price) is None:
            problems[price] = _("填写了%(months)s，请同时填写%(price)s（元/度）。") % {
                "months": LABELS[months],
                "price": LABELS[price],
            }
    if inputs.pue is not None and inputs.pue_base is None:
        problems["pue_base"] = _(
            "该地区没有当前 PUE 的数据：请同时填写当前 PUE，才能按情景 PUE 折算用电量。"
        )
    if inputs.green_share > 0 and inputs.green_price is None:
        problems["green_price"] = _("填写了绿电占比，请同时填写绿电价格（元/度）。")
    if inputs.seasonal and inputs.wet_price is not None and inputs.dry_price is not None:
        both = inputs.wet_months & inputs.dry_months
        if both:
            problems["dry_months"] = _(
                "丰水期与枯水期的月份重叠（%(months)s 月）：一个月只能属于一个时期。"
            ) % {"months": months_text(both)}
    return problems


@dataclass(frozen=True)
class PowerResult:
    """The formula's answer for one set of inputs, with the values it was evaluated with."""

    cost_per_p_month: float  # 元/(P·月), the cost indicator's unit
    consumption: float  # 度/year after PUE and utilisation
    price: float  # all-in average 元/度 after seasons and green power
    grid_price: float  # the year's average grid price (seasons applied, before green power)
    capacity: float

    @property
    def cost_per_p_year(self) -> float:
        return self.cost_per_p_month * MONTHS_PER_YEAR

    @property
    def cost_centre_year(self) -> float:
        """The whole centre's power bill for a year (元)."""
        return self.cost_per_p_year * self.capacity


def effective_consumption(inputs: PowerInputs) -> float:
    kwh = inputs.consumption
    if inputs.pue is not None and inputs.pue_base:
        kwh *= inputs.pue / inputs.pue_base
    return kwh * inputs.utilisation / UTILISATION_BASE


def effective_price(inputs: PowerInputs) -> tuple[float, float]:
    """(all-in average price, average grid price) in 元/度."""
    # Without seasons or green power the price is the input itself, bit for bit: today's
    # figure then equals the derived indicator ingestion stored.
    grid = sum(inputs.monthly_prices()) / MONTHS_PER_YEAR if inputs.seasonal else inputs.price
    if not inputs.green_share:
        return grid, grid
    share = inputs.green_share / 100
    green = inputs.green_price if inputs.green_price is not None else 0.0
    return (1 - share) * grid + share * green, grid


def _cost(formula: Formula, inputs: PowerInputs, consumption: float, price: float) -> float:
    values = {
        **inputs.others,
        ROLE_NAMES["consumption"]: consumption,
        ROLE_NAMES["price"]: price,
        ROLE_NAMES["capacity"]: inputs.capacity,
    }
    return formula.evaluate(values)


def evaluate(formula: Formula, inputs: PowerInputs) -> PowerResult:
    """The cost per P per month of ``inputs`` by the cost indicator's formula.

    Raises ``FormulaError`` when the formula gives no finite number for them.
    """
    consumption = effective_consumption(inputs)
    price, grid = effective_price(inputs)
    cost = _cost(formula, inputs, consumption, price)
    result = PowerResult(cost, consumption, price, grid, inputs.capacity)
    if not all(map(math.isfinite, (result.cost_per_p_year, result.cost_centre_year))):
        raise FormulaError(_("结果超出可表示的数值范围。"))
    return result


def finite(value: float | None) -> float | None:
    """``value``, or None when it is not a finite number (a ratio over a tiny base)."""
    return value if value is not None and math.isfinite(value) else None


def break_even_price(formula: Formula, inputs: PowerInputs, target: float) -> float | None:
    """The all-in average price (元/度) at which the formula gives ``target``, the rest of
    ``inputs`` unchanged; None when no price does (the formula is not linear in the price,
    or the price does not move it)."""
    consumption = effective_consumption(inputs)
    try:
        at_zero = _cost(formula, inputs, consumption, 0.0)
        slope = _cost(formula, inputs, consumption, 1.0) - at_zero
        if slope == 0:
            return None
        price = (target - at_zero) / slope
        check = _cost(formula, inputs, consumption, price)
    except FormulaError:
        return None
    if price <= 0 or not math.isclose(check, target, rel_tol=1e-9, abs_tol=1e-9):
        return None
    return price


def resolve(
    known: Mapping[str, float | None],
    overrides: PowerOverrides,
    others: Mapping[str, float] | None = None,
) -> PowerInputs:
    """The inputs of a computation: each override, else the indicator value in ``known``
    (consumption, price, capacity, pue_base), else the default.

    Raises ``MissingInputs`` naming the formula inputs that have neither.
    """
    chosen = {f.name: getattr(overrides, f.name) for f in fields(overrides)}
    for key, value in known.items():
        if chosen.get(key) is None:
            chosen[key] = value
    missing = [key for key in ROLE_CODES if chosen.get(key) is None]
    if missing:
        raise MissingInputs(missing)
    given = {k: v for k, v in chosen.items() if v is not None}
    return PowerInputs(**given, others=dict(others or {}))
