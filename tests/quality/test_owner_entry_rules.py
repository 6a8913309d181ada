"""The owner-entry check (one value) applies the ingestion's rules (whole columns) alike."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.quality import OUTLIER_MIN_POINTS, entry_flags, flag_text, outlier_of
from indicators.validation import _outliers, _shifted
from policy.services.quality import EntrySeries, NeedsConfirmation, entry_quality_check

STEADY = [100.0, 102.0, 99.0, 101.0, 103.0, 100.0, 98.0, 101.0, 102.0]


def test_a_tenfold_value_is_a_jump_with_the_ingestions_words() -> None:
    flags = entry_flags(60.0, previous=0.6, history=[0.6])
    assert [f["rule"] for f in flags] == ["jump"]
    assert flag_text("jump", flags[0]["params"]) == "较上期 0.6 增长 100 倍，疑似单位错误（分/元）"


def test_the_range_rule_uses_the_kpis_bounds() -> None:
    assert entry_flags(120.0, previous=None, history=[], low=0, high=100)[0]["rule"] == "range"
    assert entry_flags(80.0, previous=None, history=[], low=0, high=100) == []


def test_an_outlier_needs_a_history_as_long_as_the_ingestions() -> None:
    assert outlier_of(500.0, STEADY[1:]) is None  # one value short: not judged
    found = outlier_of(500.0, STEADY)
    assert found is not None
    assert found["median"] == pytest.approx(101.0)
    assert outlier_of(104.0, STEADY) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=1, max_value=1000), min_size=OUTLIER_MIN_POINTS + 2, max_size=14)
)
def test_the_one_value_outlier_rule_matches_the_ingestions_columns(values) -> None:
    column = np.asarray(values, dtype=np.float64)
    series = np.zeros(len(column), dtype=np.int64)
    hit, _level, _z = _outliers(series, column, _shifted(series, column, np.nan))
    for i in range(OUTLIER_MIN_POINTS + 1, len(values)):
        assert (outlier_of(values[i], values[:i]) is not None) == bool(hit[i])


def test_an_unconfirmed_value_that_breaks_a_rule_asks_for_confirmation() -> None:
    with pytest.raises(NeedsConfirmation) as excinfo:
        entry_quality_check(1000.0, EntrySeries(history=[100.0], unit="P"), confirmed=False)
    assert "十倍" in excinfo.value.message
    assert "较上期 100 P 增长 10 倍" in excinfo.value.fields["value"][0]


def test_a_confirmed_value_returns_its_flags_with_the_unit() -> None:
    flags = entry_quality_check(
        1000.0, EntrySeries(history=[100.0], high=500.0, unit="P"), confirmed=True
    )
    assert [f["rule"] for f in flags] == ["jump", "range"]
    assert flags[0]["params"]["unit"] == "P"


def test_a_plausible_value_has_no_flags_confirmed_or_not() -> None:
    for confirmed in (False, True):
        assert entry_quality_check(105.0, EntrySeries(history=STEADY), confirmed=confirmed) == []


def test_a_month_above_the_total_investment_says_so() -> None:
    flags = entry_flags(
        1200.0, previous=None, history=[], high=1000.0, range_params={"bound": "total"}
    )
    text = flag_text("range", {**flags[0]["params"], "unit": "万元"})
    assert text == "当月完成 1200 万元 超过项目总投资 1000 万元，疑似单位填错（万元与亿元）"
