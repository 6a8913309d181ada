import datetime
from pathlib import Path

import pytest

from indicators.connectors import get_connector
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def parse(name, **options):
    return get_connector("sdmx-csv", options).parse((FIXTURES / "sdmx-csv" / name).read_bytes())


def test_version_1_with_eurostat_lowercase_components():
    result = parse(
        "estat_nama_10_gdp_v1.csv", columns={"indicator": "na_item", "area": "geo", "unit": "unit"}
    )

    assert result.frame.drop(columns=["period_start", "note"]).to_dict("records") == [
        {
            "indicator": "B1GQ",
            "area": "DE",
            "period": "2022",
            "value": 3876810.0,
            "unit": "CP_MEUR",
            "dimension": "",
            "locator": "row 2",
        },
        {
            "indicator": "B1GQ",
            "area": "DE",
            "period": "2023",
            "value": 4121160.0,
            "unit": "CP_MEUR",
            "dimension": "",
            "locator": "row 3",
        },
        {
            "indicator": "B1GQ",
            "area": "FR",
            "period": "2023",
            "value": 2803011.5,
            "unit": "CP_MEUR",
            "dimension": "",
            "locator": "row 4",
        },
    ]
    assert result.missing == 1  # IE 2023: empty OBS_VALUE, flag "c" (confidential)
    assert result.units == {"B1GQ": "CP_MEUR"}


def test_version_2_with_labels_semicolons_and_unit_multiplier():
    result = parse("imf_weo_v2_labels_semicolon.csv")

    frame = result.frame
    assert frame[["indicator", "area", "period", "unit", "locator"]].to_dict("records") == [
        {"indicator": "NGDPD", "area": "CHN", "period": "2023", "unit": "USD", "locator": "row 2"},
        {"indicator": "NGDPD", "area": "CHN", "period": "2022", "unit": "USD", "locator": "row 3"},
        {"indicator": "NGDPD", "area": "IND", "period": "2023", "unit": "USD", "locator": "row 4"},
    ]
    # UNIT_MULT 9 ("Billions"): 17794.78 billion US dollars stored in dollars
    assert frame["value"].tolist() == pytest.approx([17794.78e9, 17881.78e9, 3549.92e9])
    assert result.missing == 1  # PRK: empty OBS_VALUE; the attribute-only row 6 is no observation
    assert result.labels == {
        "indicator": {"NGDPD": "Gross domestic product, current prices"},
        "area": {"CHN": "China", "IND": "India", "PRK": "Korea, Dem. People's Rep. of"},
    }


def test_scale_applies_after_the_unit_multiplier():
    result = parse("imf_weo_v2_labels_semicolon.csv", scale=1e-9)

    assert result.frame["value"].tolist() == pytest.approx([17794.78, 17881.78, 3549.92])


def test_extra_dimensions_fold_into_dimension_and_replace_actions_are_data():
    result = parse(
        "oecd_v2_dimensions.csv",
        columns={"indicator": "MEASURE"},
        dimension_columns=["sex", "AGE"],
    )

    assert result.frame[["area", "period", "dimension", "value"]].to_dict("records") == [
        {"area": "JPN", "period": "2023-Q1", "dimension": "SEX=F;AGE=Y15T64", "value": 2.4},
        {"area": "JPN", "period": "2023-Q1", "dimension": "SEX=M;AGE=Y15T64", "value": 2.8},
        {"area": "JPN", "period": "2023-Q2", "dimension": "SEX=F;AGE=Y15T64", "value": 2.5},
    ]
    assert result.frame["period_start"].tolist()[2] == datetime.date(2023, 4, 1)
    assert result.missing == 1  # KOR: "NaN"


def test_indicator_falls_back_to_the_option_when_there_is_no_indicator_column():
    payload = b"DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nBIS:WS_CBPOL(1.0),CN,2024-06,3.45\n"

    result = get_connector("sdmx-csv", {"indicator": "policy-rate"}).parse(payload)

    assert result.frame[["indicator", "area", "period", "value"]].to_dict("records") == [
        {"indicator": "policy-rate", "area": "CN", "period": "2024-06", "value": 3.45}
    ]


def test_a_delete_action_is_refused_with_its_row():
    with pytest.raises(ConnectorError) as caught:
        get_connector("sdmx-csv").parse((FIXTURES / "bad" / "sdmx_v2_delete.csv").read_bytes())

    assert caught.value.message.startswith('row 3 is a delete instruction (ACTION "D").')
    assert "ask an administrator" not in caught.value.message
    assert "delete the observations by hand in the admin" in caught.value.message


def test_an_unknown_action_is_refused():
    payload = b"STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\ndataflow,X:Y(1.0),Z,CN,I,2023,1\n"

    with pytest.raises(ConnectorError, match='row 2 has the unknown ACTION "Z"'):
        get_connector("sdmx-csv").parse(payload)


def test_a_named_component_that_is_absent_lists_the_header():
    with pytest.raises(ConnectorError) as caught:
        parse("oecd_v2_dimensions.csv", dimension_columns=["SEX", "EDUCATION"])

    assert 'no column "EDUCATION" (dimension)' in caught.value.message
    assert (
        "STRUCTURE, STRUCTURE_ID, ACTION, REF_AREA, MEASURE, SEX, AGE, TIME_PERIOD"
        in caught.value.message
    )


def test_a_plain_csv_is_not_taken_for_sdmx():
    with pytest.raises(ConnectorError) as caught:
        get_connector("sdmx-csv").parse(
            "指标代码,地区代码,年份,数值\nA0E0101,510000,2023,1\n".encode()
        )

    assert 'the first line is "指标代码,地区代码,年份,数值"' in caught.value.message
    assert 'use kind "csv"' in caught.value.message


def test_a_bad_unit_multiplier_names_its_row():
    payload = b"DATAFLOW,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MULT\nX:Y(1.0),CN,GDP,2023,1,six\n"

    with pytest.raises(
        ConnectorError, match='row 2, column "UNIT_MULT": "six" is not a power-of-ten'
    ):
        get_connector("sdmx-csv").parse(payload)


def test_a_row_with_a_different_cell_count_is_refused():
    payload = b"DATAFLOW,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\nX:Y(1.0),CN,GDP,2023\n"

    with pytest.raises(ConnectorError, match=r"row 2 has 4 cells but the header \(row 1\) has 5"):
        get_connector("sdmx-csv").parse(payload)


def test_a_dataflow_without_indicator_dimension_is_the_indicator():
    result = parse("bis_ws_cbpol_v1_no_indicator.csv")

    assert set(result.frame["indicator"]) == {"WS_CBPOL"}
    assert result.frame[["area", "period", "value"]].to_dict("records")[-1] == {
        "area": "XM",
        "period": "2024-06",
        "value": 4.25,
    }
    assert result.missing == 1  # JP: NaN
    assert set(result.frame["dimension"]) == {""}  # FREQ, UNIT_MULT, OBS_STATUS never fold


def test_labels_without_a_space_after_the_colon_and_varying_dimensions_fold():
    result = parse("estat_lfsa_urgaed_v2_labels_nospace.csv")

    assert result.frame[["indicator", "area", "dimension", "value"]].to_dict("records") == [
        {"indicator": "LFSA_URGAED", "area": "DE", "dimension": "sex=F;age=Y25-29", "value": 3.6},
        {"indicator": "LFSA_URGAED", "area": "DE", "dimension": "sex=M;age=Y25-29", "value": 4.3},
        {"indicator": "LFSA_URGAED", "area": "DE", "dimension": "sex=F;age=Y30-34", "value": 3.1},
        {"indicator": "LFSA_URGAED", "area": "FR", "dimension": "sex=F;age=Y25-29", "value": 7.9},
    ]
    assert result.labels["indicator"] == {
        "LFSA_URGAED": "Unemployment rates by sex age and educational attainment level (%)"
    }
    assert result.labels["area"]["DE"] == "Germany"
    assert result.units == {"LFSA_URGAED": "PC"}
    assert result.missing == 1  # MT: empty, flag "u"


def test_the_dataflow_label_comes_from_the_cell_and_area_from_geo():
    payload = (
        b"DATAFLOW,GEO: Geopolitical entity,TIME_PERIOD:Time period,OBS_VALUE\n"
        b"BIS:WS_CBPOL(1.0):Central bank policy rates,CN:China,2024-06,3.45\n"
        b"OECD.SDD.TPS:DSD_LFS@DF_IALFS_UNE_Q(1.0),JP,2024-06,2.5\n"
    )

    result = get_connector("sdmx-csv").parse(payload)

    assert result.frame[["indicator", "area"]].to_dict("records") == [
        {"indicator": "WS_CBPOL", "area": "CN"},
        {"indicator": "DF_IALFS_UNE_Q", "area": "JP"},
    ]
    assert result.labels["indicator"] == {"WS_CBPOL": "Central bank policy rates"}


def test_a_file_without_time_period_names_its_columns():
    with pytest.raises(ConnectorError) as caught:
        get_connector("sdmx-csv").parse(
            (FIXTURES / "bad" / "sdmx_csv_no_time_period.csv").read_bytes()
        )

    assert 'no column "TIME_PERIOD" (period)' in caught.value.message
    assert "DATAFLOW, FREQ, REF_AREA, TIME, OBS_VALUE" in caught.value.message
