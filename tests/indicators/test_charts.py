"""The series chart is a pure function of a data frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.charts import SERIES_COLUMNS, indicator_series_figure


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
