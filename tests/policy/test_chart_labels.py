"""Category labels of horizontal bar charts wrap for a phone-width axis, losing nothing."""

from __future__ import annotations

import unicodedata

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from policy.charts.program import status_bars
from policy.charts.theme import wrap_label


def _columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_english_breaks_between_words_and_chinese_between_characters() -> None:
    assert wrap_label("Government-affairs large model (+1 exploration)") == (
        "Government-affairs large<br>model (+1 exploration)"
    )
    assert wrap_label("推理算力大后方") == "推理算力大后方"
    assert wrap_label("政务大模型（一个创新探索）与数据共享平台", 12) == (
        "政务大模型（<br>一个创新探索）<br>与数据共享平<br>台"
    )


@given(
    st.text(
        alphabet=st.sampled_from(list("abcdefgh ABC-/()（）,，、算力大后方政务模型 0123")),
        max_size=80,
    ),
    st.integers(min_value=6, max_value=40),
)
def test_wrapping_keeps_every_character_and_the_width(text: str, width: int) -> None:
    wrapped = wrap_label(text, width)
    lines = wrapped.split("<br>")
    assert "".join(wrapped.split("<br>")).replace(" ", "") == text.replace(" ", "") or (
        not text.strip()
    )
    for line in lines:
        # A line is over the width only when it is one word, or a word with its closing mark.
        assert _columns(line) <= width or " " not in line.strip()


def test_the_status_chart_keeps_full_names_in_its_data_and_wraps_only_the_ticks() -> None:
    names = ["Domestic inference-compute rear base", "Government-affairs large model"]
    frame = pd.DataFrame(
        {"name": names, "green": [1, 2], "amber": [0, 1], "red": [2, 0], "grey": [0, 0]}
    )
    fig = status_bars(frame)
    assert set(fig.data[0].y) == set(names)
    assert "Domestic inference-compute<br>rear base" in fig.layout.yaxis.ticktext
    assert fig.layout.height >= 110 + 2 * (17 * 2 + 16)
