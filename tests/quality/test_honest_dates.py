"""Figure cards say which period the data is about before how long ago it was fetched, and
judge "stale" against the indicator's publication lag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from indicators.models import Indicator, Source
from indicators.periods import data_overdue, data_period_text, next_period_code
from indicators.selectors import key_indicator_figures
from indicators.services import source_ingest
from policy.models import Region


@pytest.mark.parametrize(
    ("code", "text", "following"),
    [
        ("2023", "2023 年数据", "2024"),
        ("2023-H2", "2023 年下半年数据", "2024-H1"),
        ("2023-Q4", "2023 年第 4 季度数据", "2024-Q1"),
        ("2023-12", "2023 年 12 月数据", "2024-01"),
        ("2023-YTD06", "2023 年 1-6 月累计数据", "2023-YTD07"),
        ("2023-YTD12", "2023 年 1-12 月累计数据", "2024-YTD01"),
    ],
)
def test_each_period_says_what_it_is_about_and_what_comes_next(code, text, following) -> None:
    assert data_period_text(code) == text
    assert next_period_code(code) == following


def test_a_figure_is_overdue_once_the_next_period_plus_the_lag_has_passed() -> None:
    # 2024 ends 2024-12-31; with 180 days' lag its data is due by 2025-06-29.
    assert not data_overdue("2023", 180, dt.date(2025, 6, 29))
    assert data_overdue("2023", 180, dt.date(2025, 6, 30))
    assert not data_overdue("2023", 400, dt.date(2025, 6, 30))
    assert data_overdue("2024-06", 30, dt.date(2024, 9, 1))


@pytest.fixture
def price(db) -> Indicator:
    Region.objects.get_or_create(
        code="510100", defaults={"name_zh": "成都市", "level": "prefecture"}
    )
    indicator = Indicator.objects.create(
        code="dc-power-price", name_zh="算力中心电价", unit="元/度", decimals=2
    )
    source = Source.objects.create(code="a", name="a", kind="csv", expected_every_days=400)
    source.file.save(
        "a.csv", ContentFile(b"indicator,area,period,value\ndc-power-price,510100,2023,0.6\n")
    )
    source_ingest(source=source)  # fetched just now: the source is fresh
    return indicator


def test_the_card_says_2023_data_first_then_the_fetch_age(price, official) -> None:
    (figure,) = key_indicator_figures(official)
    html = render_to_string("indicators/_key_figures.html", {"figures": [figure]})
    assert html.index("2023 年数据") < html.index("0 天前采集")
    # Fetched today, but 2024 data was due by mid-2025: the card says the figure is behind.
    assert figure.overdue
    assert figure.stale
    assert "应已有 2024 年数据" in html
    assert "数据滞后" in html


def test_a_longer_publication_lag_keeps_the_figure_current(price, official) -> None:
    Indicator.objects.filter(pk=price.pk).update(publication_lag_days=3650)
    (figure,) = key_indicator_figures(official)
    assert not figure.overdue
    assert not figure.stale
