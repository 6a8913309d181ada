import datetime
import json
from pathlib import Path

import pytest

from indicators.connectors import get_connector
from indicators.connectors.nbs import nbs_period
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nbs"


def parse(name, **options):
    return get_connector("nbs", options).parse((FIXTURES / name).read_bytes())


def test_provincial_annual_data_with_units_and_labels_from_wdnodes():
    result = parse("fsnd_a0e0101_power_output.json")

    assert result.frame[["indicator", "area", "period", "value", "locator"]].to_dict(
        "records"
    ) == [
        {
            "indicator": "A0E0101",
            "area": "510000",
            "period": "2023",
            "value": 5012.4,
            "locator": "datanodes[0] (zb.A0E0101_reg.510000_sj.2023)",
        },
        {
            "indicator": "A0E0101",
            "area": "510000",
            "period": "2022",
            "value": 4705.9,
            "locator": "datanodes[1] (zb.A0E0101_reg.510000_sj.2022)",
        },
        {
            "indicator": "A0E0101",
            "area": "500000",
            "period": "2023",
            "value": 1102.3,
            "locator": "datanodes[2] (zb.A0E0101_reg.500000_sj.2023)",
        },
    ]
    assert result.units == {"A0E0101": "亿千瓦小时"}
    assert result.labels == {
        "indicator": {"A0E0101": "发电量"},
        "area": {"510000": "四川省", "500000": "重庆市"},
    }


def test_hasdata_false_is_missing_even_though_nbs_sends_zero():
    payload = json.loads((FIXTURES / "fsnd_a0e0101_power_output.json").read_text())
    node = payload["returndata"]["datanodes"][3]
    assert node["data"] == {"data": 0, "dotcount": 2, "hasdata": False, "strdata": ""}

    result = parse("fsnd_a0e0101_power_output.json")

    assert result.missing == 1
    assert ("500000", "2022") not in set(
        zip(result.frame["area"], result.frame["period"], strict=True)
    )


def test_national_quarterly_data_uses_the_area_option_and_nbs_quarter_codes():
    result = parse("hgjd_a010101_gdp_quarterly.json", area="CN")

    assert result.frame[["area", "period", "period_start", "value"]].to_dict("records") == [
        {
            "area": "CN",
            "period": "2023-Q1",
            "period_start": datetime.date(2023, 1, 1),
            "value": 284997.0,
        },
        {
            "area": "CN",
            "period": "2023-Q2",
            "period_start": datetime.date(2023, 4, 1),
            "value": 308038.0,
        },
        {
            "area": "CN",
            "period": "2023-Q3",
            "period_start": datetime.date(2023, 7, 1),
            "value": 315942.0,
        },
        {
            "area": "CN",
            "period": "2023-Q4",
            "period_start": datetime.date(2023, 10, 1),
            "value": 351355.0,
        },
    ]
    assert result.units == {"A010101": "亿元"}


def test_national_data_without_the_area_option_says_what_to_set():
    with pytest.raises(ConnectorError) as caught:
        parse("hgjd_a010101_gdp_quarterly.json")

    assert caught.value.message.startswith("datanodes[0] (zb.A010101_sj.2023A) has no area code.")
    assert 'set the "area" option' in caught.value.message


def test_monthly_time_codes():
    result = parse("hgyd_a03010g01_power_monthly.json", area="CN")

    assert result.frame[["period", "value"]].to_dict("records") == [
        {"period": "2023-06", "value": 7399.2}
    ]
    assert result.missing == 1


def test_a_failed_query_quotes_what_nbs_returned():
    with pytest.raises(ConnectorError) as caught:
        parse("error_returncode_501.json")

    assert caught.value.message.startswith(
        'The NBS query failed (returncode 501): "对不起，未能找到符合条件的数据，请检查查询条件。".'
    )


def test_a_node_without_its_time_coordinate_is_reported():
    payload = {
        "returncode": 200,
        "returndata": {
            "datanodes": [
                {
                    "code": "zb.A0E0101",
                    "data": {"data": 1.0, "hasdata": True},
                    "wds": [{"wdcode": "zb", "valuecode": "A0E0101"}],
                }
            ],
            "wdnodes": [],
        },
    }

    with pytest.raises(ConnectorError, match=r'datanodes\[0\] \(zb.A0E0101\) has no wds "sj"'):
        get_connector("nbs", {"area": "CN"}).parse(json.dumps(payload).encode())


@pytest.mark.parametrize(
    ("code", "expected"),
    [("2023A", "2023Q1"), ("2023D", "2023Q4"), ("202306", "202306"), ("2023", "2023")],
)
def test_nbs_quarter_letters(code, expected):
    assert nbs_period(code) == expected


def test_malformed_parts_of_the_response_read_as_absent_not_as_a_crash():
    payload = {
        "returncode": 200,
        "returndata": {
            "datanodes": [
                {"code": "zb.A0E0101_sj.2023", "data": {"data": 1.0, "hasdata": True}, "wds": 7}
            ],
            "wdnodes": [{"wdcode": {"zb": 1}, "nodes": 3}, {"wdcode": "zb", "nodes": 2.5}, "reg"],
        },
    }

    with pytest.raises(
        ConnectorError, match=r'datanodes\[0\] \(zb.A0E0101_sj.2023\) has no wds "zb"'
    ):
        get_connector("nbs", {"area": "CN"}).parse(json.dumps(payload).encode())
