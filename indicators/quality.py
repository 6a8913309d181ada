"""Data-quality rules: the one place that says when a value is doubtful, and how to word it.

Pure functions on numbers and whole columns (no database): the ingestion's validation stage
(``indicators.validation``) applies them to every row of a payload at once, the owners' KPI
form (``policy.validators``) to one entered value, and ``indicators.dataquality`` stores what
they found. Rules, DHIS2-style:

- jump: a value ``factor`` times (default 10) or more the previous period's value of the same
  series, or a ``factor``-th or less of it (both positive) — usually a unit slip;
- range: outside the indicator's (or KPI's) plausible minimum and maximum;
- outlier: far outside the series' own recent history: robust z-score on the median and the
  median absolute deviation of the ``OUTLIER_MIN_POINTS`` values before it (same series and
  frequency), ``|0.6745 (x - median) / MAD| > 3.5`` (Iglewicz and Hoaglin); values with fewer
  values before them are not judged;
- consistency: between series, configured in the admin (``ConsistencyRule``).

A flagged value is kept but marked 存疑 with the rule's text; a source can refuse a rule
instead (``Source.refuse_rules``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from numpy.typing import NDArray

JUMP_FACTOR = 10.0
OUTLIER_MIN_POINTS = 8
OUTLIER_Z = 3.5
# The rules the ingestion applies row by row (a source may refuse these).
INGESTION_RULES = ("jump", "range", "outlier")


def jump_ratios(values: NDArray[np.float64], previous: NDArray[np.float64]) -> NDArray[np.float64]:
    """``value / previous`` where both are positive; NaN where a ratio says nothing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((values > 0) & (previous > 0), values / previous, np.nan)
    return ratio.astype(np.float64)


def is_jump(ratio: NDArray[np.float64], factor: NDArray[np.float64] | float) -> NDArray[np.bool_]:
    """Ratios at least ``factor`` or at most its inverse (a factor of 1 or less checks nothing)."""
    factor = np.asarray(factor, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = (factor > 1) & ((ratio >= factor) | (ratio <= 1 / factor))
    return np.asarray(jump, dtype=bool) & ~np.isnan(ratio)


def implausible_jump(value: float, previous: float | None, factor: float = JUMP_FACTOR) -> bool:
    """The jump rule for one value (the owners' form): the same test as the ingestion's."""
    if previous is None:
        return False
    ratio = jump_ratios(np.asarray([value], dtype=float), np.asarray([previous], dtype=float))
    return bool(is_jump(ratio, factor)[0])


def out_of_range(
    values: NDArray[np.float64], low: float | None, high: float | None
) -> NDArray[np.bool_]:
    """Values below ``low`` or above ``high`` (either may be missing)."""
    outside = np.zeros(values.shape, dtype=bool)
    if low is not None:
        outside |= values < low
    if high is not None:
        outside |= values > high
    return outside


def robust_z(
    values: NDArray[np.float64], median: NDArray[np.float64], mad: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The modified z-score; NaN where the deviation is 0 (a flat series judges nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad > 0, 0.6745 * (values - median) / mad, np.nan)
    return z.astype(np.float64)


def level_and_spread(window: NDArray[np.float64]) -> tuple[float, float]:
    """The median of ``window`` and its median absolute deviation, estimated as half the
    interquartile range (the ingestion's rolling window does the same on whole columns)."""
    q1, q3 = np.quantile(window, [0.25, 0.75])
    return float(np.median(window)), float(q3 - q1) / 2


def outlier_of(value: float, history: list[float]) -> dict[str, float] | None:
    """The outlier rule for one value after ``history`` (earlier values, oldest first): the
    ingestion's test on one row — far from the level of the last ``OUTLIER_MIN_POINTS``
    values *and* reached by a change far outside their recent changes. Needs
    ``OUTLIER_MIN_POINTS + 1`` earlier values (the changes need one more); None if not an
    outlier, else the flag's params."""
    w = OUTLIER_MIN_POINTS
    if len(history) < w + 1:
        return None
    past = np.asarray(history[-(w + 1) :], dtype=np.float64)
    median, mad = level_and_spread(past[1:])
    z = robust_z(np.asarray([value]), np.asarray([median]), np.asarray([mad]))[0]
    changes = np.diff(past)
    change_median, change_mad = level_and_spread(changes)
    z_change = robust_z(
        np.asarray([value - past[-1]]), np.asarray([change_median]), np.asarray([change_mad])
    )[0]
    if abs(np.nan_to_num(z)) > OUTLIER_Z and abs(np.nan_to_num(z_change)) > OUTLIER_Z:
        return {"value": float(value), "median": median, "z": float(z)}
    return None


def entry_flags(
    value: float,
    *,
    previous: float | None,
    history: list[float],
    low: float | None = None,
    high: float | None = None,
    factor: float = JUMP_FACTOR,
    range_params: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every rule one entered value breaks, as ``{"rule", "params"}`` (``flag_text`` words
    them): jump against ``previous``, range ``low`` … ``high``, outlier after ``history``.
    ``range_params`` adds to the range flag's params (e.g. which bound it is: ``bound``)."""
    flags: list[dict[str, Any]] = []
    if previous is not None and implausible_jump(value, previous, factor):
        jump = {"value": value, "previous": previous, "ratio": value / previous}
        flags.append({"rule": "jump", "params": jump})
    if out_of_range(np.asarray([value], dtype=np.float64), low, high)[0]:
        outside = {"value": value, "low": low, "high": high, **(range_params or {})}
        flags.append({"rule": "range", "params": outside})
    outlier = outlier_of(value, history)
    if outlier is not None:
        flags.append({"rule": "outlier", "params": outlier})
    return flags


def unit_hint(ratio: float) -> str:
    """What a jump of ``ratio`` usually is: the unit slip whose power of ten it matches."""
    if not ratio or not math.isfinite(ratio):
        return _("请核对单位与口径")
    exponent = abs(math.log10(ratio))
    power = round(exponent)
    if abs(exponent - power) > 0.15 or power < 1:
        return _("请核对单位与口径")
    hints = {
        1: _("疑似多写或漏写一位数"),
        2: _("疑似单位错误（分/元）"),
        3: _("疑似单位错误（千倍，如 kWh 与 MWh、T 与 P）"),
        4: _("疑似单位错误（万倍，如元与万元）"),
        8: _("疑似单位错误（亿倍，如元与亿元）"),
    }
    return hints.get(power, _("疑似单位错误（相差 10 的 %(n)s 次方倍）") % {"n": power})


def _num(value: Any, unit: str = "") -> str:
    number = float(value)
    # Large amounts (investment in 万元) read better written out than as 1.2e+07.
    text = f"{number:,.2f}".rstrip("0").rstrip(".") if abs(number) >= 1e6 else f"{number:g}"
    return f"{text} {unit}" if unit else text


def flag_text(rule: str, params: Mapping[str, Any]) -> str:
    """A flag's comparison in the active language (``params["unit"]``, if any, follows
    each amount).

    For example "较上期 0.6 增长 100 倍，疑似单位错误（分/元）".
    """
    p = params
    # Units are stored as entered (万元, P, %); known Chinese ones are in the catalogue.
    unit = _(str(p["unit"])) if p.get("unit") else ""
    if rule == "jump":
        ratio = float(p["ratio"])
        if ratio >= 1:
            return _("较上期 %(previous)s 增长 %(times)s 倍，%(hint)s") % {
                "previous": _num(p["previous"], unit),
                "times": f"{ratio:.3g}",
                "hint": unit_hint(ratio),
            }
        return _("较上期 %(previous)s 降至其 %(times)s 分之一，%(hint)s") % {
            "previous": _num(p["previous"], unit),
            "times": f"{1 / ratio:.3g}",
            "hint": unit_hint(ratio),
        }
    if rule == "range" and p.get("bound"):
        return range_text(p)
    if rule == "range":
        return _("数值 %(value)s 超出合理范围 %(low)s … %(high)s") % {
            "value": _num(p["value"], unit),
            "low": "" if p.get("low") is None else _num(p["low"]),
            "high": "" if p.get("high") is None else _num(p["high"]),
        }
    if rule == "outlier":
        return _(
            "远离该序列此前各期的水平：中位数 %(median)s，稳健 z 值 %(z)s（超过 %(limit)s 即存疑）"
        ) % {"median": _num(p["median"], unit), "z": f"{float(p['z']):.1f}", "limit": OUTLIER_Z}
    if rule == "consistency":
        return _("违反一致性规则“%(name)s”：%(left)s %(op)s %(right)s 不成立") % {
            "name": p["name"],
            "left": _num(p["left"]),
            "op": p["op"],
            "right": _num(p["right"]),
        }
    return rule


def range_text(p: Mapping[str, Any]) -> str:
    """The range rule of a month's completed investment against the project's total
    investment (``bound`` "total", the only yardstick so far)."""
    unit = _(str(p["unit"])) if p.get("unit") else ""
    words = {"value": _num(p["value"], unit), "high": _num(p["high"], unit)}
    return _("当月完成 %(value)s 超过项目总投资 %(high)s，疑似单位填错（万元与亿元）") % words
