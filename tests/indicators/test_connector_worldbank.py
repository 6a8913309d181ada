import datetime
import json
from pathlib import Path

import pytest

from indicators.connectors import get_connector
from indicators.connectors.worldbank import page_url
from indicators.exceptions import ConnectorError
from indicators.fetch import Fetcher, FetchPolicy
from tests.indicators.http_server import Reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "worldbank"
PATH = "/v2/country/CHN;IND/indicator/EG.ELC.ACCS.ZS"


def parse(name, **options):
    return get_connector("worldbank", options).parse((FIXTURES / name).read_bytes())


def test_it_reads_annual_quarterly_and_monthly_dates_with_labels():
    result = parse("mixed_dates_and_aggregates.json")

    assert result.frame[["indicator", "area", "period", "value", "locator"]].to_dict(
        "records"
    ) == [
        {
            "indicator": "EG.USE.ELEC.KH.PC",
            "area": "CHN",
            "period": "2014",
            "value": 3927.04,
            "locator": "page 1 / record 1",
        },
        {
            "indicator": "EG.USE.ELEC.KH.PC",
            "area": "WLD",
            "period": "2014",
            "value": 3131.84,
            "locator": "page 1 / record 3",
        },
        # no countryiso3code: the API's own id is the area code
        {
            "indicator": "PCOAL_AUS_USD",
            "area": "XC",
            "period": "2023-06",
            "value": 144.8,
            "locator": "page 1 / record 4",
        },
        {
            "indicator": "DT.DOD.DECT.CD.QT",
            "area": "CHN",
            "period": "2023-Q4",
            "value": 2.4458e12,
            "locator": "page 1 / record 5",
        },
    ]
    assert result.frame["period_start"].tolist()[3] == datetime.date(2023, 10, 1)
    assert result.missing == 1  # China 2015: "value": null
    assert result.units == {"PCOAL_AUS_USD": "USD/mt"}  # "unit": "" is no unit
    assert result.labels["area"] == {"CHN": "China", "WLD": "World", "XC": "Commodity prices"}
    assert (
        result.labels["indicator"]["EG.USE.ELEC.KH.PC"]
        == "Electric power consumption (kWh per capita)"
    )


def test_the_error_envelope_is_quoted():
    with pytest.raises(ConnectorError) as caught:
        parse("error_invalid_value.json")

    assert caught.value.message.startswith(
        'The World Bank API refused the request: "120 Invalid value The provided parameter '
        'value is not valid".'
    )


def test_an_empty_result_is_an_empty_frame():
    result = parse("no_data.json")

    assert result.frame.empty
    assert result.missing == 0


def test_a_record_without_a_date_names_its_page_and_position():
    payload = json.dumps(
        [
            {"page": 1, "pages": 1, "per_page": 50},
            [{"indicator": {"id": "X"}, "country": {"id": "CN"}, "value": 1}],
        ]
    )

    with pytest.raises(ConnectorError, match=r'page 1 / record 1 has no "date"'):
        get_connector("worldbank").parse(payload.encode())


def test_other_json_is_not_taken_for_a_world_bank_response():
    with pytest.raises(ConnectorError, match="not a World Bank API v2 response"):
        get_connector("worldbank").parse(b'{"data": []}')


def test_page_url_sets_json_and_page_size_and_keeps_other_parameters():
    url = page_url(
        "https://api.worldbank.org/v2/country/CHN/indicator/EG.ELC.ACCS.ZS?date=2000:2023&format=xml&page=7",
        2,
    )

    assert url == (
        "https://api.worldbank.org/v2/country/CHN/indicator/EG.ELC.ACCS.ZS"
        "?date=2000%3A2023&format=json&per_page=1000&page=2"
    )


def test_fetch_follows_every_page_and_parse_locates_rows_by_page(http_server):
    pages = {n: (FIXTURES / f"eg_elc_accs_zs_page{n}.json").read_bytes() for n in (1, 2)}
    http_server.routes[PATH] = lambda query: Reply(body=pages[int(query["page"][0])])
    connector = get_connector("worldbank")
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))

    payload = connector.fetch(http_server.url(PATH + "?date=2021:2022"), fetcher)
    result = connector.parse(payload)

    assert http_server.requests == [
        f"{PATH}?date=2021%3A2022&format=json&per_page=1000&page=1",
        f"{PATH}?date=2021%3A2022&format=json&per_page=1000&page=2",
    ]
    assert result.frame[["area", "period", "value", "locator"]].to_dict("records") == [
        {"area": "CHN", "period": "2022", "value": 100.0, "locator": "page 1 / record 1"},
        {"area": "CHN", "period": "2021", "value": 100.0, "locator": "page 1 / record 2"},
        {"area": "IND", "period": "2022", "value": 99.6, "locator": "page 2 / record 1"},
    ]
    assert json.loads(payload)[0]["pages"] == 2


def test_fetch_stops_at_an_error_envelope(http_server):
    http_server.routes[PATH] = Reply(body=(FIXTURES / "error_invalid_value.json").read_bytes())
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))

    with pytest.raises(ConnectorError, match="refused the request"):
        get_connector("worldbank").fetch(http_server.url(PATH), fetcher)
    assert len(http_server.requests) == 1


def test_fetch_refuses_a_query_with_too_many_pages(http_server):
    http_server.routes[PATH] = Reply(
        body=b'[{"page": 1, "pages": 900, "per_page": 1000, "total": 899100}, []]'
    )
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))

    with pytest.raises(
        ConnectorError, match="has 900 pages of 1000 records; at most 50 are fetched"
    ):
        get_connector("worldbank").fetch(http_server.url(PATH), fetcher)


def test_a_record_without_countryiso3code_uses_the_country_id():
    payload = json.dumps(
        [
            {"page": 1, "pages": 1, "per_page": 50},
            [
                {
                    "indicator": {"id": "X"},
                    "country": {"id": "1A", "value": "Arab World"},
                    "date": "2020",
                    "value": 1,
                }
            ],
        ]
    )

    result = get_connector("worldbank").parse(payload.encode())

    assert result.frame["area"].tolist() == ["1A"]
    assert result.labels["area"] == {"1A": "Arab World"}
