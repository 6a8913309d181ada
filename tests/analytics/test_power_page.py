"""The /analytics/power/ page: a GET form computed on the server, messages, navigation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/analytics/power/"


def _text(response: Any) -> str:
    html = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _figure(response: Any, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    assert match, f"no {name} on the page"
    return match[1].strip()


@pytest.mark.parametrize("actor", ["official", "owner", "lead", "admin_user"])
def test_every_role_sees_todays_833_with_its_provenance(
    actor: str, power_demo: Any, request: pytest.FixtureRequest
) -> None:
    response = client_for(request.getfixturevalue(actor)).get(URL)
    assert response.status_code == 200
    assert _figure(response, "today-month") == "833.3"
    text = _text(response)
    assert "dc_annual_kwh * dc_power_price / dc_capacity_p / 12" in text
    assert "算力中心电价与用电（测试）" in text  # the source of each input
    assert "沈阳市" in text
    assert "800" in text
    assert "杭州市 暂无数据" in text


def test_the_form_works_without_javascript_as_a_get_request(
    power_demo: Any, official_client: Client
) -> None:
    response = official_client.get(URL, {"area": "510100", "price": "0.35"})
    assert _figure(response, "scenario-month") == "486.1"
    assert _figure(response, "difference").startswith("−347.2")
    text = _text(response)
    assert "情景输入 替换指标值 0.6（2023）" in text
    assert "保本电价：要与沈阳市（800 元/(P·月)，2023）持平，全年平均电价需为 0.576 元/度" in text
    html = response.content.decode()
    assert '<form method="get" action="/analytics/power/"' in html
    assert 'value="0.35"' in html  # the form keeps what was typed
    assert "<script>" not in html  # no inline script (CSP); data goes through json_script
    assert 'id="fig-power-compare" type="application/json"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"price": "-1"}, "电价：电价须大于 0 且不超过 10 元/度（收到 -1）。"),
        ({"price": "12"}, "不超过 10 元/度（收到 12）"),
        ({"capacity": "0"}, "算力规模须大于 0"),
        ({"price": "abc"}, "电价："),
        ({"wet_months": "13-2", "wet_price": "0.3"}, "月份应写作 6-10 或 12,1-4"),
        ({"pue": "1.2"}, "该地区没有当前 PUE 的数据"),
        ({"green_share": "30"}, "请同时填写绿电价格"),
        ({"area": "999999"}, "没有代码为“999999”的地区"),
        (
            {"wet_months": "5-7", "wet_price": "0.3", "dry_months": "7-9", "dry_price": "0.7"},
            "丰水期与枯水期的月份重叠（7 月）",
        ),
    ],
)
def test_bad_inputs_get_a_clear_chinese_message_on_the_page(
    power_demo: Any, official_client: Client, params: dict[str, str], message: str
) -> None:
    response = official_client.get(URL, params)
    assert response.status_code == 200
    text = _text(response)
    assert message in text, text[:3000]
    assert 'role="alert"' in response.content.decode()
    assert 'data-figure="scenario-month"' not in response.content.decode()


def test_an_area_without_data_asks_for_the_missing_inputs(
    power_demo: Any, official_client: Client
) -> None:
    text = _text(official_client.get(URL, {"area": "330100"}))
    assert "该指标不足以计算" in text or "该地区的指标不足以计算" in text
    filled = official_client.get(
        URL, {"area": "330100", "price": "0.5", "consumption": "1000000", "capacity": "100"}
    )
    assert _figure(filled, "scenario-month") == "416.7"


def test_the_seasonal_option_shows_each_months_price(
    power_demo: Any, official_client: Client
) -> None:
    response = official_client.get(URL, {"wet_price": "0.3", "dry_price": "0.7"})
    text = _text(response)
    assert "各月电网电价" in text
    assert "丰水期：6-10 月；枯水期：12-4 月。" in text
    assert '<details class="seasonal" open>' in response.content.decode()


def test_the_page_is_in_the_navigation_in_both_languages(
    power_demo: Any, official_client: Client
) -> None:
    html = official_client.get("/").content.decode()
    assert f'href="{URL}"' in html
    assert "电费测算" in html
    official_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = official_client.get(URL)
    text = _text(page)
    assert "Power cost" in text
    assert "Electricity cost per P per month" in text
    with translation.override("en"):
        assert "电费测算" not in text


def test_someone_without_a_role_is_refused_and_anonymous_goes_to_login(
    power_demo: Any, outsider: Any
) -> None:
    assert client_for(outsider).get(URL).status_code == 403
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
