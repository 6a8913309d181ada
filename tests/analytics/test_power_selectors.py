"""The power-cost reads: latest inputs with provenance, one formula, comparison, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from indicators.analytics.power import PowerOverrides
from indicators.analytics.selectors import (
    PowerSetupError,
    power_briefing,
    power_cost,
    power_model,
    power_page,
)
from indicators.models import Indicator, Observation
from policy.models import Region
from tests.conftest import make_power_demo

pytestmark = pytest.mark.django_db


def test_todays_figure_is_the_stored_derived_value(power_demo: Any, official: Any) -> None:
    answer = power_cost(official, area="510100", overrides=PowerOverrides())
    stored = Observation.objects.get(indicator__code="power-cost-per-p-month", area__code="510100")
    assert answer.ok
    assert not answer.problems
    assert answer.scenario is not None
    assert answer.today is not None
    assert answer.today.cost_per_p_month == stored.value  # one definition, same number
    assert round(answer.scenario.cost_per_p_month, 1) == 833.3
    assert answer.published is not None
    assert answer.published.provenance.kind == "derived"
    assert not answer.is_scenario


def test_each_input_carries_its_value_period_and_provenance(
    power_demo: Any, official: Any
) -> None:
    answer = power_cost(official, area="510100", overrides=PowerOverrides(price=0.35))
    lines = {line.key: line for line in answer.inputs}
    consumption = lines["consumption"]
    assert (consumption.value, consumption.period, consumption.origin) == (
        5e6,
        "2023",
        "indicator",
    )
    assert consumption.row is not None
    assert consumption.row.provenance.source_code == "test-power"
    assert consumption.row.provenance.run_id == power_demo.pk
    price = lines["price"]
    assert (price.value, price.origin, price.period) == (0.35, "scenario", None)
    assert price.row is not None
    assert price.row.value == 0.6
    assert lines["capacity"].qualifier == "FP16"  # P of one precision, never summed
    assert lines["utilisation"].origin == "default"
    assert round(answer.scenario.cost_per_p_month, 1) == 486.1
    assert round(answer.difference, 1) == -347.2


def test_the_latest_period_is_used_for_each_input(official: Any) -> None:
    make_power_demo()
    make_power_demo("indicator,area,period,value\ndc-power-price,510100,2024,0.66\n")
    answer = power_cost(official, area="510100", overrides=PowerOverrides())
    price = next(line for line in answer.inputs if line.key == "price")
    assert (price.value, price.period) == (0.66, "2024")
    assert answer.periods_differ  # 2024 price beside 2023 consumption and capacity
    assert answer.today.cost_per_p_month == pytest.approx(5e6 * 0.66 / 300 / 12)


def test_comparison_cities_come_at_their_own_latest_figures(
    power_demo: Any, official: Any
) -> None:
    answer = power_cost(official, area="510100", overrides=PowerOverrides(price=0.35))
    figures = {c.code: c.value for c in answer.comparison}
    assert figures["210100"] == 800
    assert round(figures["510100"], 1) == 833.3
    assert figures["330100"] is None
    assert figures["500000"] is None
    assert answer.compare is not None
    assert answer.compare.code == "210100"
    assert answer.break_even == pytest.approx(0.576)


def test_a_chosen_city_without_data_gives_no_break_even(power_demo: Any, official: Any) -> None:
    answer = power_cost(official, area="510100", overrides=PowerOverrides(), compare="330100")
    assert answer.compare is not None
    assert answer.compare.value is None
    assert answer.break_even is None
    assert answer.ok


def test_an_area_without_data_names_the_missing_inputs(power_demo: Any, official: Any) -> None:
    answer = power_cost(official, area="330100", overrides=PowerOverrides(price=0.5))
    assert not answer.ok
    assert answer.problem_code == "missing_inputs"
    assert set(answer.problems) == {"consumption", "capacity"}
    assert "智算平台年用电量" in answer.problems["consumption"]
    filled = power_cost(
        official,
        area="330100",
        overrides=PowerOverrides(price=0.5, consumption=1e6, capacity=100),
    )
    assert filled.scenario is not None
    assert filled.scenario.cost_per_p_month == pytest.approx(1e6 * 0.5 / 100 / 12)
    assert filled.today is None  # no figures of its own


def test_a_pue_indicator_is_used_as_todays_pue(power_demo: Any, official: Any) -> None:
    pue = Indicator.objects.create(code="dc-pue", name_zh="PUE", unit="", category="power_price")
    Observation.objects.create(
        indicator=pue,
        area=Region.objects.get(code="510100"),
        period="2023",
        period_start=dt.date(2023, 1, 1),
        value=1.5,
    )
    answer = power_cost(official, area="510100", overrides=PowerOverrides(pue=1.2))
    assert not answer.problems
    line = next(line for line in answer.inputs if line.key == "pue_base")
    assert (line.value, line.origin, line.period) == (1.5, "indicator", "2023")
    assert answer.scenario.cost_per_p_month == pytest.approx(833.333 * 1.2 / 1.5, abs=1e-3)


def test_unknown_areas_and_readers_without_a_role_get_404(
    power_demo: Any, official: Any, outsider: Any
) -> None:
    with pytest.raises(Http404):
        power_cost(official, area="999999", overrides=PowerOverrides())
    with pytest.raises(Http404):
        power_cost(outsider, area="510100", overrides=PowerOverrides())


def test_without_the_cost_indicator_the_setup_error_says_what_to_configure(
    official: Any,
) -> None:
    with pytest.raises(PowerSetupError, match="power-cost-per-p-month"):
        power_model()
    page = power_page(official, area="510100", overrides=PowerOverrides())
    assert "尚未配置" in page.setup_error


def test_a_formula_without_the_scenario_inputs_is_a_setup_error(power_demo: Any) -> None:
    Indicator.objects.filter(code="power-cost-per-p-month").update(formula="dc_annual_kwh / 12")
    with pytest.raises(PowerSetupError, match="dc_capacity_p"):
        power_model()


def test_the_page_takes_a_fixed_number_of_queries(
    power_demo: Any, lead: Any, django_assert_num_queries: Any
) -> None:
    from indicators.analytics.services import power_scenario_create

    lead_scope = power_page(lead, area="510100", overrides=PowerOverrides())  # warms the scope
    assert lead_scope.can_save
    with django_assert_num_queries(9):
        power_page(lead, area="510100", overrides=PowerOverrides(price=0.35))
    for n in range(5):
        power_scenario_create(
            actor=lead,
            name=f"情景 {n}",
            area="510100",
            overrides=PowerOverrides(price=0.3 + n / 100),
        )
    with django_assert_num_queries(9):
        page = power_page(lead, area="510100", overrides=PowerOverrides(price=0.35))
    assert len(page.scenarios) == 5
    assert all(line.answer is not None and line.answer.ok for line in page.scenarios)


def test_the_briefing_section_is_as_of_the_period_end(power_demo: Any, lead: Any) -> None:
    from indicators.analytics.services import power_scenario_create

    power_scenario_create(
        actor=lead,
        name="水电直供",
        area="510100",
        overrides=PowerOverrides(price=0.35),
        include_in_briefing=True,
    )
    power_scenario_create(actor=lead, name="未纳入", area="510100", overrides=PowerOverrides())
    section = power_briefing(
        reader=lead, as_of=dt.date(2026, 10, 31), previous_end=dt.date(2026, 9, 30)
    )
    assert section is not None
    assert [line.area.code for line in section.lines] == ["510100", "210100"]
    chengdu = section.lines[0]
    assert chengdu.is_sichuan
    assert round(chengdu.row.value, 1) == 833.3
    assert chengdu.previous_value == chengdu.row.value
    assert not chengdu.is_new
    assert section.cities_without_data == ["杭州市", "重庆市"]
    assert [s.scenario.name for s in section.scenarios] == ["水电直供"]
    assert round(section.scenarios[0].answer.scenario.cost_per_p_month, 1) == 486.1
    # Before 2023 there was no figure: the section of 2022 shows none.
    early = power_briefing(
        reader=lead, as_of=dt.date(2022, 12, 31), previous_end=dt.date(2022, 11, 30)
    )
    assert early is not None
    assert early.lines == []


def test_a_new_release_shows_its_change_since_the_previous_period(official: Any) -> None:
    make_power_demo()
    make_power_demo(
        "indicator,area,period,value\ndc-power-price,510100,2024,0.66\n"
        "dc-annual-kwh,510100,2024,5000000\ndc-capacity-p,510100,2024,300\n"
    )
    section = power_briefing(
        reader=official, as_of=dt.date(2024, 1, 31), previous_end=dt.date(2023, 12, 31)
    )
    assert section is not None
    chengdu = section.lines[0]
    assert chengdu.row.period == "2024"
    assert chengdu.previous_period == "2023"
    assert chengdu.change == pytest.approx(5e6 * 0.06 / 300 / 12)
    assert chengdu.change_pct == pytest.approx(10)


def test_the_computation_takes_seven_queries(
    power_demo: Any, official: Any, django_assert_num_queries: Any
) -> None:
    from policy.permissions import user_scope

    user_scope(official)  # the request's scope, loaded once per request
    with django_assert_num_queries(7):
        power_cost(official, area="510100", overrides=PowerOverrides(price=0.35))
