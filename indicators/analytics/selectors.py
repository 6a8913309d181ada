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
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.formula import FormulaError, code_to_name, parse_formula
from indicators.models import Indicator, Observation
from indicators.selectors import Freshness, indicator_freshness, value_row_for
from policy.exceptions import ValidationFailed
from policy.models import Region
from policy.permissions import user_scope
from policy.types import AnyUser

from .models import PowerScenario
from .power import COST_CODE, PUE_CODE, ROLE_NAMES, SICHUAN_PREFIX, InputProblem, PowerOverrides
from .results import (
    ComparisonLine,
    CostLine,
    Facts,
    PowerAnswer,
    PowerBriefing,
    PowerModel,
    ScenarioLine,
    answer_for,
    comparison_lines,
)

DEFAULT_AREA = "510100"  # Chengdu, the article's case
SCENARIO_LIST_LIMIT = 50


class PowerSetupError(ValidationFailed):
    """The cost indicator or its formula is missing: an administrator must configure it."""

    code = "not_configured"


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
            % {"f": formula.text, "names": _("、").join(lacking)}
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
            _("派生公式引用了不存在的指标：%(names)s。") % {"names": _("、").join(unknown)}
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


def _facts(model: PowerModel, areas: Iterable[Region], as_of: dt.date | None = None) -> Facts:
    """Three queries (latest values; source health; the derived cost's inputs' freshness)."""
    observations = _latest(model.indicator_ids, {a.pk for a in areas}, as_of)
    indicators = [model.cost, *model.inputs.values()]
    fresh: Freshness = indicator_freshness(indicators)
    return Facts(model, {key: value_row_for(o, fresh) for key, o in observations.items()})


def _comparison_cities() -> list[Region]:
    return list(Region.objects.filter(is_comparison=True).order_by("order", "code"))


def _require_read(user: AnyUser) -> None:
    if not user_scope(user).can_read:
        raise Http404(_("地区不存在。"))


def power_area_get(user: AnyUser, code: str) -> Region:
    """An area by code: 404 when there is none or the user may read nothing."""
    _require_read(user)
    area = Region.objects.filter(code=code).first()
    if area is None:
        raise Http404(_("没有代码为“%(code)s”的地区。") % {"code": code})
    return area


def power_cost(
    user: AnyUser, *, area: str, overrides: PowerOverrides, compare: str | None = None
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
    answer = answer_for(facts, region, overrides, comparison_lines(facts, cities), compare)
    if compare and answer.compare is None and not answer.problems:
        answer.problems = {
            "compare": _("“%(code)s”不是对比城市：请从对比城市中选择。") % {"code": compare}
        }
        answer.problem_code = "invalid"
    return answer


# -- the page ----------------------------------------------------------------------------------


def _sichuan_first(area: Region) -> tuple[bool, bool, int, str]:
    return (
        not area.code.startswith(SICHUAN_PREFIX),
        area.code != DEFAULT_AREA,
        area.order,
        area.code,
    )


def power_areas(model: PowerModel) -> list[Region]:
    """Areas worth choosing: those with any input or cost figure, and the comparison cities.
    One query. Sichuan first, Chengdu at the top."""
    areas = Region.objects.filter(
        Q(is_comparison=True)
        | Q(observations__indicator_id__in=model.indicator_ids, observations__dimension="")
    ).distinct()
    return sorted(areas, key=_sichuan_first)


def _scenarios(user: AnyUser, limit: int = SCENARIO_LIST_LIMIT) -> list[PowerScenario]:
    return list(
        PowerScenario.objects.select_related("area", "compare_area", "author").order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def _scenario_lines(
    user: AnyUser,
    scenarios: list[PowerScenario],
    facts: Facts,
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
        answer = answer_for(facts, scenario.area, overrides, comparison, compare)
        problem = "".join(answer.problems.values())
        lines.append(ScenarioLine(scenario, answer, problem, can_change))
    return lines


def power_page(
    user: AnyUser, *, area: str, overrides: PowerOverrides | None, compare: str | None = None
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
    comparison = comparison_lines(facts, cities)
    answer = None
    if overrides is not None:
        answer = answer_for(facts, region, overrides, comparison, compare)
    return PowerPage(
        area=region,
        areas=power_areas(model),
        cities=cities,
        today=answer_for(facts, region, PowerOverrides(), comparison, compare),
        answer=answer,
        scenarios=_scenario_lines(user, scenarios, facts, comparison),
        can_save=scope.can_save_power_scenarios,
    )


# -- saved scenarios for the API ---------------------------------------------------------------


def power_scenario_search(user: AnyUser) -> QuerySet[PowerScenario]:
    """Saved scenarios, newest first (a lazy queryset; the caller pages it). Every role."""
    if not user_scope(user).can_read:
        return PowerScenario.objects.none()
    return PowerScenario.objects.select_related("area", "compare_area", "author").order_by(
        "-created_at", "-pk"
    )


def power_scenario_get(user: AnyUser, pk: int) -> PowerScenario:
    """One saved scenario: 404 when there is none or the user may read nothing."""
    scenario = power_scenario_search(user).filter(pk=pk).first()
    if scenario is None:
        raise Http404(_("情景不存在。"))
    return scenario


def power_scenario_lines(user: AnyUser, scenarios: Sequence[PowerScenario]) -> list[ScenarioLine]:
    """``scenarios`` with their figures on today's data. Six queries whatever their number."""
    if not scenarios:
        return []
    model = power_model()
    cities = _comparison_cities()
    facts = _facts(model, [*cities, *(s.area for s in scenarios)])
    return _scenario_lines(user, list(scenarios), facts, comparison_lines(facts, cities))


# -- the monthly briefing ------------------------------------------------------------------------


def _previous_costs(
    model: PowerModel, area_ids: set[int], until: dt.date
) -> dict[int, Observation]:
    return {
        area_id: obs for (_i, area_id), obs in _latest([model.cost.pk], area_ids, until).items()
    }


def _cost_lines(
    facts: Facts, areas: list[Region], previous_end: dt.date
) -> tuple[list[CostLine], list[str]]:
    """Each area's latest cost beside its value at ``previous_end`` (one query), Sichuan
    first; and the names of the areas without a figure."""
    shown = sorted({a.pk: a for a in areas}.values(), key=_sichuan_first)
    before = _previous_costs(facts.model, {a.pk for a in shown}, previous_end)
    lines, without = [], []
    for area in shown:
        row = facts.row(facts.model.cost, area)
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
    return lines, without


def power_briefing(
    *, reader: AnyUser, as_of: dt.date, previous_end: dt.date
) -> PowerBriefing | None:
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
    facts = _facts(model, [*sichuan, *cities, *(s.area for s in marked)], as_of)
    lines, without = _cost_lines(facts, [*sichuan, *cities], previous_end)
    comparison = comparison_lines(facts, cities)
    return PowerBriefing(
        unit=model.unit,
        formula_text=model.formula.text,
        lines=lines,
        scenarios=_scenario_lines(reader, marked, facts, comparison),
        cities_without_data=without,
    )
