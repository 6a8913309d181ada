"""Every kind of broken input must fail with a message that says what, where and what to do."""

from pathlib import Path

import pytest

from indicators.connectors import CONNECTORS, get_connector
from indicators.exceptions import ConnectorError, FetchError, IngestionError
from indicators.fetch import Fetcher, FetchPolicy
from tests.indicators.http_server import Reply

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
JSON_OPTIONS = {
    "records_path": "data.items",
    "fields": {"indicator": "code", "area": "region.code", "period": "time", "value": "val"},
}

CASES = [
    pytest.param(
        "csv",
        "truncated_mid_line.csv",
        {},
        [
            "row 4 has 3 cells but the header (row 1) has 4",
            "looks cut off",
            "export the file again",
        ],
        id="csv-cut-mid-line",
    ),
    pytest.param(
        "csv",
        "truncated_in_quote.csv",
        {},
        ["malformed at line 3 (unexpected end of data)", "cut off"],
        id="csv-cut-inside-quotes",
    ),
    pytest.param(
        "json",
        "truncated.json",
        JSON_OPTIONS,
        ["The JSON is invalid at line 3, column 49", "ends too early", "cut off. Fetch it again."],
        id="json-cut-mid-object",
    ),
    pytest.param(
        "excel",
        "truncated.xlsx",
        {},
        ["damaged or incomplete (File is not a zip file)", "cut off during download"],
        id="xlsx-truncated-zip",
    ),
    pytest.param(
        "excel",
        "old_format.xls",
        {},
        [".xls workbook (Excel 97-2003) is damaged or incomplete", "save it as .xlsx"],
        id="xls-instead-of-xlsx",
    ),
    pytest.param(
        "csv",
        "gbk_undeclared.csv",
        {"columns": {"value": "发电量"}},
        ["not valid UTF-8 (byte 0xCB at offset 0, line 1)", "looks like GBK", '"encoding": "gbk"'],
        id="gbk-undeclared",
    ),
    pytest.param(
        "csv",
        "missing_value_column.csv",
        {},
        [
            "Required column(s) not found: value",
            "(row 1) has the columns: 指标代码, 地区代码, 年份, 发电量（亿千瓦小时）",
            '"columns"',
        ],
        id="missing-column",
    ),
    pytest.param(
        "csv",
        "non_numeric_value.csv",
        {},
        ['row 3, column "数值": "约5000" is not a number.', "Correct the value"],
        id="non-numeric-value",
    ),
    pytest.param(
        "csv",
        "bad_period.csv",
        {},
        ['row 3: The period "2023年第五季度" is not a date or period', '"2023-Q1"'],
        id="bad-period",
    ),
    pytest.param(
        "sdmx-csv",
        "sdmx_v2_delete.csv",
        {},
        ['row 3 is a delete instruction (ACTION "D")', "not supported"],
        id="sdmx-delete",
    ),
    pytest.param(
        "json", "blank.json", {}, ["The payload is empty (5 bytes, no data)"], id="whitespace-only"
    ),
    *[
        pytest.param(
            kind,
            "html_error_page.html",
            {"area": "CN"} if kind == "nbs" else {},
            [
                'the server returned a web page, not data; title: "系统维护中 - 国家数据"',
                "open it in a browser",
            ],
            id=f"html-page-as-{kind}",
        )
        for kind in sorted(CONNECTORS)
    ],
    *[
        pytest.param(
            kind,
            "empty.csv",
            {},
            ["The payload is empty (0 bytes, no data)"],
            id=f"empty-as-{kind}",
        )
        for kind in sorted(CONNECTORS)
    ],
]


@pytest.mark.parametrize(("kind", "name", "options", "fragments"), CASES)
def test_bad_input_is_refused_with_an_actionable_message(kind, name, options, fragments):
    with pytest.raises(ConnectorError) as caught:
        get_connector(kind, options).parse((BAD / name).read_bytes())

    message = caught.value.message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    assert caught.value.code == "parse_error"


def test_an_oversized_payload_is_refused_before_parsing():
    payload = b"indicator,area,period,value\n" + b"A0E0101,510000,2023,5012.4\n" * 100

    with pytest.raises(ConnectorError) as caught:
        get_connector("csv", {"max_bytes": 1024}).parse(payload)

    assert caught.value.message.startswith(
        "The payload is 2,728 bytes, over the limit of 1,024 bytes. Narrow the query"
    )
    assert '"max_bytes"' in caught.value.message


def test_an_html_page_served_with_status_200_is_fetched_then_refused(http_server):
    http_server.routes["/easyquery.htm"] = Reply(body=(BAD / "html_error_page.html").read_bytes())
    connector = get_connector("nbs", {"area": "CN"})
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))

    payload = connector.fetch(http_server.url("/easyquery.htm?m=QueryData&dbcode=hgnd"), fetcher)

    with pytest.raises(ConnectorError, match="web page, not data"):
        connector.parse(payload)


def test_an_oversized_download_is_a_fetch_error(http_server):
    http_server.routes["/big.csv"] = Reply(body=b"x" * 2048)
    fetcher = Fetcher(
        FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True, max_bytes=1024)
    )

    with pytest.raises(FetchError, match="larger than the limit of 1,024 bytes"):
        get_connector("csv").fetch(http_server.url("/big.csv"), fetcher)


def test_an_unknown_option_is_an_error_with_a_suggestion():
    with pytest.raises(ConnectorError) as caught:
        get_connector("csv", {"colums": {"value": "数值"}})

    assert caught.value.message.startswith(
        'Unknown option "colums" for kind "csv". Did you mean "columns"?'
    )
    assert (
        "Known options: area, area_map, columns, decimal, delimiter, encoding, header_row"
        in caught.value.message
    )
    assert caught.value.fields == {"option": "colums"}


def test_an_unknown_kind_lists_the_known_kinds():
    with pytest.raises(ConnectorError) as caught:
        get_connector("xml")

    assert caught.value.message == (
        'Unknown source kind "xml". Known kinds: csv, excel, json, nbs, sdmx-csv, sdmx-json, worldbank.'
    )


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"scale": "1e4"}, "Option \"scale\" must be a number; got '1e4'."),
        ({"scale": 0}, '"scale" must be a finite number other than 0'),
        ({"header_row": True}, 'Option "header_row" must be a whole number; got True.'),
        ({"columns": "数值"}, 'Option "columns" must be a mapping'),
        ({"columns": {"value": 3}}, 'Option "columns": the value for "value" must be text'),
        (
            {"indicator_map": {"A0E0101": None}},
            'Option "indicator_map": the value for "A0E0101" must be text',
        ),
        ({"encoding": "gbkk"}, 'Unknown encoding "gbkk"'),
        ({"decimal": ";"}, 'Option "decimal" must be "." or ","'),
        ({"max_bytes": -1}, '"max_bytes" must be a positive number of bytes'),
    ],
)
def test_option_values_of_the_wrong_shape_are_refused(options, fragment):
    with pytest.raises(ConnectorError) as caught:
        get_connector("csv", options)

    assert fragment in caught.value.message


def test_all_ingestion_errors_share_one_base():
    assert issubclass(ConnectorError, IngestionError)
    assert issubclass(FetchError, IngestionError)


def test_a_gbk_file_declared_utf8_says_it_looks_like_gb18030():
    with pytest.raises(ConnectorError) as caught:
        get_connector("csv", {"encoding": "utf-8", "columns": {"value": "发电量"}}).parse(
            (BAD / "gbk_undeclared.csv").read_bytes()
        )

    assert "declared UTF-8 but is not valid UTF-8" in caught.value.message
    assert "line 1" in caught.value.message
    assert '"gb18030"' in caught.value.message


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "GB2312"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_utf8_file_declared_gbk_is_read_as_the_utf8_it_is(encoding, bom):
    utf8 = (
        (BAD.parent / "csv" / "power_generation_titled.csv")
        .read_bytes()
        .removeprefix(b"\xef\xbb\xbf")
    )
    options = {"columns": {"value": "发电量", "area_label": "地区名称"}}

    declared = get_connector("csv", {**options, "encoding": encoding}).parse(bom + utf8)
    plain = get_connector("csv", options).parse(utf8)

    assert declared.frame.equals(plain.frame)
    assert declared.labels["area"]["513300"] == "甘孜藏族自治州"  # not mojibake


def test_a_real_gbk_file_declared_gbk_still_reads_as_gbk():
    payload = (BAD / "gbk_undeclared.csv").read_bytes()

    result = get_connector("csv", {"encoding": "gbk", "columns": {"value": "发电量"}}).parse(
        payload
    )

    assert "510000" in set(result.frame["area"])
