"""Reads of the power-cost analytics: latest inputs with provenance, the comparison cities,
saved scenarios, the monthly briefing's compute–power section.

Every selector runs a fixed number of queries whatever the data size (documented on each) and
returns plain dataclasses; the figures come from ``power.evaluate``, i.e. from the cost
indicator's own formula. Provenance and staleness are the indicators app's
(``value_row_for``, ``indicator_freshness``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.formula import Formula, FormulaError, code_to_name, parse_formula
from indicators.models import Indicator, Observation
from indicators.selectors import Freshness, ValueRow, indicator_freshness, value_row_for
from policy.exceptions import ValidationFailed
from policy.formatting import number
from policy.models import Region
from policy.permissions import user_scope

from . import power
from .models import PowerScenario
from .power import (
    COST_CODE,
    LABELS,
    PUE_CODE,
    ROLE_CODES,
    ROLE_NAMES,
    InputProblem,
    MissingInputs,
    PowerInputs,
    PowerOverrides,
    PowerResult,
)

DEFAULT_AREA = "510100"  # Chengdu, the article's case
SICHUAN_PREFIX = "51"
SCENARIO_LIST_LIMIT = 50


class PowerSetupError(ValidationFailed):
    """The cost indicator or its formula is missing: an administrator must configure it."""

    code = "not_configured"


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


@dataclass
class PowerPage:
    """The /analytics/power/ page: area choices, today's figures, the what-if, saved ones."""

    area: Region
    areas: list[Region]
    cities: list[Region]
    today: PowerAnswer | None  # the latest indicators, no overrides
    answer: PowerAnswer | None  # with the form's overrides (None: the form is invalid)
    scenarios: list[ScenarioLine]
    can_save: bool
    setup_error: str = ""


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


# -- the model and the latest values -----------------------------------------------------------


def _setup_error(detail: str) -> PowerSetupError:
    return PowerSetupError(
        _("每 P 每月电费的计算尚未配置：%(detail)s 请管理员在指标目录中配置后再使用。")
        % {"detail": detail}
    )


def power_model() -> PowerModel:
    """The cost indicator and its inputs. Two queries; raises ``PowerSetupError``."""
    cost = Indicator.objects.filter(code=COST_CODE).first()
    if cost is None or not cost.formula:
        raise _setup_error(_("指标 %(code)s 不存在或没有派生公式。") % {"code": COST_CODE})
    try:
        formula = parse_formula(cost.formula)
    except FormulaError as exc:
        raise _setup_error(exc.message) from None
    lacking = sorted(set(ROLE_NAMES.values()) - formula.names)
    if lacking:
        raise _setup_error(
            _("派生公式“%(f)s”不含 %(names)s，无法做情景分析。")
            % {"f": formula.text, "names": "、".join(lacking)}
        )
    candidates = {n for name in formula.names for n in (name, name.replace("_", "-"))}
    by_name: dict[str, Indicator] = {}
    pue = None
    for indicator in Indicator.objects.filter(code__in=candidates | {PUE_CODE}):
        if indicator.code == PUE_CODE:
            pue = indicator
        if code_to_name(indicator.code) in formula.names:
            by_name[code_to_name(indicator.code)] = indicator
    unknown = sorted(formula.names - set(by_name))
    if unknown:
        raise _setup_error(
            _("派生公式引用了不存在的指标：%(names)s。") % {"names": "、".join(unknown)}
        )
    return PowerModel(cost=cost, formula=formula, inputs=by_name, pue=pue)


def _latest(
    indicator_ids: Sequence[int], area_ids: Iterable[int], as_of: dt.date | None = None
) -> dict[tuple[int, int], Observation]:
    """Each (indicator, area)'s latest observation without dimension, up to ``as_of``.

    One query; a window function picks the rows in the database (a series may hold a
    hundred months at provincial scale).
    """
    query = Observation.objects.filter(
        indicator_id__in=indicator_ids, area_id__in=list(area_ids), dimension=""
    )
    if as_of is not None:
        query = query.filter(period_start__lte=as_of)
    ranked = (
        query.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("indicator_id"), F("area_id")],
                order_by=[F("period_start").desc(), F("period").desc()],
            )
        )
        .filter(rank=1)
        .select_related("indicator", "area", "run", "run__source")
    )
    return {(o.indicator_id, o.area_id): o for o in ranked}


@dataclass(frozen=True)
class _Facts:
    """The latest observations of the model's indicators for some areas, with provenance."""

    model: PowerModel
    rows: dict[tuple[int, int], ValueRow]

    def row(self, indicator: Indicator | None, area: Region) -> ValueRow | None:
        return self.rows.get((indicator.pk, area.pk)) if indicator is not None else None


def _facts(model: PowerModel, areas: Iterable[Region], as_of: dt.date | None = None) -> _Facts:
    """Three queries (latest values; source health; the derived cost's inputs' freshness)."""
    observations = _latest(model.indicator_ids, {a.pk for a in areas}, as_of)
    indicators = [model.cost, *model.inputs.values()]
    fresh: Freshness = indicator_freshness(indicators)
    return _Facts(model, {key: value_row_for(o, fresh) for key, o in observations.items()})


# -- one answer --------------------------------------------------------------------------------


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
    facts: _Facts, area: Region, overrides: PowerOverrides, inputs: PowerInputs | None
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


def _known(facts: _Facts, area: Region) -> tuple[dict[str, float | None], dict[str, float]]:
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


def _answer(
    facts: _Facts,
    area: Region,
    overrides: PowerOverrides,
    comparison: list[ComparisonLine],
    compare_code: str | None,
) -> PowerAnswer:
    """The computation for ``area`` with ``overrides``: no queries (facts are loaded)."""
    model = facts.model
    known, others = _known(facts, area)
    missing_others = [n for n in model.other_names if n not in others]
    answer = PowerAnswer(
        area=area,
        model=model,
        overrides=overrides,
        inputs=[],
        today=None,
        scenario=None,
        comparison=comparison,
    )
    answer.published = facts.row(model.cost, area)
    if not missing_others:
        try:
            answer.today, _ignored = _compute(
                model, power.resolve(known, PowerOverrides(), others)
            )
        except MissingInputs:
            answer.today = None
    inputs: PowerInputs | None = None
    try:
        if missing_others:
            raise MissingInputs(missing_others)
        inputs = power.resolve(known, overrides, others)
    except MissingInputs as exc:
        answer.problems, answer.problem_code = _missing_message(model, exc.keys), "missing_inputs"
    answer.inputs = _input_lines(facts, area, overrides, inputs)
    periods = {
        line.row.period for line in answer.inputs if line.origin == "indicator" and line.row
    }
    answer.periods_differ = len(periods) > 1
    if inputs is None:
        return answer
    problems = power.scenario_problems(inputs, overrides)
    if problems:
        answer.problems, answer.problem_code = problems, "invalid"
        return answer
    answer.scenario, answer.problems = _compute(model, inputs)
    if inputs.seasonal:
        answer.seasonal = Seasonal(
            wet_months=power.months_text(inputs.wet_months),
            wet_price=inputs.wet_price,
            dry_months=power.months_text(inputs.dry_months),
            dry_price=inputs.dry_price,
            monthly_prices=inputs.monthly_prices(),
        )
    answer.compare = _compare_line(comparison, area, compare_code)
    if answer.compare is not None and answer.compare.value is not None and answer.ok:
        answer.break_even = power.break_even_price(model.formula, inputs, answer.compare.value)
    return answer


def _compare_line(
    comparison: list[ComparisonLine], area: Region, code: str | None
) -> ComparisonLine | None:
    """The chosen comparison city; by default the first other one with a figure."""
    if code:
        return next((c for c in comparison if c.code == code), None)
    return next((c for c in comparison if c.code != area.code and c.value is not None), None)


def _comparison(facts: _Facts, cities: Iterable[Region]) -> list[ComparisonLine]:
    return [ComparisonLine(c, c.display_name(), facts.row(facts.model.cost, c)) for c in cities]


def _comparison_cities() -> list[Region]:
    return list(Region.objects.filter(is_comparison=True).order_by("order", "code"))


def _require_read(user: Any) -> None:
    if not user_scope(user).can_read:
        raise Http404(_("地区不存在。"))


def power_area_get(user: Any, code: str) -> Region:
    """An area by code: 404 when there is none or the user may read nothing."""
    _require_read(user)
    area = Region.objects.filter(code=code).first()
    if area is None:
        raise Http404(_("没有代码为“%(code)s”的地区。") % {"code": code})
    return area


def power_cost(
    user: Any, *, area: str, overrides: PowerOverrides, compare: str | None = None
) -> PowerAnswer:
    """The power cost of ``area`` today and under ``overrides``, the comparison cities at
    their latest figures, and the break-even price against ``compare`` (a comparison city;
    by default the first other with a figure).

    Seven queries after the scope. Raises Http404 (unknown area), PowerSetupError; problems
    with the inputs are on the answer (``problems``; ``raise_problems`` for the API).
    """
    region = power_area_get(user, area)
    model = power_model()
    cities = _comparison_cities()
    facts = _facts(model, [region, *cities])
    answer = _answer(facts, region, overrides, _comparison(facts, cities), compare)
    if compare and answer.compare is None and not answer.problems:
        answer.problems = {
            "compare": _("“%(code)s”不是对比城市：请从对比城市中选择。") % {"code": compare}
        }
        answer.problem_code = "invalid"
    return answer


# -- the page ----------------------------------------------------------------------------------


def power_areas(model: PowerModel) -> list[Region]:
    """Areas worth choosing: those with any input or cost figure, and the comparison cities.
    One query. Sichuan first, Chengdu at the top."""
    areas = Region.objects.filter(
        Q(is_comparison=True)
        | Q(observations__indicator_id__in=model.indicator_ids, observations__dimension="")
    ).distinct()
    return sorted(
        areas,
        key=lambda r: (
            r.code != DEFAULT_AREA,
            not r.code.startswith(SICHUAN_PREFIX),
            r.order,
            r.code,
        ),
    )


def _scenarios(user: Any, limit: int = SCENARIO_LIST_LIMIT) -> list[PowerScenario]:
    return list(
        PowerScenario.objects.select_related("area", "compare_area", "author").order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def _scenario_lines(
    user: Any,
    scenarios: list[PowerScenario],
    facts: _Facts,
    comparison: list[ComparisonLine],
) -> list[ScenarioLine]:
    scope = user_scope(user)
    lines = []
    for scenario in scenarios:
        can_change = scope.can_change_power_scenario(
            is_author=scenario.author_id == getattr(user, "pk", None)
        )
        try:
            overrides = PowerOverrides.from_params(scenario.inputs)
        except InputProblem as exc:
            lines.append(ScenarioLine(scenario, None, exc.message, can_change))
            continue
        compare = scenario.compare_area.code if scenario.compare_area else None
        answer = _answer(facts, scenario.area, overrides, comparison, compare)
        problem = "".join(answer.problems.values())
        lines.append(ScenarioLine(scenario, answer, problem, can_change))
    return lines


def power_page(
    user: Any, *, area: str, overrides: PowerOverrides | None, compare: str | None = None
) -> PowerPage:
    """The page's data: ``overrides`` None means the form did not validate (no answer).

    Nine queries after the scope: the chosen area, comparison cities, the model (2), saved
    scenarios, latest values for every area involved, source health, derived inputs'
    freshness, area choices — whatever the number of scenarios. Raises Http404 for an
    unknown area.
    """
    region = power_area_get(user, area)
    scope = user_scope(user)
    cities = _comparison_cities()
    try:
        model = power_model()
    except PowerSetupError as exc:
        return PowerPage(region, [region], cities, None, None, [], False, exc.message)
    scenarios = _scenarios(user)
    facts = _facts(model, [region, *cities, *(s.area for s in scenarios)])
    comparison = _comparison(facts, cities)
    answer = None
    if overrides is not None:
        answer = _answer(facts, region, overrides, comparison, compare)
    return PowerPage(
        area=region,
        areas=power_areas(model),
        cities=cities,
        today=_answer(facts, region, PowerOverrides(), comparison, compare),
        answer=answer,
        scenarios=_scenario_lines(user, scenarios, facts, comparison),
        can_save=scope.can_save_power_scenarios,
    )


# -- saved scenarios for the API ---------------------------------------------------------------


def power_scenario_search(user: Any) -> QuerySet[PowerScenario]:
    """Saved scenarios, newest first (a lazy queryset; the caller pages it). Every role."""
    if not user_scope(user).can_read:
        return PowerScenario.objects.none()
    return PowerScenario.objects.select_related("area", "compare_area", "author").order_by(
        "-created_at", "-pk"
    )


def power_scenario_get(user: Any, pk: int) -> PowerScenario:
    """One saved scenario: 404 when there is none or the user may read nothing."""
    scenario = power_scenario_search(user).filter(pk=pk).first()
    if scenario is None:
        raise Http404(_("情景不存在。"))
    return scenario


def power_scenario_lines(user: Any, scenarios: Sequence[PowerScenario]) -> list[ScenarioLine]:
    """``scenarios`` with their figures on today's data. Six queries whatever their number."""
    if not scenarios:
        return []
    model = power_model()
    cities = _comparison_cities()
    facts = _facts(model, [*cities, *(s.area for s in scenarios)])
    return _scenario_lines(user, list(scenarios), facts, _comparison(facts, cities))


# -- the monthly briefing ------------------------------------------------------------------------


def _previous_costs(
    model: PowerModel, area_ids: set[int], until: dt.date
) -> dict[int, Observation]:
    return {
        area_id: obs for (_i, area_id), obs in _latest([model.cost.pk], area_ids, until).items()
    }


def power_briefing(*, reader: Any, as_of: dt.date, previous_end: dt.date) -> PowerBriefing | None:
    """The compute–power section of a monthly briefing, as of ``as_of``.

    Sichuan's areas with a cost per P per month and the comparison cities at their latest
    figures up to ``as_of``, each beside its figure at ``previous_end`` (the end of the
    previous briefing period), and the scenarios marked for inclusion evaluated on the data
    of ``as_of``. None when the cost is not configured (one query). Nine queries whatever the
    number of areas and scenarios: the model (2), comparison cities, marked scenarios,
    Sichuan's areas, latest values, source health, derived inputs' freshness, the values at
    ``previous_end``.
    """
    try:
        model = power_model()
    except PowerSetupError:
        return None
    cities = _comparison_cities()
    marked = list(
        PowerScenario.objects.filter(include_in_briefing=True)
        .select_related("area", "compare_area", "author")
        .order_by("created_at", "pk")
    )
    sichuan = list(
        Region.objects.filter(
            code__startswith=SICHUAN_PREFIX,
            observations__indicator=model.cost,
            observations__dimension="",
            observations__period_start__lte=as_of,
        ).distinct()
    )
    areas = {a.pk: a for a in [*sichuan, *cities, *(s.area for s in marked)]}
    facts = _facts(model, areas.values(), as_of)
    shown = sorted(
        {a.pk: a for a in [*sichuan, *cities]}.values(),
        key=lambda r: (
            not r.code.startswith(SICHUAN_PREFIX),
            r.code != DEFAULT_AREA,
            r.order,
            r.code,
        ),
    )
    before = _previous_costs(model, {a.pk for a in shown}, previous_end)
    lines, without = [], []
    for area in shown:
        row = facts.row(model.cost, area)
        if row is None:
            without.append(area.display_name())
            continue
        then = before.get(area.pk)
        lines.append(
            CostLine(
                area=area,
                name=area.display_name(),
                is_sichuan=area.code.startswith(SICHUAN_PREFIX),
                row=row,
                previous_value=then.value if then else None,
                previous_period=then.period if then else None,
            )
        )
    comparison = _comparison(facts, cities)
    return PowerBriefing(
        unit=model.unit,
        formula_text=model.formula.text,
        lines=lines,
        scenarios=_scenario_lines(reader, marked, facts, comparison),
        cities_without_data=without,
    )
