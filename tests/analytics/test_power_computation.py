"""The what-if computation: the cost indicator's own formula with scenario inputs (pure)."""

from __future__ import annotations

import pytest

from indicators.analytics.power import (
    DRY_DEFAULT,
    WET_DEFAULT,
    InputProblem,
    MissingInputs,
    PowerInputs,
    PowerOverrides,
    bound_message,
    break_even_price,
    evaluate,
    months_text,
    parse_months,
    resolve,
    scenario_problems,
)
from indicators.formula import parse_formula

FORMULA = parse_formula("dc_annual_kwh * dc_power_price / dc_capacity_p / 12")
CHENGDU = {"consumption": 5_000_000.0, "price": 0.6, "capacity": 300.0, "pue_base": None}


def _cost(**overrides: object) -> float:
    inputs = resolve(CHENGDU, PowerOverrides(**overrides))
    return evaluate(FORMULA, inputs).cost_per_p_month


def test_the_article_figure_is_the_formula_on_the_latest_inputs() -> None:
    result = evaluate(FORMULA, resolve(CHENGDU, PowerOverrides()))
    assert result.cost_per_p_month == pytest.approx(833.333, abs=1e-3)
    # bit for bit the value the derivation stores (no averaging noise without seasons)
    assert result.cost_per_p_month == FORMULA.evaluate(
        {"dc_annual_kwh": 5e6, "dc_power_price": 0.6, "dc_capacity_p": 300}
    )
    assert result.cost_per_p_year == pytest.approx(10_000)
    assert result.cost_centre_year == pytest.approx(3_000_000)  # 500万度 × 0.6 元


def test_a_price_of_035_gives_486() -> None:
    assert round(_cost(price=0.35), 1) == 486.1


def test_consumption_and_capacity_are_formula_inputs() -> None:
    assert _cost(consumption=2_500_000) == pytest.approx(833.333 / 2, abs=1e-3)
    assert _cost(capacity=600) == pytest.approx(833.333 / 2, abs=1e-3)


def test_pue_scales_consumption_by_the_ratio_to_todays_pue() -> None:
    assert _cost(pue_base=1.5, pue=1.2) == pytest.approx(833.333 * 1.2 / 1.5, abs=1e-3)
    # without a scenario PUE, today's PUE changes nothing
    assert _cost(pue_base=1.5) == pytest.approx(833.333, abs=1e-3)


def test_utilisation_scales_the_full_load_consumption() -> None:
    assert _cost(utilisation=70) == pytest.approx(833.333 * 0.7, abs=1e-3)


def test_green_power_is_a_share_at_its_own_price() -> None:
    # 70 % at 0.6 plus 30 % at 0.4 = 0.54 元/度
    assert _cost(green_share=30, green_price=0.4) == pytest.approx(833.333 * 0.54 / 0.6, abs=1e-3)
    assert _cost(green_share=100, green_price=0.35) == pytest.approx(486.111, abs=1e-3)


def test_seasonal_prices_apply_in_their_months_and_average_over_the_year() -> None:
    inputs = resolve(CHENGDU, PowerOverrides(wet_price=0.3, dry_price=0.7))
    prices = inputs.monthly_prices()
    assert prices[5:10] == (0.3,) * 5  # June–October
    assert prices[0:4] == (0.7,) * 4
    assert prices[11] == 0.7
    assert prices[4] == prices[10] == 0.6  # May and November at the base price
    result = evaluate(FORMULA, inputs)
    assert result.grid_price == pytest.approx((5 * 0.3 + 5 * 0.7 + 2 * 0.6) / 12)
    assert result.cost_per_p_month == pytest.approx(5e6 * result.grid_price / 300 / 12)


def test_green_power_applies_on_top_of_the_seasonal_grid_price() -> None:
    inputs = resolve(
        CHENGDU, PowerOverrides(wet_price=0.3, dry_price=0.7, green_share=50, green_price=0.2)
    )
    price, grid = evaluate(FORMULA, inputs).price, evaluate(FORMULA, inputs).grid_price
    assert price == pytest.approx(0.5 * grid + 0.5 * 0.2)


def test_the_break_even_price_gives_the_citys_figure() -> None:
    inputs = resolve(CHENGDU, PowerOverrides())
    price = break_even_price(FORMULA, inputs, 800)
    assert price is not None
    assert price == pytest.approx(0.576)
    assert FORMULA.evaluate(
        {"dc_annual_kwh": 5e6, "dc_power_price": price, "dc_capacity_p": 300}
    ) == pytest.approx(800)


def test_the_break_even_follows_the_scenario_consumption() -> None:
    inputs = resolve(CHENGDU, PowerOverrides(pue_base=1.5, pue=1.2))
    assert break_even_price(FORMULA, inputs, 800) == pytest.approx(0.576 * 1.5 / 1.2)


def test_no_break_even_when_the_price_does_not_move_the_formula() -> None:
    flat = parse_formula("dc_annual_kwh * 0 * dc_power_price + dc_capacity_p")
    assert break_even_price(flat, resolve(CHENGDU, PowerOverrides()), 800) is None


def test_a_changed_formula_changes_the_scenario_too() -> None:
    doubled = parse_formula("dc_annual_kwh * dc_power_price / dc_capacity_p / 6")
    assert evaluate(doubled, resolve(CHENGDU, PowerOverrides())).cost_per_p_month == (
        pytest.approx(1666.667, abs=1e-3)
    )


def test_missing_inputs_are_named() -> None:
    with pytest.raises(MissingInputs) as caught:
        resolve({"consumption": None, "price": 0.6, "capacity": None}, PowerOverrides())
    assert caught.value.keys == ["consumption", "capacity"]
    # an override fills a gap
    filled = resolve(
        {"consumption": None, "price": 0.6, "capacity": None},
        PowerOverrides(consumption=1e6, capacity=100),
    )
    assert evaluate(FORMULA, filled).cost_per_p_month == pytest.approx(500)


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("price", -0.1, "电价须大于 0 且不超过 10 元/度（收到 -0.1）"),
        ("price", 0, "电价须大于 0"),
        ("price", 10.5, "不超过 10 元/度"),
        ("capacity", 0, "算力规模须大于 0"),
        ("consumption", -5, "年用电量须大于 0"),
        ("pue", 0.9, "情景 PUE须在 1 到 3"),
        ("utilisation", 120, "利用率须大于 0 且不超过 100 %"),
        ("green_share", -1, "绿电占比须在 0 到 100 %"),
        ("price", float("nan"), "收到 nan"),
        ("price", float("inf"), "收到 inf"),
    ],
)
def test_out_of_range_inputs_get_a_chinese_message(key: str, value: float, fragment: str) -> None:
    message = bound_message(key, value)
    assert message is not None
    assert fragment in message


@pytest.mark.parametrize(("key", "value"), [("price", 10), ("price", 0.01), ("green_share", 0)])
def test_edges_inside_the_range_are_accepted(key: str, value: float) -> None:
    assert bound_message(key, value) is None


def test_overrides_from_parameters_check_each_field() -> None:
    assert PowerOverrides.from_params({"price": "0.35", "wet_months": "6-10"}) == PowerOverrides(
        price=0.35, wet_months=frozenset(range(6, 11))
    )
    with pytest.raises(InputProblem) as caught:
        PowerOverrides.from_params({"price": "0.35", "capacity": "0"})
    assert caught.value.field == "capacity"
    with pytest.raises(InputProblem) as caught:
        PowerOverrides.from_params({"price": "很便宜"})
    assert (caught.value.field, caught.value.message) == ("price", "应为数字。")


def test_parameters_round_trip() -> None:
    overrides = PowerOverrides(price=0.35, dry_months=frozenset({12, 1, 2}), dry_price=0.5)
    assert overrides.params() == {"price": 0.35, "dry_months": "12-2", "dry_price": 0.5}
    assert PowerOverrides.from_params(overrides.params()) == overrides


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("6-10", {6, 7, 8, 9, 10}),
        ("12,1-4", {12, 1, 2, 3, 4}),
        ("11-2", {11, 12, 1, 2}),
        ("5", {5}),
        (" 6 － 10 ", {6, 7, 8, 9, 10}),
        ("1，3、5", {1, 3, 5}),
        ("07-09", {7, 8, 9}),
    ],
)
def test_months_are_read_with_ranges_that_may_wrap(text: str, months: set[int]) -> None:
    assert parse_months(text) == months


@pytest.mark.parametrize("text", ["13", "0", "6-", "六月", "1..3", "", "6-10;12"])
def test_unreadable_months_say_how_to_write_them(text: str) -> None:
    with pytest.raises(InputProblem, match="月份应写作 6-10 或 12,1-4"):
        parse_months(text)


def test_months_are_written_back_as_runs() -> None:
    assert months_text(DRY_DEFAULT) == "12-4"
    assert months_text(WET_DEFAULT) == "6-10"
    assert months_text({1, 3, 4, 5}) == "1,3-5"
    assert months_text(range(1, 13)) == "1-12"


def test_combinations_that_cannot_be_computed_name_the_field_to_fill() -> None:
    inputs = PowerInputs(5e6, 0.6, 300, pue=1.2, green_share=30)
    problems = scenario_problems(inputs, PowerOverrides(pue=1.2, green_share=30))
    assert set(problems) == {"pue_base", "green_price"}
    assert "当前 PUE" in problems["pue_base"]
    months_only = PowerOverrides(wet_months=frozenset({6}))
    assert set(scenario_problems(PowerInputs(5e6, 0.6, 300), months_only)) == {"wet_price"}
    overlap = PowerOverrides(
        wet_months=frozenset({5, 6}), wet_price=0.3, dry_months=frozenset({6}), dry_price=0.7
    )
    inputs = resolve(CHENGDU, overlap)
    assert "6 月" in scenario_problems(inputs, overlap)["dry_months"]
