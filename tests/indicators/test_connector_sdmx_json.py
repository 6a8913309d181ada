"""SDMX-JSON data messages as ECB (2.0, series level) and IMF (1.0, all dimensions) send them."""

from pathlib import Path

import pytest

from indicators.connectors import get_connector
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def parse(name, **options):
    return get_connector("sdmx-json", options).parse((FIXTURES / "sdmx-json" / name).read_bytes())


def test_ecb_series_the_dataflow_is_the_indicator_and_the_currency_folds():
    result = parse("ecb_exr_v2_series.json", area="EA")

    frame = result.frame
    assert set(frame["indicator"]) == {"EXR"}
    assert frame[["period", "value", "unit", "dimension"]].to_dict("records")[2:4] == [
        {"period": "2024-05", "value": 1.0812, "unit": "USD", "dimension": "CURRENCY=USD"},
        {"period": "2024-03", "value": 7.8144, "unit": "CNY", "dimension": "CURRENCY=CNY"},
    ]
    assert frame["locator"].iloc[3] == "dataSets[0] series 0:1:0:0:0 observation 0"
    assert result.missing == 1  # CNY 2024-05: null
    assert result.labels["indicator"] == {"EXR": "Exchange Rates"}


def test_imf_all_dimensions_with_unit_multiplier_and_nan():
    result = parse("imf_ifs_v1_alldimensions.json")

    assert result.frame[["indicator", "area", "period", "value"]].to_dict("records") == [
        {"indicator": "NGDP_XDC", "area": "CN", "period": "2022", "value": 1260582.1e6},
        {"indicator": "NGDP_XDC", "area": "CN", "period": "2023", "value": 1325919.4e6},
        {"indicator": "NGDP_XDC", "area": "IN", "period": "2022", "value": 17594.3e6},
    ]
    assert result.missing == 1  # "NaN"
    assert result.labels["area"]["CN"] == "China, P.R.: Mainland"


def test_named_dimensions_fold_even_when_they_do_not_vary():
    result = parse("ecb_exr_v2_series.json", area="EA", dimension_columns=["CURRENCY", "EXR_TYPE"])

    assert result.frame["dimension"].iloc[0] == "CURRENCY=USD;EXR_TYPE=SP00"


def test_a_key_outside_the_structure_names_the_series():
    with pytest.raises(ConnectorError) as caught:
        get_connector("sdmx-json").parse(
            (FIXTURES / "bad" / "sdmx_json_key_out_of_range.json").read_bytes()
        )

    assert caught.value.message.startswith(
        'dataSets[0] series 0:2 names value 2 of "REF_AREA", which has 2 values'
    )


def test_other_json_is_not_taken_for_sdmx():
    with pytest.raises(ConnectorError, match="not an SDMX-JSON data message"):
        get_connector("sdmx-json").parse(b'{"data": [1, 2]}')


def test_a_series_without_area_needs_the_area_option():
    with pytest.raises(ConnectorError, match="has no area code"):
        parse("ecb_exr_v2_series.json")
