"""Briefing periods: ISO weeks, months, 30-day windows, and messages that say what to type."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from policy.briefings.periods import last_complete, parse_period
from policy.exceptions import ValidationFailed


def test_a_month_runs_from_the_first_to_the_last_day() -> None:
    period = parse_period("monthly", "2026-02")
    assert (period.code, period.start, period.end) == (
        "2026-02",
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert period.previous().code == "2026-01"
    assert period.label() == "2026年2月"
    with translation.override("en"):
        assert period.label() == "February 2026"


def test_an_iso_week_starts_on_monday_and_crosses_the_year() -> None:
    period = parse_period("weekly", "2026-w1")
    assert period.code == "2026-W01"
    assert period.start == dt.date(2025, 12, 29)
    assert period.end == dt.date(2026, 1, 4)
    assert period.previous().code == "2025-W52"
    assert period.label() == "2026年第1周（12月29日—1月4日）"


def test_on_demand_covers_the_30_days_ending_on_the_date() -> None:
    period = parse_period("on_demand", "2026-11-25")
    assert period.start == dt.date(2026, 10, 27)
    assert period.end == dt.date(2026, 11, 25)
    assert period.previous().end == dt.date(2026, 10, 26)


def test_the_schedule_reports_on_the_last_complete_period() -> None:
    wednesday = dt.date(2026, 11, 25)
    assert last_complete("weekly", wednesday).code == "2026-W47"
    assert last_complete("monthly", wednesday).code == "2026-10"
    assert last_complete("monthly", dt.date(2026, 1, 1)).code == "2025-12"


@pytest.mark.parametrize(
    ("kind", "text", "example"),
    [
        ("monthly", "2026-13", "2026-10"),
        ("monthly", "2026/10", "2026-10"),
        ("weekly", "2026-W54", "2026-W47"),
        ("weekly", "2026-10", "2026-W47"),
        ("on_demand", "2026-02-30", "2026-11-25"),
        ("on_demand", "", "2026-11-25"),
    ],
)
def test_a_bad_period_names_the_expected_spelling(kind: str, text: str, example: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_period(kind, text)
    assert f"应写作 {example}" in caught.value.message
    assert caught.value.fields == {"period": text}


def test_an_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_period("daily", "2026-10-01")
    assert "weekly、monthly 或 on_demand" in caught.value.message


@pytest.mark.django_db
def test_make_briefing_refuses_a_bad_period_with_the_expected_spelling() -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="期间“2026-13”无法识别：月报应写作 2026-10。"):
        call_command("make_briefing", "--kind", "monthly", "--period", "2026-13")
