"""An indicator holding annual and half-year values: never joined, in time order, everywhere."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from indicators.models import Indicator, Source
from indicators.selectors import indicator_detail, key_indicator_figures
from indicators.services import source_ingest
from policy.briefings.periods import parse_period as briefing_period
from policy.briefings.selectors import briefing_facts
from policy.models import Region
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db

# IDC as republished: two annual totals and two first halves, in the order the sheet has them.
CSV = "period,value\n2022,67\n2023H1,31\n2023,94\n2024H1,50\n2024,221\n2024年1-9月,140\n"


@pytest.fixture
def market(db) -> Source:
    Region.objects.get_or_create(code="CHN", defaults={"name_zh": "中国", "level": "country"})
    Indicator.objects.create(
        code="cn-accel-server-market",
        name_zh="中国加速服务器市场规模",
        name_en="China accelerated-server market",
        unit="亿美元",
        category="supply_chain",
        frequency="H",
        decimals=0,
    )
    source = Source.objects.create(
        code="idc",
        name="IDC",
        kind="csv",
        options={"indicator": "cn-accel-server-market", "area": "CHN", "unit": "亿美元"},
    )
    source.file.save("idc.csv", ContentFile(CSV.encode()))
    source_ingest(source=source)
    return source


def test_the_detail_groups_by_frequency_in_time_order_and_states_the_mismatch(
    official, market
) -> None:
    detail = indicator_detail(official, "cn-accel-server-market")
    assert detail is not None
    assert [(r.freq, r.period) for r in detail.rows] == [
        ("A", "2022"),
        ("A", "2023"),
        ("A", "2024"),
        ("C", "2024-YTD09"),
        ("H", "2023-H1"),
        ("H", "2024-H1"),
    ]
    check = detail.frequencies
    assert check.observed == ("A", "C", "H")
    assert not check.matches
    assert "3 种频率（年度、年内累计、半年）" in check.message


def test_the_page_names_each_frequency_and_the_chart_draws_them_apart(
    official_client, market
) -> None:
    html = official_client.get(
        reverse("indicators:detail", args=["cn-accel-server-market"])
    ).content.decode()
    assert "frequency-note" in html
    figure = html.split('id="indicator-figure" type="application/json">')[1].split("</script>")[0]
    traces = json.loads(figure)["data"]
    assert [t["meta"] for t in traces] == ["A", "C", "H"]
    assert [list(t["y"]) for t in traces] == [[67, 94, 221], [140], [31, 50]]
    assert "2024年1-9月（累计）" in html


def test_the_csv_export_says_each_value_s_frequency(official_client, market) -> None:
    body = official_client.get(
        reverse("indicators:download-csv", args=["cn-accel-server-market"])
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    frequency = rows[0].index("频率")
    assert [(r[4], r[frequency]) for r in rows[1:]][:4] == [
        ("2022", "年度"),
        ("2023", "年度"),
        ("2024", "年度"),
        ("2024年1-9月（累计）", "年内累计"),
    ]


def test_the_api_series_lists_frequencies_and_groups_the_points(official, market) -> None:
    response = TokenClient(official).get("/api/v1/indicators/cn-accel-server-market/series")
    body = response.json()
    assert body["frequencies"] == [
        {"frequency": "A", "count": 3},
        {"frequency": "C", "count": 1},
        {"frequency": "H", "count": 2},
    ]
    assert body["frequency_matches"] is False
    assert [(p["frequency"], p["period"]) for p in body["points"]][2:4] == [
        ("A", "2024"),
        ("C", "2024-YTD09"),
    ]
    assert body["points"][3]["period_end"] == "2024-09-30"


def test_the_key_figure_shows_one_frequency_only(official, market) -> None:
    Indicator.objects.filter(code="cn-accel-server-market").update(frequency="A")
    (figure,) = key_indicator_figures(official)
    assert (figure.period, figure.value) == ("2024", 221)
    assert figure.others == []


def test_a_briefing_compares_a_year_with_the_year_before_never_a_half(market) -> None:
    facts = briefing_facts(briefing_period("monthly", "2026-10"))
    lines = {(i.period, i.prior_period) for i in facts.indicators}
    assert ("2024", "2023") in lines
    assert ("2024-H1", "2023-H1") in lines
