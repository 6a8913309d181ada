"""The series chart is a pure function of a data frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.charts import QUALITY_COLUMNS, SERIES_COLUMNS, indicator_series_figure


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def test_one_line_per_area_with_periods_in_time_order() -> None:
    frame = _frame(
        [
            ("成都市", "2023", dt.date(2023, 1, 1), "", 0.6, True),
            ("成都市", "2022", dt.date(2022, 1, 1), "", 0.5, True),
            ("雅安市", "2019", dt.date(2019, 1, 1), "", 0.34, False),
        ]
    )
    fig = indicator_series_figure(frame, unit="元/度", decimals=2).to_plotly_json()

    assert [t["name"] for t in fig["data"]] == ["成都市", "雅安市"]
    assert list(fig["data"][0]["x"]) == ["2022", "2023"]
    assert list(fig["data"][0]["y"]) == [0.5, 0.6]
    assert fig["data"][0]["mode"] == "lines+markers"
    assert list(fig["layout"]["xaxis"]["categoryarray"]) == ["2019", "2022", "2023"]
    assert fig["layout"]["yaxis"]["title"]["text"] == "元/度"
    assert "%{y:,.2f} 元/度" in fig["data"][0]["hovertemplate"]
    assert "Noto Sans CJK SC" in fig["layout"]["font"]["family"]


def test_series_with_a_dimension_are_grouped_bars() -> None:
    frame = _frame(
        [
            ("世界", "2023", dt.date(2023, 1, 1), "SK hynix", 53.0, False),
            ("世界", "2023", dt.date(2023, 1, 1), "Samsung", 38.0, False),
        ]
    )
    fig = indicator_series_figure(frame, unit="%").to_plotly_json()

    assert [t["type"] for t in fig["data"]] == ["bar", "bar"]
    assert [t["name"] for t in fig["data"]] == ["世界 · SK hynix", "世界 · Samsung"]
    assert fig["layout"]["barmode"] == "group"


def test_an_empty_frame_gives_an_empty_figure() -> None:
    fig = indicator_series_figure(_frame([]), unit="P").to_plotly_json()
    assert fig["data"] == []


def _with_frequency(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*SERIES_COLUMNS, *QUALITY_COLUMNS])


def test_a_year_and_a_half_year_are_never_joined_and_sit_in_true_time_order() -> None:
    # The accelerated-server market as published: annual totals and first halves.
    frame = _with_frequency(
        [
            ("中国", "2022", dt.date(2022, 1, 1), "", 67.0, False, "A", "年度", ""),
            ("中国", "2023-H1", dt.date(2023, 1, 1), "", 31.0, False, "H", "半年", ""),
            ("中国", "2023", dt.date(2023, 1, 1), "", 94.0, False, "A", "年度", ""),
            ("中国", "2024-H1", dt.date(2024, 1, 1), "", 50.0, False, "H", "半年", ""),
            ("中国", "2024", dt.date(2024, 1, 1), "", 221.0, False, "A", "年度", ""),
        ]
    )
    fig = indicator_series_figure(frame, unit="亿美元").to_plotly_json()

    assert [(t["name"], t["meta"]) for t in fig["data"]] == [
        ("中国 · 年度", "A"),
        ("中国 · 半年", "H"),
    ]
    assert list(fig["data"][0]["y"]) == [67.0, 94.0, 221.0]
    assert list(fig["data"][1]["y"]) == [31.0, 50.0]
    # The half-year ends before the year it belongs to.
    assert list(fig["layout"]["xaxis"]["categoryarray"]) == [
        "2022",
        "2023-H1",
        "2023",
        "2024-H1",
        "2024",
    ]


def test_a_cumulative_period_is_labelled_as_such() -> None:
    frame = _with_frequency(
        [
            ("四川省", "2023-YTD06", dt.date(2023, 1, 1), "", 10.0, False, "C", "年内累计", ""),
            ("四川省", "2023-YTD03", dt.date(2023, 1, 1), "", 4.0, False, "C", "年内累计", ""),
        ]
    )
    fig = indicator_series_figure(frame, unit="亿度").to_plotly_json()

    assert list(fig["data"][0]["x"]) == [
        "2023 months 1–3 (cumulative)",
        "2023 months 1–6 (cumulative)",
    ]
    assert list(fig["data"][0]["y"]) == [4.0, 10.0]


def test_a_flagged_value_is_drawn_as_a_cross_with_the_rule_in_the_hover() -> None:
    frame = _with_frequency(
        [
            ("成都市", "2023", dt.date(2023, 1, 1), "", 0.6, False, "A", "年度", ""),
            ("成都市", "2024", dt.date(2024, 1, 1), "", 60.0, False, "A", "年度", "疑似单位错误"),
        ]
    )
    line, doubtful = indicator_series_figure(frame, unit="元/度").to_plotly_json()["data"]

    assert list(line["y"]) == [0.6, None]  # the line does not carry the doubtful value
    assert (list(doubtful["x"]), list(doubtful["y"])) == (["2024"], [60.0])
    assert (doubtful["marker"]["symbol"], doubtful["meta"]) == ("x-open", "A-doubtful")
    assert "疑似单位错误" in doubtful["customdata"][0]
