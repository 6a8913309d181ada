import datetime

import pytest

from indicators.exceptions import ConnectorError
from indicators.periods import (
    Period,
    frequency_expression,
    frequency_of,
    parse_period,
    time_order,
)


@pytest.mark.parametrize(
    ("raw", "code", "start", "freq"),
    [
        ("2023", "2023", (2023, 1, 1), "A"),
        (2023, "2023", (2023, 1, 1), "A"),
        (2023.0, "2023", (2023, 1, 1), "A"),
        (" 2023 ", "2023", (2023, 1, 1), "A"),
        ("2023年", "2023", (2023, 1, 1), "A"),
        ("２０２３年", "2023", (2023, 1, 1), "A"),
        ("2023H1", "2023-H1", (2023, 1, 1), "H"),
        ("2023-H2", "2023-H2", (2023, 7, 1), "H"),
        ("2023S1", "2023-H1", (2023, 1, 1), "H"),
        ("2023-S2", "2023-H2", (2023, 7, 1), "H"),
        ("2023年上半年", "2023-H1", (2023, 1, 1), "H"),
        ("2023年下半年", "2023-H2", (2023, 7, 1), "H"),
        ("2023Q1", "2023-Q1", (2023, 1, 1), "Q"),
        ("2023-Q3", "2023-Q3", (2023, 7, 1), "Q"),
        ("2023q4", "2023-Q4", (2023, 10, 1), "Q"),
        ("2023年第一季度", "2023-Q1", (2023, 1, 1), "Q"),
        ("2023年1季度", "2023-Q1", (2023, 1, 1), "Q"),
        ("2023年三季度", "2023-Q3", (2023, 7, 1), "Q"),
        ("2023年第4季度", "2023-Q4", (2023, 10, 1), "Q"),
        ("2023M06", "2023-06", (2023, 6, 1), "M"),
        ("2023M6", "2023-06", (2023, 6, 1), "M"),
        ("2023-06", "2023-06", (2023, 6, 1), "M"),
        ("2023-6", "2023-06", (2023, 6, 1), "M"),
        ("202306", "2023-06", (2023, 6, 1), "M"),
        (202312, "2023-12", (2023, 12, 1), "M"),
        ("2023年6月", "2023-06", (2023, 6, 1), "M"),
        ("2023年06月份", "2023-06", (2023, 6, 1), "M"),
        ("2023-06-15", "2023-06-15", (2023, 6, 15), "D"),
        ("2023年6月15日", "2023-06-15", (2023, 6, 15), "D"),
        (datetime.date(2024, 2, 29), "2024-02-29", (2024, 2, 29), "D"),
        (datetime.datetime(2024, 3, 1, 0, 0), "2024-03-01", (2024, 3, 1), "D"),
    ],
)
def test_it_normalizes_every_published_spelling(raw, code, start, freq):
    assert parse_period(raw) == Period(code, datetime.date(*start), freq)


@pytest.mark.parametrize(
    "raw",
    [
        "2023-13",
        "202313",
        "2023Q5",
        "2023H3",
        "2023-02-30",
        "23",
        "FY2023",
        "2023年第五季度",
        "",
        "2023.5",
    ],
)
def test_it_rejects_text_that_is_no_period_and_quotes_it(raw):
    with pytest.raises(ConnectorError) as caught:
        parse_period(raw)
    assert f'"{raw}"' in caught.value.message
    assert '"2023-Q1"' in caught.value.message  # tells the reader what would work
    assert caught.value.code == "parse_error"


@pytest.mark.parametrize("raw", [True, 2023.5, None, ["2023"]])
def test_it_rejects_values_that_are_not_text_numbers_or_dates(raw):
    with pytest.raises(ConnectorError, match="is not a date or period"):
        parse_period(raw)


def test_period_prints_as_its_code():
    assert str(parse_period("2023年第二季度")) == "2023-Q2"


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        ("2023", (2023, 12, 31)),
        ("2023-H1", (2023, 6, 30)),
        ("2023-Q4", (2023, 12, 31)),
        ("2024-02", (2024, 2, 29)),
        ("2023-06-15", (2023, 6, 15)),
    ],
)
def test_period_end_is_its_last_day(raw, end):
    assert parse_period(raw).end == datetime.date(*end)


def test_periods_of_one_frequency_sort_chronologically():
    months = [parse_period(m) for m in ("2023-11", "2023年2月", "202312", "2023M1")]
    assert [p.code for p in sorted(months)] == ["2023-01", "2023-02", "2023-11", "2023-12"]


@pytest.mark.parametrize("raw", ["2023年1-6月", "2023年1—6月", "2023年1～6月累计", "2023-YTD06"])
def test_a_running_total_from_january_is_its_own_frequency(raw):
    period = parse_period(raw)
    assert (period.code, period.freq) == ("2023-YTD06", "C")
    assert (period.start, period.end) == (datetime.date(2023, 1, 1), datetime.date(2023, 6, 30))


def test_a_running_total_must_start_in_january():
    with pytest.raises(ConnectorError):
        parse_period("2023年4-6月")


def test_periods_of_any_frequency_sort_in_true_time_order():
    codes = ["2024", "2023-H1", "2023-Q4", "2023", "2023-YTD06", "2022"]
    assert sorted(codes, key=time_order) == [
        "2022",
        "2023-YTD06",
        "2023-H1",
        "2023",
        "2023-Q4",
        "2024",
    ]


@pytest.mark.parametrize(
    ("code", "freq"),
    [
        ("2023", "A"),
        ("2023-YTD06", "C"),
        ("2023-H2", "H"),
        ("2023-Q3", "Q"),
        ("2023-06", "M"),
        ("2023-06-15", "D"),
    ],
)
def test_the_database_tells_the_frequency_of_a_code_as_python_does(code, freq, db):
    from indicators.models import Indicator, Observation
    from policy.models import Region

    indicator = Indicator.objects.create(code="x", name_zh="x", unit="P")
    area = Region.objects.create(code="X1", name_zh="x", level="country")
    start = parse_period(code).start
    Observation.objects.create(
        indicator=indicator, area=area, period=code, period_start=start, value=1
    )
    stored = Observation.objects.annotate(fq=frequency_expression()).get()
    assert stored.fq == frequency_of(code) == freq
