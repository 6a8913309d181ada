"""The data-quality rules on hand-made series (pure functions, no database)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.quality import (
    flag_text,
    implausible_jump,
    is_jump,
    jump_ratios,
    out_of_range,
    robust_z,
    unit_hint,
)


def test_a_hundredfold_jump_is_a_fen_yuan_slip_in_words() -> None:
    ratio = jump_ratios(np.array([0.6, 60.0]), np.array([0.5, 0.6]))
    assert list(is_jump(ratio, 10.0)) == [False, True]
    text = flag_text("jump", {"previous": 0.6, "value": 60, "ratio": float(ratio[1])})
    assert text == "较上期 0.6 增长 100 倍，疑似单位错误（分/元）"


def test_a_fall_to_a_tenth_is_a_jump_too_and_says_so() -> None:
    assert implausible_jump(50.0, 500.0)
    assert "降至其 10 分之一" in flag_text("jump", {"previous": 500, "value": 50, "ratio": 0.1})


@pytest.mark.parametrize(
    ("value", "previous", "jump"),
    [
        (9.9, 1.0, False),
        (10.0, 1.0, True),
        (0.1, 1.0, True),
        (0.11, 1.0, False),
        (5.0, None, False),
        (0.0, 1.0, False),
        (-20.0, 1.0, False),
        (20.0, 0.0, False),
    ],
)
def test_the_jump_rule_at_its_edges(value, previous, jump) -> None:
    assert implausible_jump(value, previous) is jump


def test_a_factor_of_one_or_less_checks_nothing() -> None:
    ratio = jump_ratios(np.array([1000.0]), np.array([1.0]))
    assert not is_jump(ratio, 0.0)[0]
    assert not is_jump(ratio, 1.0)[0]


@given(
    value=st.floats(min_value=1e-6, max_value=1e9),
    previous=st.floats(min_value=1e-6, max_value=1e9),
)
def test_the_jump_rule_is_symmetric_in_which_period_came_first(value, previous) -> None:
    # A rise of N times and a fall to 1/N are the same slip seen from either end.
    forward = jump_ratios(np.array([value]), np.array([previous]))
    backward = jump_ratios(np.array([previous]), np.array([value]))
    assert is_jump(forward, 10.0)[0] == is_jump(backward, 10.0)[0]


def test_the_owners_check_and_the_ingestion_share_one_rule() -> None:
    from decimal import Decimal

    from policy.validators import is_implausible_jump

    for value, previous in [(60, 0.6), (9, 1), (1, 10), (0.5, 0.6)]:
        assert is_implausible_jump(Decimal(str(value)), Decimal(str(previous))) == (
            implausible_jump(value, previous)
        )


def test_the_range_rule_uses_either_bound() -> None:
    values = np.array([-1.0, 0.0, 50.0, 100.0, 101.0])
    assert list(out_of_range(values, 0, 100)) == [True, False, False, False, True]
    assert list(out_of_range(values, None, 100)) == [False, False, False, False, True]
    assert not out_of_range(values, None, None).any()


def test_the_robust_z_score_ignores_a_flat_series_and_finds_the_far_value() -> None:
    values = np.array([10.0, 11, 9, 10, 12, 10, 11, 9, 95])
    median = np.full(values.shape, np.median(values))
    mad = np.full(values.shape, np.median(np.abs(values - median)))
    z = robust_z(values, median, mad)
    assert abs(z[-1]) > 3.5
    assert (np.abs(z[:-1]) < 3.5).all()
    flat = np.full(5, 3.0)
    assert np.isnan(robust_z(flat, flat, np.zeros(5))).all()


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (100, "分/元"),
        (0.01, "分/元"),
        (1000, "千倍"),
        (10000, "万倍"),
        (1e8, "亿倍"),
        (37, "核对单位"),
        (10, "一位数"),
    ],
)
def test_the_hint_names_the_unit_slip_of_the_power_of_ten(ratio, words) -> None:
    assert words in unit_hint(ratio)
