"""The power-cost computation and saved scenarios in the API (/api/v1/analytics/...).

``GET /analytics/power-cost`` takes the page's parameters: an input out of its range (a
negative number, zero capacity, a price above 10 元/度) is a 422 naming the field, with the
page's Chinese message; inputs that fit the schema but cannot be combined (a scenario PUE
without today's, green share without its price, overlapping seasons, an area without data)
are a 400 naming the fields.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from indicators.selectors import Provenance, ValueRow, provenance_text
from policy.api.errors import ONE_ERRORS, READ_ERRORS, ErrorOut
from policy.api.pagination import PageIn, page_of
from policy.types import ApiRequest

from .power import (
    BOUNDS,
    MONTHS_PATTERN,
    InputProblem,
    PowerOverrides,
    PowerResult,
    bound_message,
    parse_months,
)
from .results import InputLine, PowerAnswer, ScenarioLine
from .selectors import (
    DEFAULT_AREA,
    power_cost,
    power_scenario_get,
    power_scenario_lines,
    power_scenario_search,
)

router = Router(tags=["analytics"])

CODE_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
COMPUTE_ERRORS: dict[int, type[Schema]] = {**ONE_ERRORS, 400: ErrorOut}


def _once(value: Any) -> None:
    """The strict parser hands a parameter given twice over as a list: refuse it."""
    if isinstance(value, list):
        raise PydanticCustomError("repeated", _("这个参数只能给出一次。"))


def _number(value: Any) -> float | None:
    """A number, or None for an absent parameter (an empty one is not a number)."""
    _once(value)
    if value is None:
        return None
    if isinstance(value, bool | dict):
        raise PydanticCustomError("number", _("应为一个数字。"))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PydanticCustomError("number", _("应为一个数字。")) from None


@dataclass(frozen=True)
class Bounded:
    """Annotated metadata of an optional number within ``power.BOUNDS[key]``: the range is
    documented in the schema and checked with the page's Chinese message."""

    key: str
    description: str

    def _check(self, value: Any) -> float | None:
        number = _number(value)
        if number is not None:
            message = bound_message(self.key, number)
            if message:
                raise PydanticCustomError("out_of_range", message)
        return number

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            self._check, core_schema.nullable_schema(core_schema.float_schema())
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        bound = BOUNDS[self.key]
        low = "exclusiveMinimum" if bound.low_open else "minimum"
        return {
            "type": "number",
            low: bound.low,
            "maximum": bound.high,
            "description": self.description,
        }


def _months(value: Any) -> Any:
    _once(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("months", _("月份应为文本，如 6-10 或 12,1-4。"))
    try:
        return parse_months(value)
    except InputProblem as exc:
        raise PydanticCustomError("months", exc.message) from None


def _code(value: Any) -> Any:
    _once(value)
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(CODE_PATTERN, value):
        raise PydanticCustomError("code", _("地区代码应为 1 到 16 位字母、数字、- 或 _。"))
    return value


Months = Annotated[
    frozenset[int] | None,
    BeforeValidator(_months),
    WithJsonSchema(
        {"type": "string", "pattern": MONTHS_PATTERN, "description": "如 6-10、12,1-4"}
    ),
    Field(None, description="如 6-10、12,1-4"),
]


Price = Annotated[float | None, Bounded("price", "电价（元/度），0 < price ≤ 10")]
Consumption = Annotated[float | None, Bounded("consumption", "年用电量（度）")]
Capacity = Annotated[float | None, Bounded("capacity", "算力（P，与指标同一精度）")]
PueBase = Annotated[
    float | None, Bounded("pue_base", "当前 PUE（指标中没有时，给 pue 须同时给出）")
]
Pue = Annotated[float | None, Bounded("pue", "情景 PUE：用电量按 pue ÷ pue_base 折算")]
Utilisation = Annotated[float | None, Bounded("utilisation", "利用率（%），指标口径为 100")]
GreenShare = Annotated[float | None, Bounded("green_share", "绿电占比（%）")]
GreenPrice = Annotated[float | None, Bounded("green_price", "绿电价格（元/度）")]
WetPrice = Annotated[float | None, Bounded("wet_price", "丰水期电价（元/度）；给出即按季节计价")]
DryPrice = Annotated[float | None, Bounded("dry_price", "枯水期电价（元/度）；给出即按季节计价")]


class PowerCostQuery(Schema):
    area: Annotated[
        str,
        BeforeValidator(_code),
        Field(
            DEFAULT_AREA,
            description="地区代码（默认 510100 成都）",
            json_schema_extra={"pattern": CODE_PATTERN},
        ),
    ]
    compare: Annotated[
        str | None,
        BeforeValidator(_code),
        WithJsonSchema({"type": "string", "pattern": CODE_PATTERN}),
        Field(None, description="保本电价所比较的对比城市代码；默认为第一个有数据的其他城市"),
    ]
    price: Price = None
    consumption: Consumption = None
    capacity: Capacity = None
    pue_base: PueBase = None
    pue: Pue = None
    utilisation: Utilisation = None
    green_share: GreenShare = None
    green_price: GreenPrice = None
    wet_months: Months = None
    wet_price: WetPrice = None
    dry_months: Months = None
    dry_price: DryPrice = None

    def overrides(self) -> PowerOverrides:
        return PowerOverrides(
            **{k: getattr(self, k) for k in PowerOverrides.__dataclass_fields__},
        )


class AreaOut(Schema):
    code: str
    name_zh: str
    name_en: str


class ProvenanceOut(Schema):
    kind: str = Field(description="source / import / derived / manual")
    text: str = Field(description="一行说明：来源、采集记录、采集时间")
    source: str | None
    publisher: str
    citation: str
    run_id: int | None
    fetched_at: dt.datetime | None
    confidence: str
    confidence_note: str
    note: str
    stale: bool


class ValueOut(Schema):
    value: float
    period: str
    provenance: ProvenanceOut


class InputOut(Schema):
    key: str = Field(description="参数名：price、consumption、capacity、pue_base……")
    label: str
    value: float | None
    unit: str
    period: str | None = Field(description="指标值的期间；情景输入与默认假设为空")
    origin: str = Field(description="indicator / scenario_input / default / missing")
    provenance: str = Field(description="来源说明；情景输入为“情景输入”（英文 scenario input）")
    indicator: str | None = Field(description="指标代码")
    qualifier: str = Field(description="指标限定（如 FP16）")
    source: ProvenanceOut | None = Field(description="指标值的出处（情景输入时为被替换的指标值）")
    replaces: float | None = Field(description="情景输入替换的指标值")


class FiguresOut(Schema):
    cost_per_p_month: float
    cost_per_p_year: float
    cost_centre_year: float = Field(description="全中心每年电费（元）")
    price: float = Field(description="全年平均电价（元/度），计入丰枯与绿电")
    grid_price: float = Field(description="全年平均电网电价（元/度），计入丰枯")
    consumption: float = Field(description="计费用电量（度/年），计入 PUE 与利用率")
    capacity: float


class SeasonalOut(Schema):
    wet_months: str
    wet_price: float | None
    dry_months: str
    dry_price: float | None
    monthly_prices: list[float] = Field(description="1—12 月的电网电价（元/度）")


class ComparisonOut(Schema):
    area: AreaOut
    cost_per_p_month: float | None
    period: str | None
    provenance: ProvenanceOut | None


class BreakEvenOut(Schema):
    city: AreaOut
    city_cost_per_p_month: float
    city_period: str
    price: float | None = Field(description="与该城市持平所需的全年平均电价（元/度）")
    change_pct: float | None = Field(description="较本情景平均电价的变动（%）")


class PowerCostOut(Schema):
    area: AreaOut
    indicator: str = Field(description="计算所用的派生指标")
    formula: str = Field(description="该指标的派生公式（入库派生用的同一个定义）")
    unit: str
    cost_per_p_month: float = Field(description="本情景每 P 每月电费（无情景输入时即当前值）")
    cost_per_p_year: float
    cost_centre_year: float
    is_scenario: bool
    scenario: FiguresOut
    today: FiguresOut | None = Field(description="按最新指标（无情景输入）的结果")
    difference_per_p_month: float | None
    difference_pct: float | None
    published: ValueOut | None = Field(description="指标库中该地区每 P 每月电费的最新值")
    inputs: list[InputOut]
    seasonal: SeasonalOut | None
    comparison: list[ComparisonOut]
    break_even: BreakEvenOut | None


def _area(region: Any) -> dict[str, str]:
    return {"code": region.code, "name_zh": region.name_zh, "name_en": region.name_en}


def _provenance(p: Provenance) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "text": provenance_text(p),
        "source": p.source_code or None,
        "publisher": p.publisher,
        "citation": p.citation,
        "run_id": p.run_id,
        "fetched_at": p.fetched_at,
        "confidence": p.confidence,
        "confidence_note": p.confidence_note,
        "note": p.note,
        "stale": p.stale,
    }


def _value(row: ValueRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"value": row.value, "period": row.period, "provenance": _provenance(row.provenance)}


ORIGINS = {"scenario": "scenario_input"}


def _input(line: InputLine) -> dict[str, Any]:
    if line.origin == "scenario":
        text = _("情景输入")
    elif line.origin == "indicator" and line.row is not None:
        text = provenance_text(line.row.provenance)
    else:
        text = line.note or _("缺少数据")
    return {
        "key": line.key,
        "label": line.label,
        "value": line.value,
        "unit": line.unit,
        "period": line.period,
        "origin": ORIGINS.get(line.origin, line.origin),
        "provenance": text,
        "indicator": line.indicator_code or None,
        "qualifier": line.qualifier,
        "source": _provenance(line.row.provenance) if line.row else None,
        "replaces": line.row.value if line.row and line.origin == "scenario" else None,
    }


def _figures(result: PowerResult | None) -> dict[str, float] | None:
    if result is None:
        return None
    return {
        "cost_per_p_month": result.cost_per_p_month,
        "cost_per_p_year": result.cost_per_p_year,
        "cost_centre_year": result.cost_centre_year,
        "price": result.price,
        "grid_price": result.grid_price,
        "consumption": result.consumption,
        "capacity": result.capacity,
    }


def _break_even(answer: PowerAnswer) -> dict[str, Any] | None:
    compare = answer.compare
    if compare is None or compare.row is None:
        return None
    return {
        "city": _area(compare.area),
        "city_cost_per_p_month": compare.row.value,
        "city_period": compare.row.period,
        "price": answer.break_even,
        "change_pct": answer.break_even_change_pct,
    }


def power_cost_out(answer: PowerAnswer) -> dict[str, Any]:
    """The answer in the API's shape (call ``raise_problems`` first: it needs a scenario)."""
    scenario = answer.scenario
    if scenario is None:
        raise ValueError("power_cost_out needs a computed scenario")
    seasonal = answer.seasonal
    return {
        "area": _area(answer.area),
        "indicator": answer.model.cost.code,
        "formula": answer.model.formula.text,
        "unit": answer.model.unit,
        "cost_per_p_month": scenario.cost_per_p_month,
        "cost_per_p_year": scenario.cost_per_p_year,
        "cost_centre_year": scenario.cost_centre_year,
        "is_scenario": answer.is_scenario,
        "scenario": _figures(scenario),
        "today": _figures(answer.today),
        "difference_per_p_month": answer.difference,
        "difference_pct": answer.difference_pct,
        "published": _value(answer.published),
        "inputs": [_input(line) for line in answer.inputs],
        "seasonal": seasonal.__dict__ | {"monthly_prices": list(seasonal.monthly_prices)}
        if seasonal
        else None,
        "comparison": [
            {
                "area": _area(c.area),
                "cost_per_p_month": c.value,
                "period": c.row.period if c.row else None,
                "provenance": _provenance(c.row.provenance) if c.row else None,
            }
            for c in answer.comparison
        ],
        "break_even": _break_even(answer),
    }


@router.get(
    "/analytics/power-cost",
    response={200: PowerCostOut, **COMPUTE_ERRORS},
    operation_id="get_power_cost",
    summary="算力电费测算：每 P 每月电费（按最新指标，可给情景参数），对比城市与保本电价",
)
def get_power_cost(request: ApiRequest, query: Query[PowerCostQuery]) -> dict[str, Any]:
    answer = power_cost(
        request.auth, area=query.area, overrides=query.overrides(), compare=query.compare
    )
    answer.raise_problems()
    return power_cost_out(answer)


class ScenarioOut(Schema):
    id: int
    name: str
    note: str
    area: AreaOut
    compare: AreaOut | None
    inputs: dict[str, Any] = Field(description="情景改变的输入（与 power-cost 的参数同名）")
    include_in_briefing: bool
    author: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    saved_result: dict[str, Any] = Field(description="保存时的结果")
    cost_per_p_month: float | None = Field(description="按最新指标重新计算的每 P 每月电费")
    difference_pct: float | None = Field(description="较当前（最新指标）的变动（%）")
    problem: str = Field(description="按最新指标无法计算时的原因")


class ScenarioPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ScenarioOut]


def _scenario_out(line: ScenarioLine) -> dict[str, Any]:
    s, answer = line.scenario, line.answer
    ok = answer is not None and answer.scenario is not None
    return {
        "id": s.pk,
        "name": s.name,
        "note": s.note,
        "area": _area(s.area),
        "compare": _area(s.compare_area) if s.compare_area else None,
        "inputs": s.inputs,
        "include_in_briefing": s.include_in_briefing,
        "author": s.author.username if s.author else None,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "saved_result": s.result,
        "cost_per_p_month": answer.scenario.cost_per_p_month if ok else None,  # type: ignore[union-attr]
        "difference_pct": answer.difference_pct if ok else None,  # type: ignore[union-attr]
        "problem": line.problem,
    }


@router.get(
    "/analytics/power-scenarios",
    response={200: ScenarioPage, **READ_ERRORS, 400: ErrorOut},
    operation_id="list_power_scenarios",
    summary="保存的电费情景（最新在前），每个按最新指标重新计算",
)
def list_power_scenarios(request: ApiRequest, page: Query[PageIn]) -> dict[str, Any]:
    result = page_of(power_scenario_search(request.auth), page)
    result["items"] = [
        _scenario_out(x) for x in power_scenario_lines(request.auth, result["items"])
    ]
    return result


@router.get(
    "/analytics/power-scenarios/{scenario_id}",
    response={200: ScenarioOut, **COMPUTE_ERRORS},
    operation_id="get_power_scenario",
    summary="一个保存的电费情景，按最新指标重新计算",
)
def get_power_scenario(request: ApiRequest, scenario_id: int) -> dict[str, Any]:
    scenario = power_scenario_get(request.auth, scenario_id)
    return _scenario_out(power_scenario_lines(request.auth, [scenario])[0])
