import datetime
import json
from pathlib import Path

import pytest

from indicators.connectors import get_connector
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "json"
OPEN_DATA = (FIXTURES / "open_data_idc_price.json").read_bytes()
OPEN_DATA_OPTIONS = {
    "records_path": "data.items",
    "fields": {
        "indicator": "code",
        "area": "region.code",
        "period": "time",
        "value": "val",
        "indicator_label": "name",
        "area_label": "region.name",
    },
}


def test_it_reads_records_at_a_dotted_path_with_nested_fields():
    result = get_connector("json", OPEN_DATA_OPTIONS).parse(OPEN_DATA)

    assert result.frame[["area", "period", "value", "unit", "locator"]].to_dict("records") == [
        {
            "area": "510100",
            "period": "2024-03",
            "value": 0.58,
            "unit": "元/千瓦时",
            "locator": "data.items[0]",
        },
        {
            "area": "510100",
            "period": "2024-04",
            "value": 0.60,
            "unit": "元/千瓦时",
            "locator": "data.items[1]",
        },
        {
            "area": "510100",
            "period": "2024-05",
            "value": 0.61,
            "unit": "元/千瓦时",
            "locator": "data.items[2]",
        },
        # region.code is the number 511800 in this record: codes are text whatever the type
        {
            "area": "511800",
            "period": "2024-06",
            "value": 0.35,
            "unit": "元/千瓦时",
            "locator": "data.items[4]",
        },
    ]
    assert result.frame["period_start"].tolist()[2] == datetime.date(2024, 5, 1)
    assert result.missing == 1  # "val": null


def test_it_collects_labels_and_units_for_create_missing():
    result = get_connector("json", OPEN_DATA_OPTIONS).parse(OPEN_DATA)

    assert result.labels == {
        "indicator": {"ELEC_PRICE_IDC": "数据中心平均到户电价"},
        "area": {"510100": "成都市", "511800": "雅安市"},
    }
    assert result.units == {"ELEC_PRICE_IDC": "元/千瓦时"}


def test_a_top_level_list_with_canonical_field_names_needs_no_options():
    result = get_connector("json").parse((FIXTURES / "compute_capacity_list.json").read_bytes())

    assert result.frame[["indicator", "period", "value", "dimension", "locator"]].to_dict(
        "records"
    ) == [
        {
            "indicator": "COMPUTE_PFLOPS_FP16",
            "period": "2023",
            "value": 1520.0,
            "dimension": "智算",
            "locator": "records[0]",
        },
        {
            "indicator": "COMPUTE_PFLOPS_FP16",
            "period": "2024-H1",
            "value": 1860.0,
            "dimension": "智算",
            "locator": "records[1]",
        },
        {
            "indicator": "COMPUTE_PFLOPS_FP64",
            "period": "2023",
            "value": 170.0,
            "dimension": "超算",
            "locator": "records[2]",
        },
    ]


def test_maps_and_scale_apply_to_codes_labels_and_values():
    options = {
        **OPEN_DATA_OPTIONS,
        "indicator_map": {"ELEC_PRICE_IDC": "idc-power-price"},
        "area_map": {"510100": "chengdu"},
        "scale": 1000,  # yuan/kWh -> yuan/MWh
    }

    result = get_connector("json", options).parse(OPEN_DATA)

    assert set(result.frame["indicator"]) == {"idc-power-price"}
    assert result.frame["area"].tolist() == ["chengdu", "chengdu", "chengdu", "511800"]
    assert result.frame["value"].tolist() == [580.0, 600.0, 610.0, 350.0]
    assert result.labels["indicator"] == {"idc-power-price": "数据中心平均到户电价"}
    assert result.labels["area"] == {"chengdu": "成都市", "511800": "雅安市"}
    assert result.units == {"idc-power-price": "元/千瓦时"}


def test_a_records_path_that_stops_matching_names_the_step_and_the_keys_there():
    with pytest.raises(ConnectorError) as caught:
        get_connector("json", {**OPEN_DATA_OPTIONS, "records_path": "data.rows"}).parse(OPEN_DATA)

    assert caught.value.message == (
        'The JSON has no "data.rows": data is an object with keys: total, updated, items. '
        'Correct "records_path".'
    )


def test_an_object_at_top_level_asks_for_records_path():
    with pytest.raises(ConnectorError) as caught:
        get_connector("json").parse(OPEN_DATA)

    assert (
        "The top level of the JSON is an object with keys: code, msg, data" in caught.value.message
    )
    assert '"records_path"' in caught.value.message


def test_a_named_field_missing_from_a_record_names_the_record_and_its_fields():
    payload = json.dumps(
        {
            "data": {
                "items": [{"code": "X", "region": {"name": "成都市"}, "time": "2024", "val": 1}]
            }
        }
    )

    with pytest.raises(ConnectorError) as caught:
        get_connector("json", OPEN_DATA_OPTIONS).parse(payload.encode())

    assert caught.value.message.startswith(
        'data.items[0] has no field "region.code" (area). Its fields are: code, region, time, val.'
    )


def test_a_record_that_is_not_an_object_is_reported():
    with pytest.raises(ConnectorError, match=r"records\[1\] is a list, not an object"):
        get_connector("json", {"indicator": "X", "area": "Y"}).parse(
            b'[{"period": "2023", "value": 1}, [2023, 1]]'
        )


def test_a_boolean_value_is_not_a_number():
    with pytest.raises(
        ConnectorError, match=r'records\[0\], field "value": "True" is not a number'
    ):
        get_connector("json", {"indicator": "X", "area": "Y"}).parse(
            b'[{"period": "2023", "value": true}]'
        )


def test_unknown_field_keys_are_refused():
    with pytest.raises(ConnectorError, match='Option "fields" has an unknown key "valeu"'):
        get_connector("json", {"fields": {"valeu": "val"}})


def test_a_list_of_paths_is_not_a_field():
    with pytest.raises(ConnectorError, match='the value for "dimension" must be text; got'):
        get_connector("json", {"fields": {"dimension": ["sex", "age"]}})
