"""Yearbook-style wide tables (CSV, .xlsx, .xls) and Chinese area names resolved to codes."""

from pathlib import Path

import pytest

from indicators.areas import stem
from indicators.connectors import get_connector
from indicators.connectors.yearbook import period_header
from indicators.exceptions import ConnectorError
from indicators.models import Indicator, Observation
from indicators.services import IngestRequest, ingest
from policy.models import Region

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
YEARBOOK = FIXTURES / "yearbook"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2023年", "2023"),
        ("２０２３年", "2023"),
        ("2023", "2023"),
        ("2023年1-6月", "2023-H1"),
        ("2023年1—3月", "2023-Q1"),
        ("2023年1-12月", "2023"),
        ("2023年第一季度", "2023-Q1"),
        ("2023年上半年", "2023-H1"),
        ("地区", None),
        ("", None),
    ],
)
def test_period_headers_as_yearbooks_write_them(text, code):
    assert period_header(text) == code


def test_a_sum_of_nine_months_cannot_be_stored_and_says_so():
    with pytest.raises(ConnectorError, match="1-9月"):
        period_header("2023年1-9月")


def test_a_wide_csv_melts_into_one_observation_per_cell():
    result = get_connector("csv", {"indicator": "power-use"}).parse(
        (YEARBOOK / "power_consumption_wide.csv").read_bytes()
    )

    frame = result.frame
    assert len(frame) == 15
    assert frame.iloc[0][["area", "period", "value", "unit", "locator"]].to_dict() == {
        "area": "全省",
        "period": "2021",
        "value": 3274.8,  # "3,274.8"
        "unit": "亿千瓦时",  # from the unit line above the header
        "locator": 'row 5, column "2021年"',
    }
    assert frame.loc[frame["area"] == "阿坝州", "value"].tolist() == [9.8, 10.4]  # "１０．４"
    assert "自贡市" in set(frame["area"])  # "  自贡市": the indent is no part of the name
    assert result.missing == 3  # "—", "…" and "-"
    assert result.labels["indicator"] == {"power-use": "四川省分市州全社会用电量（2021—2023年）"}


@pytest.mark.parametrize("name", ["power_generation_wide.xlsx", "power_generation_wide.xls"])
def test_wide_workbooks_with_merged_titles_and_headers(name):
    result = get_connector("excel", {"indicator": "A0E0101"}).parse((YEARBOOK / name).read_bytes())

    frame = result.frame
    assert set(frame["period"]) == {"2021", "2022", "2023", "2024-H1"}
    assert frame.loc[frame["area"] == "全省", "value"].tolist() == [4558.9, 4705.9, 5012.4, 2387.6]
    assert "成都市" in set(frame["area"])  # "成 都 市"
    assert result.units == {"A0E0101": "亿千瓦时"}
    assert result.missing == 1  # 攀枝花 2023 "—"
    assert frame["locator"].iloc[-1].endswith(', column "2024年1-6月"')


def test_a_wide_table_needs_the_indicator_option():
    with pytest.raises(ConnectorError, match='set the "indicator" option'):
        get_connector("csv").parse((YEARBOOK / "power_consumption_wide.csv").read_bytes())


def test_layout_long_refuses_to_read_a_wide_table():
    with pytest.raises(ConnectorError, match="Required column"):
        get_connector("csv", {"indicator": "x", "layout": "long"}).parse(
            (YEARBOOK / "power_consumption_wide.csv").read_bytes()
        )


def test_an_unknown_layout_is_refused():
    with pytest.raises(ConnectorError, match='Option "layout" must be'):
        get_connector("excel", {"layout": "tall"})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("成都市", "成都"),
        ("成都", "成都"),
        ("甘孜藏族自治州", "甘孜"),
        ("甘孜州", "甘孜"),
        ("阿坝藏族羌族自治州", "阿坝"),
        ("凉山州", "凉山"),
        ("四川省", "四川"),
        ("成 都 市", "成都"),
    ],
)
def test_area_names_reduce_to_their_stem(name, expected):
    assert stem(name) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["power_consumption_wide.csv", "power_generation_wide.xlsx", "power_generation_wide.xls"],
)
def test_chinese_area_names_are_stored_under_the_region_codes(name):
    Indicator.objects.create(code="A0E0101", name_zh="发电量", unit="亿千瓦时")
    request = IngestRequest(
        kind="csv" if name.endswith(".csv") else "excel",
        options={"indicator": "A0E0101"},
        label=name,
        payload=(YEARBOOK / name).read_bytes(),
        create_missing=True,  # still no region is created for a name
    )
    regions = Region.objects.count()

    run = ingest(request)

    areas = set(Observation.objects.values_list("area__code", flat=True))
    assert {"510000", "510100"} <= areas
    assert areas <= {
        "510000",
        "510100",
        "510300",
        "510400",
        "511800",
        "513200",
        "513300",
        "513400",
    }
    assert Region.objects.count() == regions
    assert run.inserted == Observation.objects.count()
    assert ingest(request).unchanged == run.inserted


@pytest.mark.django_db
def test_an_unknown_area_name_names_the_closest_known_ones_and_writes_nothing():
    Indicator.objects.create(code="A0E0101", name_zh="发电量", unit="亿千瓦时")
    request = IngestRequest(
        kind="excel",
        options={"indicator": "A0E0101"},
        label="x",
        payload=(FIXTURES / "bad" / "unknown_area_name.xls").read_bytes(),
        create_missing=True,
    )

    with pytest.raises(ConnectorError) as caught:
        ingest(request)

    message = caught.value.message
    assert 'unknown area name "成都县" (sheet 发电量, row 6, column "2021年"' in message
    assert "成都市 (510100)" in message
    assert Observation.objects.count() == 0
    assert not Region.objects.filter(name_zh__contains="成都县").exists()


def test_an_empty_sheet_is_named():
    with pytest.raises(ConnectorError, match='The sheet "空表" is empty'):
        get_connector("excel").parse((FIXTURES / "bad" / "empty_sheet.xlsx").read_bytes())
