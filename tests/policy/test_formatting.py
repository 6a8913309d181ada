"""Figures as officials read them: separators, no trailing zeros, never a minus zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.formatting import number


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (1234.5, 1, "1,234.5"),
        (Decimal("4800.0000"), 2, "4,800"),
        (-0.0001, 0, "0"),  # the power-price KPI's progress read "已走完 -0%"
        (-0.04, 1, "0"),
        (-0.4, 0, "0"),
        (-1.5, 1, "-1.5"),
        (None, 1, "—"),
    ],
)
def test_number(value, decimals, shown) -> None:
    assert number(value, decimals) == shown


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 4))
def test_a_figure_that_rounds_to_zero_is_never_signed(value: float, decimals: int) -> None:
    text = number(value, decimals)
    if not text.strip("-0.,"):
        assert text == "0"
