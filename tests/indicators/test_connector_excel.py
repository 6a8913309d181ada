import datetime
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from indicators.connectors import CANONICAL_COLUMNS, get_connector
from indicators.exceptions import ConnectorError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POWER = (FIXTURES / "excel" / "power_by_prefecture.xlsx").read_bytes()
POWER_OPTIONS = {"sheet": "发电量", "indicator": "A0E0101", "columns": {"value": "发电量"}}


def test_it_reads_the_named_sheet_below_a_merged_title():
    result = get_connector("excel", POWER_OPTIONS).parse(POWER)

    frame = result.frame
    assert list(frame.columns) == CANONICAL_COLUMNS
    assert frame[["area", "period", "value", "locator"]].to_dict("records") == [
        {"area": "510000", "period": "2023", "value": 5012.4, "locator": "sheet 发电量, row 5"},
        # "510000" and "2022年" typed as text, "4,705.9" a number stored as text
        {"area": "510000", "period": "2022", "value": 4705.9, "locator": "sheet 发电量, row 6"},
        # 510100.0: a code Excel turned into a float; " 123.6 " padded text
        {"area": "510100", "period": "2023", "value": 123.6, "locator": "sheet 发电量, row 7"},
    ]
    assert frame["period_start"].tolist()[1] == datetime.date(2022, 1, 1)
    assert set(frame["indicator"]) == {"A0E0101"}
    assert result.missing == 2  # "—" and an empty cell; the blank row and 注 footnote are skipped


def test_it_matches_headers_that_wrap_inside_the_cell():
    # The header cell is "地区\n名称"; the mapping names it without the line break.
    connector = get_connector(
        "excel", {**POWER_OPTIONS, "columns": {"value": "发电量", "area_label": "地区名称"}}
    )

    labels = connector.parse(POWER).labels

    assert labels["area"] == {
        "510000": "四川省",
        "510100": "成都市",
        "513300": "甘孜藏族自治州",
        "511800": "雅安市",
    }


def test_the_sheet_can_be_chosen_by_index():
    by_index = get_connector("excel", {**POWER_OPTIONS, "sheet": 1}).parse(POWER)

    assert by_index.frame["locator"].tolist()[0] == "sheet 发电量, row 5"


def test_the_first_sheet_is_the_default_and_says_what_it_lacks():
    with pytest.raises(ConnectorError) as caught:
        get_connector("excel", {"indicator": "A0E0101"}).parse(POWER)

    message = caught.value.message
    assert message.startswith("Required column(s) not found: area (a column named one of:")
    assert "; period (a column named one of:" in message
    assert "; value (a column named one of:" in message
    assert "(sheet 说明, row 1) has the columns: 本表数据来源" in message


def test_an_unknown_sheet_lists_the_sheets():
    with pytest.raises(ConnectorError) as caught:
        get_connector("excel", {**POWER_OPTIONS, "sheet": "发电"}).parse(POWER)

    assert "no sheet '发电'" in caught.value.message
    assert '0 "说明", 1 "发电量"' in caught.value.message


def test_chinese_quarters_and_date_cells_become_periods():
    payload = (FIXTURES / "excel" / "compute_quarterly.xlsx").read_bytes()

    result = get_connector("excel", {"indicator": "COMPUTE_PFLOPS_FP16"}).parse(payload)

    assert result.frame[["period", "value"]].to_dict("records") == [
        {"period": "2024-Q1", "value": 1650.0},
        {"period": "2024-Q2", "value": 1860.0},
        # A date-formatted cell is a day: monthly data stored as dates needs care at the source.
        {"period": "2024-07-31", "value": 1990.0},
    ]


def test_explicit_header_row_is_one_based_like_excel():
    result = get_connector("excel", {**POWER_OPTIONS, "header_row": 4}).parse(POWER)

    assert len(result.frame) == 3


def test_a_truncated_workbook_is_reported_as_damaged():
    with pytest.raises(ConnectorError, match=r"damaged or incomplete .*cut off during download"):
        get_connector("excel").parse((FIXTURES / "bad" / "truncated.xlsx").read_bytes())


def test_a_csv_given_to_the_excel_connector_says_so():
    with pytest.raises(ConnectorError, match='CSV files need kind "csv"'):
        get_connector("excel").parse(b"indicator,area,period,value\n")


def test_encoding_is_not_an_excel_option():
    with pytest.raises(ConnectorError, match='Unknown option "encoding" for kind "excel"'):
        get_connector("excel", {"encoding": "gbk"})


def test_chart_sheets_are_not_counted_or_listed():
    workbook = Workbook()
    workbook.remove(workbook.active)
    chart_sheet = workbook.create_chartsheet("图表")
    data = workbook.create_sheet("数据")
    data.append(["area", "period", "value"])
    data.append(["510100", 2023, 1.5])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=3, min_row=1, max_row=2), titles_from_data=True)
    chart_sheet.add_chart(chart)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = get_connector("excel", {"indicator": "X", "sheet": 0}).parse(buffer.getvalue())

    assert result.frame["locator"].tolist() == ["sheet 数据, row 2"]
    with pytest.raises(ConnectorError, match=r'Its sheets are: 0 "数据"\. Set "sheet"'):
        get_connector("excel", {"indicator": "X", "sheet": "图表"}).parse(buffer.getvalue())


def test_openpyxl_reads_untrusted_workbooks_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_workbook_that_declares_xml_entities_is_refused(tmp_path):
    import io
    import zipfile

    source = (FIXTURES / "excel" / "compute_quarterly.xlsx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(out, "w") as bomb:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                if data.startswith(b"<?xml"):
                    head, sep, rest = data.partition(b"?>")
                    data = head + sep + doctype + rest
                else:
                    data = doctype + data
            bomb.writestr(item, data)

    with pytest.raises(ConnectorError, match="declares XML entities"):
        get_connector("excel").parse(out.getvalue())


def test_an_excel_97_2003_workbook_is_read_like_an_xlsx():
    payload = (FIXTURES / "yearbook" / "power_generation_wide.xls").read_bytes()

    result = get_connector("excel", {"indicator": "A0E0101", "sheet": "发电量"}).parse(payload)

    assert result.frame["locator"].iloc[0] == 'sheet 发电量, row 4, column "2021年"'
    with pytest.raises(ConnectorError, match='Its sheets are: 0 "发电量", 1 "说明"'):
        get_connector("excel", {"indicator": "A0E0101", "sheet": "表1"}).parse(payload)
