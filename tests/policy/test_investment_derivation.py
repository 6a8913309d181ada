"""Monthly ↔ cumulative derivation, amounts in 万元/亿元, completion rate vs elapsed time.

Plain functions (no database): `policy.investment` and the investment rule of `policy.status`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.investment import (
    CUMULATIVE,
    MONTHLY,
    DerivationError,
    Entry,
    derive_year,
    due_month,
    from_yuan,
    monthly_plan,
    to_yuan,
    year_progress,
)
from policy.status import InvestmentFact, Thresholds, investment_rag, project_status

W = Decimal(10_000)  # one 万元 in yuan
LIMITS = Thresholds()


def test_cumulative_entries_derive_the_months() -> None:
    months = derive_year(
        [Entry(1, CUMULATIVE, 100 * W), Entry(2, CUMULATIVE, 250 * W), Entry(3, MONTHLY, 50 * W)]
    )
    assert [(m.month, m.monthly, m.cumulative) for m in months] == [
        (1, 100 * W, 100 * W),
        (2, 150 * W, 250 * W),
        (3, 50 * W, 300 * W),
    ]


def test_a_cumulative_after_a_gap_covers_the_unreported_months() -> None:
    months = derive_year([Entry(2, CUMULATIVE, 80 * W), Entry(5, CUMULATIVE, 200 * W)])
    assert (months[1].monthly, months[1].covers) == (120 * W, 3)
    assert months[0].covers == 2  # January was not reported either


def test_a_cumulative_that_goes_down_is_refused() -> None:
    with pytest.raises(DerivationError) as exc:
        derive_year([Entry(3, CUMULATIVE, 300 * W), Entry(4, CUMULATIVE, 290 * W)])
    assert (exc.value.code, exc.value.month, exc.value.previous_month) == ("decrease", 4, 3)


def test_a_monthly_figure_after_an_unreported_month_is_refused() -> None:
    with pytest.raises(DerivationError) as exc:
        derive_year([Entry(1, MONTHLY, W), Entry(3, MONTHLY, W)])
    assert (exc.value.code, exc.value.month) == ("gap", 3)
    with pytest.raises(DerivationError):
        derive_year([Entry(2, MONTHLY, W)])  # January missing: the cumulative is unknown


def test_a_revised_earlier_month_moves_the_later_monthly_entries_with_it() -> None:
    before = derive_year([Entry(1, CUMULATIVE, 100 * W), Entry(2, MONTHLY, 10 * W)])
    after = derive_year([Entry(1, CUMULATIVE, 120 * W), Entry(2, MONTHLY, 10 * W)])
    assert (before[1].cumulative, after[1].cumulative) == (110 * W, 130 * W)


entries = st.dictionaries(
    st.integers(1, 12),
    st.tuples(st.sampled_from([MONTHLY, CUMULATIVE]), st.integers(0, 10**8)),
    max_size=12,
)


@given(entries)
def test_any_year_derives_consistently_or_is_refused(raw: dict[int, tuple[str, int]]) -> None:
    """Whatever the owner enters: either refused with a reason, or every cumulative is the sum
    of the months so far, never goes down, and the entered figure is kept exactly."""
    year = [Entry(m, kind, Decimal(v)) for m, (kind, v) in raw.items()]
    try:
        months = derive_year(year)
    except DerivationError as exc:
        code = exc.code
        assert code in ("gap", "decrease")
        return
    running = Decimal(0)
    for figure in months:
        running += figure.monthly
        assert figure.monthly >= 0
        assert figure.cumulative == running
        kind, value = raw[figure.month]
        assert (figure.monthly if kind == MONTHLY else figure.cumulative) == Decimal(value)
    assert [m.month for m in months] == sorted(raw)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_monthly_and_cumulative_entries_of_the_same_months_agree(values: list[int]) -> None:
    """Entering the months one way or the other gives the same year."""
    monthly = [Entry(i + 1, MONTHLY, Decimal(v)) for i, v in enumerate(values)]
    by_month = derive_year(monthly)
    cumulative = [Entry(m.month, CUMULATIVE, m.cumulative) for m in by_month]
    assert [(m.monthly, m.cumulative) for m in derive_year(cumulative)] == [
        (m.monthly, m.cumulative) for m in by_month
    ]


def test_amounts_in_wan_and_yi_are_stored_exactly_in_yuan() -> None:
    assert to_yuan(Decimal("1234.5678"), "wan") == Decimal("12345678.00")
    assert to_yuan(Decimal("3.5"), "yi") == Decimal("350000000.00")
    assert to_yuan(Decimal("0.000001"), "wan") == Decimal("0.01")
    with pytest.raises(ValueError, match="fen"):
        to_yuan(Decimal("0.0000001"), "wan")
    assert from_yuan(Decimal("350000000.00"), "yi") == Decimal("3.5")
    assert str(from_yuan(Decimal("12000000.00"), "wan")) == "1200"


def test_the_month_due_leaves_the_reporting_days_of_the_next_month() -> None:
    assert due_month(dt.date(2026, 12, 1), 10) == 10  # November's figure not yet due
    assert due_month(dt.date(2026, 12, 11), 10) == 11
    assert due_month(dt.date(2026, 1, 5), 10) == 0
    assert due_month(dt.date(2026, 2, 11), 10) == 1


def test_completion_rate_is_judged_against_the_elapsed_share_of_the_year() -> None:
    months = derive_year([Entry(9, CUMULATIVE, 300 * W)])
    progress = year_progress(2026, 1000 * W, months, dt.date(2026, 10, 20), 10)
    assert progress is not None
    assert (progress.month, progress.rate, progress.elapsed) == (9, 0.3, 0.75)
    assert progress.lag == pytest.approx(0.45)


def test_nothing_reported_when_months_are_due_counts_as_nothing_completed() -> None:
    progress = year_progress(2026, 1000 * W, [], dt.date(2026, 7, 15), 10)
    assert progress is not None
    assert (progress.through_month, progress.month, progress.rate) == (0, 6, 0.0)
    assert year_progress(2026, 1000 * W, [], dt.date(2026, 1, 20), 10) is None
    assert year_progress(2026, None, [], dt.date(2026, 7, 15), 10) is None


def test_quarterly_plans_spread_over_their_months_else_the_year_in_twelfths() -> None:
    quarters = {1: 120 * W, 2: 300 * W, 3: 300 * W, 4: 280 * W}
    spread = monthly_plan(1000 * W, quarters)
    assert spread[:3] == [40 * W] * 3
    assert spread[3] == 100 * W
    assert sum(monthly_plan(1000 * W, {})) == 1000 * W  # twelfths that add up to the plan
    assert sum(monthly_plan(Decimal("1000.01"), dict.fromkeys((1, 2, 3, 4), Decimal(1)))) == 4


def _fact(rate: float, elapsed: float, through: int = 9) -> InvestmentFact:
    return InvestmentFact(2026, 9, through, "10000000.00", f"{rate * 10000000:.2f}", rate, elapsed)


@pytest.mark.parametrize(
    ("rate", "elapsed", "rag"),
    [
        (0.75, 0.75, "green"),
        (0.66, 0.75, "green"),  # 9 points behind: within the amber lag
        (0.60, 0.75, "amber"),  # 15 points
        (0.50, 0.75, "amber"),  # exactly the red lag
        (0.30, 0.75, "red"),
        (0.90, 0.75, "green"),
    ],
)
def test_investment_behind_the_elapsed_share_turns_amber_then_red(rate, elapsed, rag) -> None:
    assert investment_rag(_fact(rate, elapsed), LIMITS) == rag


def test_the_investment_rule_explains_itself_in_the_project_status() -> None:
    today = dt.date(2026, 10, 20)
    status = project_status([], [], today, LIMITS, _fact(0.3, 0.75))
    assert status.rag == "red"
    assert status.explanation == (
        "截至 2026 年 9 月累计完成投资 300万元，为年度计划 1,000万元 的 30%，"
        "落后时间进度（75%）45 个百分点。"
    )
    silent = project_status([], [], today, LIMITS, _fact(0, 0.75, through=0))
    assert "2026 年完成投资尚未填报" in silent.explanation
    assert project_status([], [], today, LIMITS, None).rag == "grey"


def test_the_investment_reason_reads_in_english() -> None:
    from django.utils import translation

    with translation.override("en"):
        status = project_status([], [], dt.date(2026, 10, 20), LIMITS, _fact(0.3, 0.75))
        assert "behind" in status.explanation
        assert "万" not in status.explanation
