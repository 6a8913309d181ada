"""GET /api/v1/analytics/power-cost and the saved scenarios: the page's computation in JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.analytics.models import PowerScenario
from indicators.analytics.power import PowerOverrides
from indicators.analytics.services import power_scenario_create
from tests.api.conftest import TokenClient
from tests.api.test_api_permission_matrix import assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/power-cost"


@pytest.fixture
def api(power_demo: Any, official: Any) -> TokenClient:
    return TokenClient(official)


def test_the_demo_figure_is_reproduced_from_the_indicators(api: TokenClient) -> None:
    body = api.get(URL, {"area": "510100"}).json()
    assert round(body["cost_per_p_month"], 1) == 833.3
    assert body["formula"] == "dc_annual_kwh * dc_power_price / dc_capacity_p / 12"
    assert body["indicator"] == "power-cost-per-p-month"
    assert body["is_scenario"] is False
    assert body["published"]["value"] == body["cost_per_p_month"]
    assert body["published"]["provenance"]["kind"] == "derived"
    assert body["cost_per_p_year"] == pytest.approx(10_000)
    assert body["cost_centre_year"] == pytest.approx(3_000_000)


def test_a_price_of_035_gives_486_and_the_input_says_scenario_input(api: TokenClient) -> None:
    body = api.get(URL, {"area": "510100", "price": "0.35"}).json()
    assert round(body["cost_per_p_month"], 1) == 486.1
    assert round(body["difference_per_p_month"], 1) == -347.2
    inputs = {i["key"]: i for i in body["inputs"]}
    price = inputs["price"]
    assert price["value"] == 0.35
    assert (price["unit"], price["period"], price["origin"]) == ("元/度", None, "scenario_input")
    assert price["provenance"] == "情景输入"
    assert price["replaces"] == 0.6
    kwh = inputs["consumption"]
    assert (kwh["value"], kwh["unit"], kwh["period"], kwh["origin"]) == (
        5e6,
        "度",
        "2023",
        "indicator",
    )
    assert kwh["source"]["source"] == "test-power"
    assert "采集记录" in kwh["provenance"]
    assert inputs["capacity"]["qualifier"] == "FP16"
    assert inputs["utilisation"]["origin"] == "default"


def test_the_answer_is_english_when_asked(api: TokenClient) -> None:
    api.cookies["django_language"] = "en"
    body = api.get(URL, {"price": "0.35"}).json()
    price = next(i for i in body["inputs"] if i["key"] == "price")
    assert price["provenance"] == "scenario input"
    assert price["label"] == "Electricity price"


def test_comparison_cities_and_the_break_even_price(api: TokenClient) -> None:
    body = api.get(URL).json()  # Chengdu by default
    cities = {c["area"]["code"]: c for c in body["comparison"]}
    assert cities["210100"]["cost_per_p_month"] == 800
    assert cities["210100"]["period"] == "2023"
    assert cities["330100"]["cost_per_p_month"] is None
    assert body["break_even"]["city"]["code"] == "210100"
    assert body["break_even"]["price"] == pytest.approx(0.576)
    assert body["break_even"]["change_pct"] == pytest.approx(-4)


def test_every_option_is_a_parameter(api: TokenClient) -> None:
    body = api.get(
        URL,
        {
            "pue_base": "1.5",
            "pue": "1.2",
            "utilisation": "90",
            "green_share": "30",
            "green_price": "0.4",
            "wet_months": "6-10",
            "wet_price": "0.3",
            "dry_price": "0.7",
        },
    ).json()
    grid = (5 * 0.3 + 5 * 0.7 + 2 * 0.6) / 12
    price = 0.7 * grid + 0.3 * 0.4
    kwh = 5e6 * 1.2 / 1.5 * 0.9
    assert body["scenario"]["grid_price"] == pytest.approx(grid)
    assert body["scenario"]["price"] == pytest.approx(price)
    assert body["scenario"]["consumption"] == pytest.approx(kwh)
    assert body["cost_per_p_month"] == pytest.approx(kwh * price / 300 / 12)
    assert body["seasonal"]["wet_months"] == "6-10"
    assert body["seasonal"]["dry_months"] == "12-4"
    assert len(body["seasonal"]["monthly_prices"]) == 12


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"price": "-0.2"}, "price", "电价须大于 0 且不超过 10 元/度（收到 -0.2）"),
        ({"price": "0"}, "price", "电价须大于 0"),
        ({"price": "10.01"}, "price", "不超过 10 元/度"),
        ({"capacity": "0"}, "capacity", "算力规模须大于 0"),
        ({"consumption": "-1"}, "consumption", "年用电量须大于 0"),
        ({"pue": "0.5", "pue_base": "1.4"}, "pue", "情景 PUE须在 1 到 3"),
        ({"utilisation": "0"}, "utilisation", "利用率须大于 0"),
        ({"green_share": "101"}, "green_share", "绿电占比须在 0 到 100"),
        ({"price": "很便宜"}, "price", "应为一个数字"),
        ({"price": "nan"}, "price", "收到 nan"),
        ({"wet_months": "13"}, "wet_months", "月份应写作 6-10 或 12,1-4"),
        ({"area": "a b"}, "area", "地区代码应为"),
    ],
)
def test_out_of_range_or_nonsensical_inputs_are_422_in_the_error_shape(
    api: TokenClient, params: dict[str, str], field: str, fragment: str
) -> None:
    body = assert_error(api.get(URL, params), 422, "invalid_request")
    assert fragment in body["fields"][field]
    assert body["detail"].startswith("请求参数有误")


def test_a_parameter_given_twice_is_422(api: TokenClient) -> None:
    body = assert_error(api.get(f"{URL}?price=0.3&price=0.4"), 422, "invalid_request")
    assert body["fields"]["price"] == "这个参数只能给出一次。"


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"pue": "1.2"}, "invalid", "pue_base"),
        ({"green_share": "20"}, "invalid", "green_price"),
        ({"wet_months": "5-7"}, "invalid", "wet_price"),
        (
            {"wet_months": "5-7", "wet_price": "0.3", "dry_months": "7-9", "dry_price": "0.6"},
            "invalid",
            "dry_months",
        ),
        ({"area": "330100"}, "missing_inputs", "consumption"),
        ({"compare": "511800"}, "invalid", "compare"),
        ({"capacity": "1e-300", "consumption": "1e11", "price": "10"}, "invalid", "request"),
    ],
)
def test_inputs_that_cannot_be_combined_are_400_naming_the_field(
    api: TokenClient, params: dict[str, str], code: str, field: str
) -> None:
    body = assert_error(api.get(URL, params), 400, code)
    assert field in body["fields"]
    assert body["fields"][field] in body["detail"]


def test_an_unknown_area_is_404(api: TokenClient) -> None:
    body = assert_error(api.get(URL, {"area": "999999"}), 404, "not_found")
    assert "999999" in body["detail"]


def test_an_area_without_data_computes_from_given_inputs(api: TokenClient) -> None:
    body = api.get(
        URL, {"area": "330100", "price": "0.5", "consumption": "1000000", "capacity": "100"}
    ).json()
    assert body["cost_per_p_month"] == pytest.approx(416.667, abs=1e-3)
    assert body["today"] is None
    assert {i["origin"] for i in body["inputs"] if i["key"] in ("price", "capacity")} == {
        "scenario_input"
    }


def test_saved_scenarios_are_listed_with_todays_figures(
    api: TokenClient, lead: Any, power_demo: Any
) -> None:
    scenario = power_scenario_create(
        actor=lead,
        name="水电直供",
        note="假设",
        area="510100",
        overrides=PowerOverrides(price=0.35),
        include_in_briefing=True,
    )
    body = api.get("/api/v1/analytics/power-scenarios").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["inputs"] == {"price": 0.35}
    assert item["author"] == "lead"
    assert item["include_in_briefing"] is True
    assert round(item["cost_per_p_month"], 1) == 486.1
    assert round(item["saved_result"]["cost_per_p_month"], 1) == 486.1
    one = api.get(f"/api/v1/analytics/power-scenarios/{scenario.pk}").json()
    assert one == item


def test_the_computation_and_the_list_take_a_fixed_number_of_queries(
    api: TokenClient, lead: Any
) -> None:
    api.get("/api/v1/initiatives")  # the token's first use writes once

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        return len(queries)

    assert count(f"{URL}?price=0.35") <= 12
    for n in range(2):
        power_scenario_create(
            actor=lead, name=f"s{n}", area="510100", overrides=PowerOverrides(price=0.3)
        )
    small = count("/api/v1/analytics/power-scenarios")
    for n in range(8):
        PowerScenario.objects.create(
            name=f"t{n}", area_id=PowerScenario.objects.first().area_id, inputs={"price": 0.4}
        )
    assert count("/api/v1/analytics/power-scenarios") == small
