import datetime
import re
from pathlib import Path

import pytest

from indicators.connectors import CANONICAL_COLUMNS, get_connector
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POWER = FIXTURES / "csv" / "power_generation_titled.csv"
POWER_OPTIONS = {"columns": {"value": "发电量", "area_label": "地区名称"}}


def parse(path, **options):
    return get_connector("csv", options).parse(path.read_bytes())


def test_it_finds_the_header_below_title_lines_and_reads_chinese_columns():
    result = parse(POWER, **POWER_OPTIONS)

    assert list(result.frame.columns) == CANONICAL_COLUMNS
    assert result.frame.drop(columns="note").to_dict("records") == [
        {
            "indicator": "A0E0101",
            "area": "510000",
            "period": "2023",
            "period_start": datetime.date(2023, 1, 1),
            "value": 5012.4,
            "unit": "亿千瓦小时",
            "dimension": "",
            "locator": "row 5",
        },
        {
            "indicator": "A0E0101",
            "area": "510000",
            "period": "2022",
            "period_start": datetime.date(2022, 1, 1),
            "value": 4705.9,  # "4 705.9": space as thousands separator
            "unit": "亿千瓦小时",
            "dimension": "",
            "locator": "row 6",
        },
        {
            "indicator": "A0E0101",
            "area": "510100",  # ="510100", Excel's keep-leading-zeros trick
            "period": "2023",
            "period_start": datetime.date(2023, 1, 1),
            "value": 123.6,  # full-width digits
            "unit": "亿千瓦小时",
            "dimension": "",
            "locator": "row 7",
        },
    ]
    assert str(result.frame["value"].dtype) == "float64"


def test_it_counts_every_missing_marker_and_never_writes_zero():
    result = parse(POWER, **POWER_OPTIONS)

    # "..", "—", "-", "NA" and an empty cell; the blank line and the 注 footnote are no rows.
    assert result.missing == 5
    assert 0.0 not in result.frame["value"].tolist()
    assert set(result.frame["area"]) == {"510000", "510100"}


def test_it_reports_units_and_area_labels_as_published():
    result = parse(POWER, **POWER_OPTIONS)

    assert result.units == {"A0E0101": "亿千瓦小时"}
    assert result.labels["area"]["513300"] == "甘孜藏族自治州"
    assert result.labels["indicator"] == {}


def test_it_sniffs_semicolons_and_reads_decimal_commas_when_told():
    result = parse(FIXTURES / "csv" / "idc_power_price_semicolon.csv", decimal=",")

    assert result.frame["period"].tolist() == [
        "2023-Q1",
        "2023-Q2",
        "2023-Q3",
        "2023-Q4",
        "2023-H1",
    ]
    assert result.frame["value"].tolist() == [0.52, 0.55, 0.58, 0.61, 0.34]
    assert result.frame["unit"].tolist() == ["yuan/kWh"] * 5


def test_without_decimal_comma_the_comma_is_a_thousands_separator():
    result = parse(FIXTURES / "csv" / "idc_power_price_semicolon.csv")

    assert result.frame["value"].tolist()[0] == 52.0


def test_it_reads_tabs_percentages_and_uses_constants_for_absent_columns():
    result = parse(
        FIXTURES / "csv" / "hbm_share_tab.tsv",
        indicator="HBM_SHARE",
        area="WORLD",
        unit="%",
        columns={"value": "市场份额", "dimension": "供应商"},
    )

    frame = result.frame
    assert frame["value"].tolist() == [53.0, 38.0, 9.0]  # "53%", "38 %", "９%"
    assert frame["dimension"].tolist() == ["SK hynix", "Samsung", "Micron"]
    assert set(frame["indicator"]) == {"HBM_SHARE"}
    assert set(frame["area"]) == {"WORLD"}
    assert set(frame["unit"]) == {"%"}
    assert result.units == {}  # the unit came from the options, not from the file


def test_explicit_header_row_and_delimiter_override_detection():
    payload = "说明\n日期|无关\n地区,年份,数值\n510100,2023,1.5\n".encode()
    connector = get_connector("csv", {"header_row": 3, "delimiter": ",", "indicator": "X"})

    result = connector.parse(payload)

    assert result.frame[["area", "period", "value", "locator"]].to_dict("records") == [
        {"area": "510100", "period": "2023", "value": 1.5, "locator": "row 4"}
    ]


def test_several_dimension_columns_fold_into_one_text():
    payload = "地区,年份,性别,年龄组,数值\n510000,2023,女,15-64,52.1\n".encode()
    connector = get_connector(
        "csv", {"indicator": "LFPR", "columns": {"dimension": ["性别", "年龄组"]}}
    )

    assert connector.parse(payload).frame["dimension"].tolist() == ["性别=女;年龄组=15-64"]


def test_gbk_parses_when_the_encoding_is_declared():
    gbk = parse(FIXTURES / "bad" / "gbk_undeclared.csv", encoding="gbk", **POWER_OPTIONS)
    utf8 = parse(POWER, **POWER_OPTIONS)

    assert gbk.frame.equals(utf8.frame)
    assert gbk.missing == utf8.missing == 5


def test_gbk_without_declaration_says_how_to_fix_it():
    with pytest.raises(ConnectorError) as caught:
        parse(FIXTURES / "bad" / "gbk_undeclared.csv", **POWER_OPTIONS)

    message = caught.value.message
    assert "not valid UTF-8 (byte 0xCB at offset 0, line 1)" in message
    assert "looks like GBK" in message
    assert '"encoding": "gbk"' in message


def test_a_named_column_that_is_absent_is_reported_with_the_columns_found():
    with pytest.raises(ConnectorError) as caught:
        parse(POWER, columns={"value": "发电量(亿千瓦时)"})

    message = caught.value.message
    assert '"发电量(亿千瓦时)" (value)' in message
    assert "(row 4)" in message
    assert "指标代码, 地区代码, 地区名称, 年份, 发电量, 单位" in message


def test_a_missing_indicator_column_suggests_the_indicator_option():
    with pytest.raises(ConnectorError, match='or set the "indicator" option'):
        get_connector("csv").parse("地区,年份,数值\n510100,2023,1\n".encode())


def test_a_header_row_past_the_end_is_reported():
    with pytest.raises(ConnectorError, match='"header_row" is 9, but the table has 2 rows'):
        get_connector("csv", {"header_row": 9}).parse(b"indicator,area,period,value\nX,1,2023,1\n")


def test_junk_in_a_value_cell_names_row_and_column():
    payload = (
        "指标代码,地区代码,年份,数值\nA0E0101,510000,2023,5012.4\nA0E0101,510100,2023,5012.4亿\n"
    )

    with pytest.raises(ConnectorError) as caught:
        get_connector("csv").parse(payload.encode())

    assert caught.value.message.startswith('row 3, column "数值": "5012.4亿" is not a number.')
    assert caught.value.fields == {"locator": 'row 3, column "数值"'}


@pytest.mark.parametrize("kind", ["csv", "sdmx-csv"])
@pytest.mark.parametrize("delimiter", [";;", "gbk", "数"])
def test_an_unsupported_delimiter_option_is_refused(kind, delimiter):
    with pytest.raises(
        ConnectorError, match=re.escape('"delimiter" must be ",", ";", "|" or a tab')
    ):
        get_connector(kind, {"delimiter": delimiter})


def test_a_pipe_delimiter_can_be_set():
    payload = "指标代码|地区代码|年份|数值\nA0E0101|510000|2023|5012.4\n".encode()

    assert get_connector("csv", {"delimiter": "|"}).parse(payload).frame["value"].tolist() == [
        5012.4
    ]


def test_an_empty_dimension_list_is_refused():
    with pytest.raises(ConnectorError, match='"dimension" must be text or a list of texts; got'):
        get_connector("csv", {"columns": {"dimension": []}})
