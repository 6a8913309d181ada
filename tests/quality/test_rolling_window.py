"""The outlier rule's rolling window (NumPy, in chunks) equals pandas' rolling median and
quantiles per series, over any series lengths, values and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import validation
from indicators.quality import OUTLIER_MIN_POINTS

values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(values, min_size=0, max_size=30), min_size=1, max_size=6),
    st.integers(1, 40),
)
def test_the_window_equals_pandas_rolling_per_series(
    series_values: list[list[float | None]], chunk: int
) -> None:
    ids = np.concatenate([np.full(len(v), i, dtype=np.int64) for i, v in enumerate(series_values)])
    prior = np.array([np.nan if x is None else x for v in series_values for x in v], dtype=float)
    if not len(prior):
        return
    original = validation.ROLLING_CHUNK
    validation.ROLLING_CHUNK = chunk  # chunk edges anywhere, the same result
    try:
        median, mad = validation._rolling_level(ids, prior)
    finally:
        validation.ROLLING_CHUNK = original
    rolled = (
        pd.Series(prior)
        .groupby(ids, sort=False)
        .rolling(OUTLIER_MIN_POINTS, min_periods=OUTLIER_MIN_POINTS)
    )

    def flat(s: pd.Series) -> np.ndarray:
        return s.reset_index(level=0, drop=True).sort_index().to_numpy(dtype=float)

    expected_mad = (flat(rolled.quantile(0.75)) - flat(rolled.quantile(0.25))) / 2
    np.testing.assert_allclose(median, flat(rolled.median()), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(mad, expected_mad, rtol=1e-12, atol=1e-9)
