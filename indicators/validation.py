"""The validation stage of an ingestion: whole-column checks on the parsed rows.

Each check is a function of the parsed rows and the catalogue that returns ``Finding``s: a
message and the mask of the rows it is about. A finding that ``rejects`` fails the whole run
(nothing is written, the message lists the first problems with the rows they are in); one that
does not reject only marks its rows (``Validated.flagged``), for rules that keep a value but
mark it doubtful. New rules are functions added to ``RULES``.

Checks: the payload holds observations, no two rows share a key, indicator and area codes are
known (or may be created), units agree with the indicator's, values lie within the indicator's
plausible range. Locators are computed only for the rows a message names.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from django.db import connection
from django.utils.translation import gettext as _
from pyarrow import csv as pa_csv

from indicators.connectors import ParseResult
from indicators.exceptions import ConnectorError
from indicators.models import Indicator, Observation
from indicators.periods import FREQUENCY_RANK, frequency_of, time_order
from indicators.quality import (
    OUTLIER_MIN_POINTS,
    OUTLIER_Z,
    flag_text,
    is_jump,
    jump_ratios,
    out_of_range,
    robust_z,
)
from policy.models import Region

if TYPE_CHECKING:
    from numpy.typing import NDArray

KEY = ["indicator", "area", "period", "dimension"]
MAX_PROBLEMS_LISTED = 5


@dataclass
class Finding:
    """What one rule found: a message and the rows it is about."""

    message: str
    rows: NDArray[np.bool_]
    rejects: bool = True
    # A data-quality rule ("jump", "range", "outlier"): kept and marked unless the source
    # refuses the rule; ``params`` holds each marked row's comparison, in row order.
    rule: str = ""
    params: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Catalogue:
    """The known codes the rows are checked against (read once per run)."""

    indicators: dict[str, Indicator]
    areas: set[str]
    create_missing: bool
    refuse: frozenset[str] = frozenset()


@dataclass
class Validated:
    """Rows ready to write, the codes to create first, and the rows rules marked."""

    result: ParseResult
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    new_areas: dict[str, str] = field(default_factory=dict)
    marked: NDArray[np.bool_] | None = None
    quality: list[Finding] = field(default_factory=list)

    @property
    def rows(self) -> pd.DataFrame:
        return self.result.rows

    @property
    def flagged(self) -> int:
        """How many rows a non-rejecting rule marked (kept, but not to be shown as fact)."""
        return 0 if self.marked is None else int(self.marked.sum())


Rule = Callable[[ParseResult, Catalogue], list[Finding]]


def present(column: pd.Series) -> list[str]:
    """The distinct values of a categorical column that occur in it."""
    return list(column.cat.remove_unused_categories().cat.categories)


def validate(
    result: ParseResult, *, create_missing: bool, refuse: frozenset[str] = frozenset()
) -> Validated:
    """Check every row; raise one ``ConnectorError`` listing the problems, or return the rows.

    Data-quality rules mark rows (``Validated.quality``) unless their rule is in ``refuse``,
    which makes them reject the payload like any other problem.
    """
    rows = result.rows
    if rows.empty:
        if result.missing:
            return Validated(result)
        raise ConnectorError(_("数据中没有任何观测值。请检查地址、文件或列映射。"))
    check_duplicates(result)
    codes = present(rows["indicator"])
    catalogue = Catalogue(
        indicators={i.code: i for i in Indicator.objects.filter(code__in=codes)},
        areas=set(
            Region.objects.filter(code__in=present(rows["area"])).values_list("code", flat=True)
        ),
        create_missing=create_missing,
        refuse=refuse,
    )
    validated = Validated(result)
    if create_missing:
        _plan_creations(validated, catalogue)
    findings = [finding for rule in RULES for finding in rule(result, catalogue)]
    rejected = [f for f in findings if f.rejects]
    if rejected:
        raise _rejection(result, rejected, catalogue)
    marks = [f.rows for f in findings]
    validated.marked = np.logical_or.reduce(marks) if marks else None
    validated.quality = [f for f in findings if f.rule]
    return validated


def where(result: ParseResult, mask: NDArray[np.bool_]) -> str:
    """The first three rows under ``mask`` by locator, and how many more there are."""
    shown, total = result.where(mask)
    text = _("、").join(shown)  # "row 2, row 7" / "第 2 行、第 7 行"
    return text + (_(" 等，另有 %(n)s 处") % {"n": total - 3} if total > 3 else "")


def check_duplicates(result: ParseResult) -> None:
    """Refuse a payload in which two rows share indicator, area, period and dimension."""
    rows = result.rows
    codes = pd.DataFrame({k: rows[k].cat.codes.to_numpy() for k in KEY})
    dup = codes.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.argmax(dup))
    same = dup & (codes.to_numpy() == codes.to_numpy()[first]).all(axis=1)
    key = [str(rows[k].iloc[first]) for k in KEY]
    raise ConnectorError(
        _(
            "%(n)s 行与其他行的键重复，例如 %(key)s，位于 %(where)s。每个指标、地区、期间（及维"
            "度）只能出现一次：请删除重复行，或把区分它们的列映射为维度（dimension）。"
        )
        % {
            "n": int(dup.sum()),
            "key": " / ".join(k for k in key if k),
            "where": where(result, same),
        },
        fields={"rejected": int(dup.sum())},
    )


def unknown_codes(result: ParseResult, catalogue: Catalogue) -> list[Finding]:
    """Indicator and area codes that neither exist nor may be created."""
    if catalogue.create_missing:
        return []
    rows = result.rows
    findings = []
    checks = (
        (
            "indicator",
            set(catalogue.indicators),
            _("请在管理后台添加，或用 indicator_map 映射"),
        ),
        ("area", catalogue.areas, _("请用 area_map 映射，或先添加该地区")),
    )
    for column, known, hint in checks:
        for code in sorted(set(present(rows[column])) - known):
            mask = (rows[column] == code).to_numpy()
            findings.append(
                Finding(
                    _("未知 %(column)s 代码“%(code)s”（%(where)s）：%(hint)s")
                    % {"column": column, "code": code, "where": where(result, mask), "hint": hint},
                    mask,
                )
            )
    return findings


def units(result: ParseResult, catalogue: Catalogue) -> list[Finding]:
    """Units other than the indicator's."""
    rows = result.rows
    findings = []
    units = rows["unit"]
    for code, indicator in catalogue.indicators.items():
        of_code = (rows["indicator"] == code).to_numpy()
        wrong = of_code & ((units != "") & (units != indicator.unit)).to_numpy()
        if wrong.any():
            findings.append(
                Finding(
                    _(
                        "单位“%(unit)s”与指标“%(code)s”的单位“%(expected)s”不符（%(where)s）：请"
                        "在来源选项中用“scale”换算、用“unit_map”改名"
                    )
                    % {
                        "unit": units.iloc[int(np.argmax(wrong))],
                        "code": code,
                        "expected": indicator.unit,
                        "where": where(result, wrong),
                    },
                    wrong,
                )
            )
    return findings


def ranges(result: ParseResult, catalogue: Catalogue) -> list[Finding]:
    """Values outside the indicator's plausible range (the range rule)."""
    rows = result.rows
    findings = []
    values = rows["value"].to_numpy()
    for code, indicator in catalogue.indicators.items():
        low, high = indicator.min_value, indicator.max_value
        if low is None and high is None:
            continue
        outside = out_of_range(values, low, high) & (rows["indicator"] == code).to_numpy()
        if outside.any():
            findings.append(
                _quality_finding(
                    "range",
                    _("“%(code)s”的数值 %(value)s 超出合理范围 %(low)s … %(high)s（%(where)s）")
                    % {
                        "value": f"{values[int(np.argmax(outside))]:g}",
                        "code": code,
                        "low": "" if low is None else f"{low:g}",
                        "high": "" if high is None else f"{high:g}",
                        "where": where(result, outside),
                    },
                    outside,
                    [
                        {"value": float(v), "low": low, "high": high}
                        for v in values[np.flatnonzero(outside)]
                    ],
                    catalogue,
                )
            )
    return findings


def _quality_finding(
    rule: str,
    message: str,
    mask: NDArray[np.bool_],
    params: list[dict[str, Any]],
    catalogue: Catalogue,
) -> Finding:
    refused = rule in catalogue.refuse
    if refused:
        message += _("；本来源对“%(rule)s”规则设为拒绝") % {"rule": rule}
    return Finding(message, mask, rejects=refused, rule=rule, params=params)


def _series_history(result: ParseResult, catalogue: Catalogue) -> pd.DataFrame:
    """The payload's rows and the stored values of the same series, as one frame.

    Columns: indicator, area, dimension, period, value, row (the payload position, -1 for a
    stored value the payload does not replace), freq, order (true time order within a
    frequency). One query.
    """
    rows = result.rows
    payload = pd.DataFrame(
        {
            "indicator": rows["indicator"].astype(object).to_numpy(),
            "area": rows["area"].astype(object).to_numpy(),
            "dimension": rows["dimension"].astype(object).to_numpy(),
            "period": rows["period"].astype(object).to_numpy(),
            "value": rows["value"].to_numpy(dtype=np.float64),
            "row": np.arange(len(rows), dtype=np.int64),
        }
    )
    ids = {i.pk: code for code, i in catalogue.indicators.items()}
    stored = _stored_values(list(ids), present(rows["area"]))
    if not stored.empty:
        stored["indicator"] = stored["indicator"].map(ids)
        stored["row"] = -1
        both = pd.concat([payload, stored], ignore_index=True)
        both = both.drop_duplicates(KEY, keep="first")  # the payload's value replaces the stored
    else:
        both = payload
    # Per distinct period (a few hundred), then spread by the period's code: a dict lookup per
    # row over two million rows costs seconds.
    codes, periods = pd.factorize(both["period"])
    freq = np.array([frequency_of(p) for p in periods], dtype=object)
    # The ordinal of the day each period ends: one number to sort on.
    order = np.array([time_order(p)[0].toordinal() for p in periods], dtype=np.int64)
    rank = np.array([FREQUENCY_RANK[f] for f in freq], dtype=np.int64)
    both["freq"] = freq[codes]
    both["rank"] = rank[codes]
    both["order"] = order[codes]
    return both.sort_values(
        ["indicator", "area", "dimension", "rank", "order"], kind="stable"
    ).reset_index(drop=True)


def _stored_values(indicator_ids: list[int], areas: list[str]) -> pd.DataFrame:
    """The stored values of these indicators in these areas: indicator id, area code,
    dimension, period, value. On PostgreSQL one COPY read by pyarrow (a million rows in well
    under a second, against seconds through the ORM's tuples); elsewhere the ORM."""
    columns = ["indicator", "area", "dimension", "period", "value"]
    if connection.vendor != "postgresql":
        return pd.DataFrame(
            list(
                Observation.objects.filter(
                    indicator_id__in=indicator_ids, area__code__in=areas
                ).values_list("indicator_id", "area__code", "dimension", "period", "value")
            ),
            columns=columns,
        )
    # Table names from the models, the values bound as parameters.
    observation, region = Observation._meta.db_table, Region._meta.db_table
    sql = (
        "COPY (SELECT o.indicator_id, r.code, o.dimension, o.period, o.value"  # noqa: S608
        f' FROM "{observation}" o JOIN "{region}" r ON r.id = o.area_id'
        " WHERE o.indicator_id = ANY(%s) AND r.code = ANY(%s)) TO STDOUT WITH (FORMAT csv)"
    )
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, (indicator_ids, areas)) as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    table = pa_csv.read_csv(
        io.BytesIO(buffer.getvalue()),
        read_options=pa_csv.ReadOptions(column_names=columns),
        convert_options=pa_csv.ConvertOptions(
            column_types={
                "indicator": pa.int64(),
                "area": pa.string(),
                "dimension": pa.string(),
                "period": pa.string(),
                "value": pa.float64(),
            },
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return pd.DataFrame(
        {
            c: table.column(c).to_numpy(zero_copy_only=False).astype(object)
            if c in ("area", "dimension", "period")
            else table.column(c).to_numpy()
            for c in columns
        }
    )


SERIES = ["indicator", "area", "dimension", "freq"]
ROLLING_CHUNK = 200_000  # rows per window matrix: 200,000 × 8 floats = 12.8 MB


def _rolling_level(
    series: NDArray[np.int64], prior: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The median of the ``OUTLIER_MIN_POINTS`` values of ``prior`` up to each row of its
    series, and their median absolute deviation, estimated as half their interquartile range
    (the same for normal data). NaN where fewer than that many values precede it.

    The rows are sorted by series, so a series' rows are contiguous: the window of row ``i`` is
    ``prior[i - w + 1 .. i]`` when all of it is in the same series and none of it is NaN. Built
    as a (rows × w) matrix in chunks, so memory stays bounded and the work is NumPy's.
    ``series`` numbers each row's series."""
    n, w = len(prior), OUTLIER_MIN_POINTS
    median = np.full(n, np.nan)
    spread = np.full(n, np.nan)
    for start in range(0, n, ROLLING_CHUNK):
        rows = np.arange(start, min(start + ROLLING_CHUNK, n))
        back = rows[:, None] - np.arange(w)[None, :]  # (chunk, w): i, i-1, …, i-w+1
        inside = back >= 0
        back = np.where(inside, back, 0)
        window = np.where(inside & (series[back] == series[rows][:, None]), prior[back], np.nan)
        complete = ~np.isnan(window).any(axis=1)
        if not complete.any():
            continue
        full = window[complete]
        median[rows[complete]] = np.median(full, axis=1)
        q1, q3 = np.quantile(full, [0.25, 0.75], axis=1)
        spread[rows[complete]] = q3 - q1
    return median, spread / 2


def _shifted(series: NDArray[np.int64], column: NDArray[Any], empty: Any) -> NDArray[Any]:
    """Each row's predecessor in its series (rows sorted by series), ``empty`` for a first."""
    out = np.empty_like(column)
    out[0:1] = empty
    out[1:] = column[:-1]
    out[1:][series[1:] != series[:-1]] = empty
    return out


def _outliers(
    series: NDArray[np.int64], values: NDArray[np.float64], previous: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """The outlier rule on whole columns: a value far from the level of the series' recent
    values *and* reached by a change far outside its recent changes (robust z above
    ``OUTLIER_Z`` on both). The level alone would flag every late value of a series that
    trends or wanders; the change alone would flag the return to normal after a spike.
    Returns the mask, and the level median and z-score for the message."""
    level, level_mad = _rolling_level(series, previous)
    z = robust_z(values, level, level_mad)
    change = values - previous
    change_median, change_mad = _rolling_level(series, _shifted(series, change, np.nan))
    z_change = robust_z(change, change_median, change_mad)
    hit = (np.abs(np.nan_to_num(z)) > OUTLIER_Z) & (np.abs(np.nan_to_num(z_change)) > OUTLIER_Z)
    return hit, level, z


def jumps_and_outliers(result: ParseResult, catalogue: Catalogue) -> list[Finding]:
    """The jump rule (against the previous period of the same series and frequency) and the
    outlier rule (robust z-score over the series' history), on whole columns."""
    if not catalogue.indicators or result.rows.empty:
        return []
    both = _series_history(result, catalogue)
    both = both[both["indicator"].isin(list(catalogue.indicators))]
    if both.empty:
        return []
    series: NDArray[np.int64] = np.asarray(both.groupby(SERIES, sort=False).ngroup(), np.int64)
    values = both["value"].to_numpy(dtype=np.float64)
    previous = _shifted(series, values, np.nan)
    previous_period = _shifted(series, both["period"].to_numpy(dtype=object), None)
    factors: NDArray[np.float64] = np.asarray(
        both["indicator"].map({c: i.jump_factor for c, i in catalogue.indicators.items()}),
        dtype=np.float64,
    )
    ratio = jump_ratios(values, previous)
    in_payload = both["row"].to_numpy() >= 0
    jumped = is_jump(ratio, factors) & in_payload

    outlying, median, z = _outliers(series, values, previous)
    outlying &= in_payload

    n = len(result.rows)
    findings = []
    for rule, hit in (("jump", jumped), ("outlier", outlying)):
        if not hit.any():
            continue
        positions = both["row"].to_numpy()[hit]
        mask = np.zeros(n, dtype=bool)
        mask[positions] = True
        # Params in payload row order (the order ``np.flatnonzero(mask)`` gives).
        picked = np.flatnonzero(hit)[np.argsort(positions)]
        if rule == "jump":
            params = [
                {
                    "value": float(values[i]),
                    "previous": float(previous[i]),
                    "previous_period": str(previous_period[i]),
                    "ratio": float(ratio[i]),
                }
                for i in picked
            ]
        else:
            params = [
                {"value": float(values[i]), "median": float(median[i]), "z": float(z[i])}
                for i in picked
            ]
        first = params[0]
        code = str(both["indicator"].iloc[picked[0]])
        findings.append(
            _quality_finding(
                rule,
                _("“%(code)s”的数值 %(value)s 存疑：%(text)s（%(where)s）")
                % {
                    "code": code,
                    "value": f"{first['value']:g}",
                    "text": flag_text(rule, first),
                    "where": where(result, mask),
                },
                mask,
                params,
                catalogue,
            )
        )
    return findings


def dimension_lengths(result: ParseResult, catalogue: Catalogue) -> list[Finding]:
    """Dimensions longer than the database stores (folded SDMX dimensions can be)."""
    limit = Observation._meta.get_field("dimension").max_length or 0
    rows = result.rows
    too_long = [d for d in present(rows["dimension"]) if len(d) > limit]
    if not too_long:
        return []
    mask = rows["dimension"].isin(too_long).to_numpy()
    return [
        Finding(
            _(
                "维度“%(dimension)s”超过 %(limit)s 个字符（%(where)s）：请用 "
                "“dimension_columns”只折叠区分各行所需的维度，或用 columns 把其余维度映射掉"
            )
            % {"dimension": too_long[0], "limit": limit, "where": where(result, mask)},
            mask,
        )
    ]


RULES: list[Rule] = [unknown_codes, units, ranges, dimension_lengths, jumps_and_outliers]


def _rejection(
    result: ParseResult, findings: list[Finding], catalogue: Catalogue
) -> ConnectorError:
    problems = [f.message for f in findings]
    rows = result.rows
    # Said even when the codes are about to be created: the hint names the option either way.
    if set(present(rows["indicator"])) - set(catalogue.indicators) or (
        set(present(rows["area"])) - catalogue.areas
    ):
        problems.append(_("或使用 --create-missing 自动创建未知代码"))
    rejected = int(np.logical_or.reduce([f.rows for f in findings]).sum())
    listed = problems[:MAX_PROBLEMS_LISTED]
    more = len(problems) - len(listed)
    text = "; ".join(listed) + (_("；另有 %(n)s 个问题") % {"n": more} if more else "")
    return ConnectorError(
        _("未导入任何数据：%(n)s 行无效。%(problems)s。") % {"n": rejected, "problems": text},
        fields={"rejected": rejected},
    )


def _plan_creations(validated: Validated, catalogue: Catalogue) -> None:
    """With ``create_missing``: the unknown codes to create, with the publisher's labels."""
    result = validated.result
    rows = result.rows
    unknown_ind = sorted(set(present(rows["indicator"])) - set(catalogue.indicators))
    unknown_area = sorted(set(present(rows["area"])) - catalogue.areas)
    check_code_lengths(unknown_ind, unknown_area)
    validated.new_indicators = {
        code: {
            "label": result.labels["indicator"].get(code, ""),
            "unit": result.units.get(code) or _first_unit(rows, code),
        }
        for code in unknown_ind
    }
    validated.new_areas = {code: result.labels["area"].get(code, "") for code in unknown_area}


def _first_unit(rows: pd.DataFrame, code: str) -> str:
    units = rows.loc[(rows["indicator"] == code) & (rows["unit"] != ""), "unit"]
    return str(units.iloc[0]) if not units.empty else ""


def check_code_lengths(indicators: list[str], areas: list[str]) -> None:
    """Refuse to create codes longer than the catalogue can store."""
    limits = (
        (indicators, Indicator._meta.get_field("code").max_length, "indicator"),
        (areas, Region._meta.get_field("code").max_length, "area"),
    )
    for codes, limit, column in limits:
        too_long = [code for code in codes if len(code) > (limit or 0)]
        if too_long:
            raise ConnectorError(
                _(
                    "%(column)s 代码“%(code)s”超过 %(limit)s 个字符，无法创建；请用 %(column)s_m"
                    "ap 映射到更短的代码。"
                )
                % {"column": column, "code": too_long[0], "limit": limit}
            )
