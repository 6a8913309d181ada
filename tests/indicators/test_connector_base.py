"""The behaviour every connector shares: options, numbers, decoding, the canonical frame."""

import pytest
from django.test import override_settings

from indicators.connectors import CANONICAL_COLUMNS, CONNECTORS, Connector, get_connector
from indicators.connectors.base import cell_text, decode, html_title, parse_number
from indicators.exceptions import ConnectorError
from indicators.fetch import Fetcher, FetchPolicy
from tests.indicators.http_server import Reply


def test_the_registry_maps_every_kind_to_its_connector():
    assert sorted(CONNECTORS) == [
        "csv",
        "excel",
        "json",
        "nbs",
        "sdmx-csv",
        "sdmx-json",
        "worldbank",
    ]
    for kind, connector_class in CONNECTORS.items():
        assert issubclass(connector_class, Connector)
        assert connector_class.kind == kind
        assert isinstance(get_connector(kind, {}), connector_class)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5,500", 5500.0),
        ("5 500", 5500.0),
        ("5\u00a0500.25", 5500.25),  # no-break space, as Excel exports it
        ("１２３", 123.0),
        ("－１２.５", -12.5),  # full-width minus
        ("53%", 53.0),
        ("'0.61", 0.61),  # Excel's text prefix
        ('="5500"', 5500.0),
        ("1.2e3", 1200.0),
        (7, 7.0),
        (0, 0.0),  # a published zero stays a zero
        (2.5, 2.5),
        ("", None),
        ("..", None),
        ("-", None),
        ("—", None),
        ("NA", None),
        ("n/a", None),
        (":", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_number_reads_what_publishers_write(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["约5000", "5000亿", "1_000", "infinity", "0x10", "1.2.3", "--5"])
def test_parse_number_refuses_everything_else(raw):
    with pytest.raises(ConnectorError, match="is not a"):
        parse_number(raw)


def test_parse_number_with_decimal_comma():
    assert parse_number("1.234,5", decimal=",") == 1234.5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (510000.0, "510000"),
        (510000, "510000"),
        (' ="0101" ', "0101"),
        (None, ""),
        (" 成都市 ", "成都市"),
    ],
)
def test_cell_text_keeps_codes_as_written(raw, expected):
    assert cell_text(raw) == expected


@pytest.mark.parametrize(
    ("payload", "title"),
    [
        (
            b"<!DOCTYPE html><html><head><title>404 Not Found</title></head></html>",
            "404 Not Found",
        ),
        (b"\xef\xbb\xbf\r\n  <HTML><TITLE>\n Login &amp; SSO \n</TITLE>", "Login & SSO"),
        ("<html><title>错误</title></html>".encode("gbk"), "错误"),
        (b"<html><body>no title</body></html>", ""),
        (b'<?xml version="1.0"?><message:GenericData/>', None),  # SDMX-ML is not a web page
        (b"indicator,area,period,value\n", None),
    ],
)
def test_html_title_recognises_web_pages(payload, title):
    assert html_title(payload) == title


def test_utf16_with_bom_is_decoded_without_configuration():
    assert decode("\ufeff地区,年份".encode("utf-16-le")) == "地区,年份"


def test_a_file_cut_inside_a_utf8_character_says_it_was_cut_off():
    with pytest.raises(ConnectorError, match="ends in the middle of a UTF-8 character"):
        decode("地区".encode()[:-1])


def test_a_declared_encoding_that_does_not_fit_names_the_byte():
    with pytest.raises(ConnectorError, match=r"not valid ascii \(byte 0xE5 at offset 2, line 2\)"):
        decode("a\n地".encode(), "ascii")


def test_constants_fill_only_rows_where_the_format_has_no_code():
    payload = b"indicator,area,period,value\nA0E0101,,2023,1\n,510100,2023,2\n"
    connector = get_connector("csv", {"indicator": "DEFAULT", "area": "510000"})

    frame = connector.parse(payload).frame

    assert frame[["indicator", "area"]].to_dict("records") == [
        {"indicator": "A0E0101", "area": "510000"},
        {"indicator": "DEFAULT", "area": "510100"},
    ]


def test_an_empty_result_still_has_the_canonical_columns_and_types():
    frame = (
        get_connector("csv", {"indicator": "X"})
        .parse(b"area,period,value\n510000,2023,..\n")
        .frame
    )

    assert list(frame.columns) == CANONICAL_COLUMNS
    assert frame.empty
    assert str(frame["value"].dtype) == "float64"


def test_the_default_fetch_is_one_get(http_server):
    http_server.routes["/data.csv"] = Reply(body=b"indicator,area,period,value\nX,Y,2023,1\n")
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))
    connector = get_connector("csv")

    payload = connector.fetch(http_server.url("/data.csv"), fetcher)

    assert connector.parse(payload).frame["value"].tolist() == [1.0]
    assert http_server.requests == ["/data.csv"]


@override_settings(INDICATORS_FETCH_MAX_BYTES=64)
def test_the_payload_cap_follows_the_fetch_limit_unless_set():
    payload = b"indicator,area,period,value\n" + b"X,Y,2023,1\n" * 10

    with pytest.raises(ConnectorError, match="over the limit of 64 bytes"):
        get_connector("csv").parse(payload)
    assert len(get_connector("csv", {"max_bytes": 1000}).parse(payload).frame) == 10
