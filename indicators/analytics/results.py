"""What the power-cost page, the API and the briefing show, and how it is assembled.

Plain dataclasses, and ``answer_for``: the computation of one area under one scenario from
facts already loaded by the selectors (no queries here). The figures come from
``power.evaluate``, i.e. from the cost indicator's own formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from indicators.formula import Formula, FormulaError
from indicators.models import Indicator
from indicators.selectors import ValueRow
from policy.exceptions import ValidationFailed
from policy.formatting import number
from policy.models import Region

from . import power
from .models import PowerScenario
from .power import (
    LABELS,
    ROLE_CODES,
    ROLE_NAMES,
    MissingInputs,
    PowerInputs,
    PowerOverrides,
    PowerResult,
)


@dataclass(frozen=True)
class PowerModel:
    """The cost indicator, its parsed formula and the indicator behind each formula input."""

    cost: Indicator
    formula: Formula
    inputs: dict[str, Indicator]  # formula name -> indicator
    pue: Indicator | None

    @property
    def unit(self) -> str:
        return self.cost.unit

    def role_indicator(self, role: str) -> Indicator:
        return self.inputs[ROLE_NAMES[role]]

    @property
    def other_names(self) -> list[str]:
        """Formula inputs that are not consumption, price or capacity (taken as they are)."""
        return sorted(set(self.inputs) - set(ROLE_NAMES.values()))

    @property
    def indicator_ids(self) -> list[int]:
        ids = {self.cost.pk, *(i.pk for i in self.inputs.values())}
        if self.pue is not None:
            ids.add(self.pue.pk)
        return sorted(ids)


@dataclass(frozen=True)
class InputLine:
    """One input of the computation: the value used, and where it comes from.

    ``origin``: "indicator" (the latest value, ``row`` has its provenance), "scenario" (an
    override; ``row`` is the indicator value it replaces, if any), "default" (an assumption
    stated in ``note``) or "missing".
    """

    key: str
    label: str
    unit: str
    value: float | None
    origin: str
    row: ValueRow | None = None
    indicator_code: str = ""
    qualifier: str = ""
    note: str = ""

    @property
    def is_scenario(self) -> bool:
        return self.origin == "scenario"

    @property
    def period(self) -> str | None:
        return None if self.is_scenario or self.row is None else self.row.period


@dataclass(frozen=True)
class ComparisonLine:
    """One area's latest published or derived cost per P per month (None: no figure)."""

    area: Region
    name: str
    row: ValueRow | None

    @property
    def value(self) -> float | None:
        return self.row.value if self.row else None

    @property
    def code(self) -> str:
        return self.area.code


@dataclass(frozen=True)
class Seasonal:
    """The hydropower-season option as used: months, prices, and each month's grid price."""

    wet_months: str
    wet_price: float | None
    dry_months: str
    dry_price: float | None
    monthly_prices: tuple[float, ...]


@dataclass
class PowerAnswer:
    """Everything the page, the API and the briefing show for one area and one scenario."""

    area: Region
    model: PowerModel
    overrides: PowerOverrides
    inputs: list[InputLine]
    today: PowerResult | None  # the latest indicators as they are
    scenario: PowerResult | None  # None when it cannot be computed: see ``problems``
    problems: dict[str, str] = field(default_factory=dict)
    problem_code: str = ""
    published: ValueRow | None = None  # the cost indicator's own latest value for the area
    comparison: list[ComparisonLine] = field(default_factory=list)
    compare: ComparisonLine | None = None
    break_even: float | None = None
    seasonal: Seasonal | None = None
    periods_differ: bool = False

    @property
    def ok(self) -> bool:
        return self.scenario is not None

    @property
    def is_scenario(self) -> bool:
        return not self.overrides.is_empty

    @property
    def indicator_periods(self) -> list[str]:
        """The periods of the indicator values among the inputs, oldest first."""
        return sorted(
            {line.row.period for line in self.inputs if line.origin == "indicator" and line.row}
        )

    @property
    def shows_scenario(self) -> bool:
        """A scenario that differs from today and could be computed."""
        return self.is_scenario and self.scenario is not None

    @property
    def difference(self) -> float | None:
        if self.scenario is None or self.today is None:
            return None
        return self.scenario.cost_per_p_month - self.today.cost_per_p_month

    @property
    def difference_year(self) -> float | None:
        diff = self.difference
        return None if diff is None else diff * power.MONTHS_PER_YEAR

    @property
    def difference_centre_year(self) -> float | None:
        if self.scenario is None or self.today is None:
            return None
        return self.scenario.cost_centre_year - self.today.cost_centre_year

    @property
    def difference_pct(self) -> float | None:
        diff = self.difference
        if diff is None or self.today is None or not self.today.cost_per_p_month:
            return None
        return power.finite(diff / self.today.cost_per_p_month * 100)

    @property
    def break_even_change_pct(self) -> float | None:
        if self.break_even is None or self.scenario is None or not self.scenario.price:
            return None
        return power.finite((self.break_even - self.scenario.price) / self.scenario.price * 100)

    def raise_problems(self) -> None:
        """For the API: raise the problems as one ``ValidationFailed`` (400, fields named)."""
        if self.problems:
            raise ValidationFailed(
                "".join(self.problems.values()),
                code=self.problem_code or "invalid",
                fields=dict(self.problems),
            )


@dataclass(frozen=True)
class ScenarioLine:
    """A saved scenario with its figures on today's data."""

    scenario: PowerScenario
    answer: PowerAnswer | None
    problem: str = ""
    can_change: bool = False

    @property
    def params(self) -> dict[str, Any]:
        """The page's (and the API's) parameters that reproduce the scenario."""
        params = {"area": self.scenario.area.code, **self.scenario.inputs}
        if self.scenario.compare_area is not None:
            params["compare"] = self.scenario.compare_area.code
        return params

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def changes(self) -> list[str]:
        """The changed inputs in words: "电价 0.35 元/度", "丰水期月份 6-10"."""
        out = []
        for key, value in self.scenario.inputs.items():
            label = LABELS.get(key, key)
            if key in power.MONTH_FIELDS:
                out.append(_("%(label)s %(value)s 月") % {"label": label, "value": value})
                continue
            unit = power.BOUNDS[key].unit if key in power.BOUNDS else ""
            out.append(f"{label} {number(value, 6)} {unit}".strip())
        return out


@dataclass(frozen=True)
class CostLine:
    """A briefing row: an area's cost per P per month now and at the previous period's end."""

    area: Region
    name: str
    is_sichuan: bool
    row: ValueRow
    previous_value: float | None
    previous_period: str | None

    @property
    def is_new(self) -> bool:
        return self.previous_value is not None and self.previous_period != self.row.period

    @property
    def change(self) -> float | None:
        return self.row.value - self.previous_value if self.is_new else None  # type: ignore[operator]

    @property
    def change_pct(self) -> float | None:
        if not self.is_new or not self.previous_value:
            return None
        return power.finite((self.row.value - self.previous_value) / self.previous_value * 100)


@dataclass
class PowerBriefing:
    """The monthly briefing's compute–power section."""

    unit: str
    formula_text: str
    lines: list[CostLine]
    scenarios: list[ScenarioLine]
    cities_without_data: list[str]

    @property
    def sichuan(self) -> list[CostLine]:
        return [line for line in self.lines if line.is_sichuan]

    @property
    def others(self) -> list[CostLine]:
        return [line for line in self.lines if not line.is_sichuan]


@dataclass(frozen=True)
class Facts:
    """The latest observations of the model's indicators for some areas, with provenance."""

    model: PowerModel
    rows: dict[tuple[int, int], ValueRow]

    def row(self, indicator: Indicator | None, area: Region) -> ValueRow | None:
        return self.rows.get((indicator.pk, area.pk)) if indicator is not None else None


# -- one answer, from loaded facts -------------------------------------------------------------


def _input_line(
    key: str, value: float | None, overridden: bool, row: ValueRow | None, ind: Indicator | None
) -> InputLine:
    unit = ind.unit if ind is not None else power.BOUNDS[key].unit
    if overridden:
        origin = "scenario"
    elif row is not None:
        origin = "indicator"
    else:
        origin = "missing"
    return InputLine(
        key=key,
        label=str(LABELS[key]),
        unit=unit,
        value=value,
        origin=origin,
        row=row,
        indicator_code=ind.code if ind is not None else "",
        qualifier=ind.qualifier if ind is not None else "",
    )


def _default_line(key: str, value: float, note: str) -> InputLine:
    bound = power.BOUNDS[key]
    return InputLine(str(key), str(LABELS[key]), bound.unit, value, "default", note=note)


def _input_lines(
    facts: Facts, area: Region, overrides: PowerOverrides, inputs: PowerInputs | None
) -> list[InputLine]:
    model = facts.model
    lines = []
    for key in (*ROLE_CODES, "pue_base"):
        indicator = model.pue if key == "pue_base" else model.role_indicator(key)
        row = facts.row(indicator, area)
        given = getattr(overrides, key)
        value = given if given is not None else (row.value if row else None)
        if key == "pue_base" and value is None and overrides.pue is None:
            continue  # unknown and not needed: said once, beside the PUE field
        lines.append(_input_line(key, value, given is not None, row, indicator))
    for name in model.other_names:
        indicator = model.inputs[name]
        row = facts.row(indicator, area)
        lines.append(
            InputLine(
                key=name,
                label=indicator.display_name(),
                unit=indicator.unit,
                value=row.value if row else None,
                origin="indicator" if row else "missing",
                row=row,
                indicator_code=indicator.code,
                qualifier=indicator.qualifier,
            )
        )
    if inputs is None:
        return lines
    for key in ("pue", "green_price", "wet_price", "dry_price"):
        if getattr(overrides, key) is not None:
            lines.append(_input_line(key, getattr(overrides, key), True, None, None))
    if overrides.utilisation is not None:
        lines.append(_input_line("utilisation", overrides.utilisation, True, None, None))
    else:
        note = _("指标口径：年用电量为满负荷运行时的用电")
        lines.append(_default_line("utilisation", power.UTILISATION_BASE, note))
    if overrides.green_share is not None:
        lines.append(_input_line("green_share", overrides.green_share, True, None, None))
    else:
        note = _("电价指标为实际支付的综合电价，未单列绿电")
        lines.append(_default_line("green_share", 0.0, note))
    return lines


def _known(facts: Facts, area: Region) -> tuple[dict[str, float | None], dict[str, float]]:
    model = facts.model
    known: dict[str, float | None] = {}
    for key in ROLE_CODES:
        row = facts.row(model.role_indicator(key), area)
        known[key] = row.value if row else None
    pue_row = facts.row(model.pue, area)
    known["pue_base"] = pue_row.value if pue_row else None
    others = {}
    for name in model.other_names:
        row = facts.row(model.inputs[name], area)
        if row is not None:
            others[name] = row.value
    return known, others


def _compute(model: PowerModel, inputs: PowerInputs) -> tuple[PowerResult | None, dict[str, str]]:
    try:
        return power.evaluate(model.formula, inputs), {}
    except FormulaError:
        message = _(
            "按这些输入，公式“%(f)s”得不出有限的数值（数值过大或过小）：请检查输入的数量级。"
        ) % {"f": model.formula.text}
        return None, {"request": message}


def _missing_message(model: PowerModel, keys: list[str]) -> dict[str, str]:
    problems = {}
    for key in keys:
        indicator = model.role_indicator(key) if key in ROLE_CODES else model.inputs.get(key)
        problems[key] = _(
            "该地区没有“%(name)s”（%(code)s）的数据：请在“%(label)s”中填写情景值。"
        ) % {
            "name": indicator.display_name() if indicator else key,
            "code": indicator.code if indicator else key,
            "label": LABELS.get(key, key),
        }
    return problems


def answer_for(
    facts: Facts,
    area: Region,
    overrides: PowerOverrides,
    comparison: list[ComparisonLine],
    compare_code: str | None,
) -> PowerAnswer:
    """The computation for ``area`` with ``overrides``: no queries (facts are loaded)."""
    model = facts.model
    known, others = _known(facts, area)
    answer = PowerAnswer(
        area=area,
        model=model,
        overrides=overrides,
        inputs=[],
        today=_today(model, known, others),
        scenario=None,
        comparison=comparison,
        published=facts.row(model.cost, area),
    )
    inputs = _resolve(answer, known, others)
    answer.inputs = _input_lines(facts, area, overrides, inputs)
    answer.periods_differ = len(answer.indicator_periods) > 1
    if inputs is not None:
        _evaluate_scenario(answer, inputs, compare_code)
    return answer


def _today(
    model: PowerModel, known: dict[str, float | None], others: dict[str, float]
) -> PowerResult | None:
    """The latest indicators as they are; None when they do not suffice."""
    if set(model.other_names) - set(others):
        return None
    try:
        inputs = power.resolve(known, PowerOverrides(), others)
    except MissingInputs:
        return None
    return _compute(model, inputs)[0]


def _resolve(
    answer: PowerAnswer, known: dict[str, float | None], others: dict[str, float]
) -> PowerInputs | None:
    """The scenario's inputs, or None with the missing ones named on the answer."""
    missing = [name for name in answer.model.other_names if name not in others]
    try:
        if missing:
            raise MissingInputs(missing)
        return power.resolve(known, answer.overrides, others)
    except MissingInputs as exc:
        answer.problems = _missing_message(answer.model, exc.keys)
        answer.problem_code = "missing_inputs"
        return None


def _evaluate_scenario(answer: PowerAnswer, inputs: PowerInputs, compare_code: str | None) -> None:
    problems = power.scenario_problems(inputs, answer.overrides)
    if problems:
        answer.problems, answer.problem_code = problems, "invalid"
        return
    answer.scenario, answer.problems = _compute(answer.model, inputs)
    if inputs.seasonal:
        answer.seasonal = Seasonal(
            wet_months=power.months_text(inputs.wet_months),
            wet_price=inputs.wet_price,
            dry_months=power.months_text(inputs.dry_months),
            dry_price=inputs.dry_price,
            monthly_prices=inputs.monthly_prices(),
        )
    answer.compare = _compare_line(answer.comparison, answer.area, compare_code)
    target = answer.compare.value if answer.compare is not None else None
    if target is not None and answer.ok:
        answer.break_even = power.break_even_price(answer.model.formula, inputs, target)


def _compare_line(
    comparison: list[ComparisonLine], area: Region, code: str | None
) -> ComparisonLine | None:
    """The chosen comparison city; by default the first other one with a figure."""
    if code:
        return next((c for c in comparison if c.code == code), None)
    return next((c for c in comparison if c.code != area.code and c.value is not None), None)


def comparison_lines(facts: Facts, cities: Iterable[Region]) -> list[ComparisonLine]:
    return [ComparisonLine(c, c.display_name(), facts.row(facts.model.cost, c)) for c in cities]
