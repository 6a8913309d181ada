"""Whole-column clean-up: raw cells of a payload in, the canonical frame out.

A connector hands over ``Columns``: one sequence of raw cells per canonical key (a pyarrow
string array for the big text formats, a list for the rest) and, per row, its position in the
payload. ``finish`` applies the shared rules of ``indicators.connectors.cells`` to whole
columns instead of row by row:

* code and label columns repeat a few values over many rows, so each rule runs once per
  *distinct* value and the result is spread back by integer codes (``factorize``);
* numbers take a vectorised fast path when a cell is a plain ASCII number (what a large export
  is made of) and the exact per-value rule otherwise, so every cell reads as ``parse_number``
  reads it;
* the first bad row is found with masks, and only that row's locator is ever computed
  ("row 7": ``locate(position)``), as are the three rows an error message names.

``ParseResult.rows`` is the lean frame the service validates and writes (categorical codes,
float values, the payload position per row); ``ParseResult.frame`` adds the ``locator`` column
for callers that want every row named (tests, small imports).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from indicators.connectors.cells import cell_text, located, parse_number
from indicators.exceptions import ConnectorError
from indicators.periods import parse_period

if TYPE_CHECKING:
    from numpy.typing import NDArray

CANONICAL_COLUMNS = [
    "indicator",
    "area",
    "period",
    "period_start",
    "value",
    "unit",
    "dimension",
    "locator",
    "note",
]
ROW_COLUMNS = [c for c in CANONICAL_COLUMNS if c != "locator"] + ["pos"]
TEXT_COLUMNS = ("indicator", "area", "period", "unit", "dimension", "note")
# A plain number as large exports write it; anything else takes the exact per-value rule.
_PLAIN = {
    ".": r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$",
    ",": r"^[+-]?(?:[0-9]+,?[0-9]*|,[0-9]+)(?:[eE][+-]?[0-9]+)?$",
}

# pyarrow ships no types: its arrays are Any to mypy.
Column: TypeAlias = "pa.Array | pa.ChunkedArray | Sequence[object] | NDArray[Any]"
Locate = Callable[[int], str]


def _no_locator(position: int) -> str:
    return str(position)


@dataclass
class Columns:
    """Raw cells by canonical key, before the shared clean-up.

    ``data`` holds "period" and "value" and any of "indicator", "area", "unit", "dimension",
    "note" (texts) and "factor" (a number multiplying the value before ``scale``: SDMX
    ``UNIT_MULT``). ``text`` maps a key to the rule that turns a raw cell into its text
    (``code_text`` for codes; default ``cell_text``); it runs once per distinct cell.
    ``positions[i]`` is row i's place in the payload and ``locate(position)`` names it.
    """

    data: dict[str, Column]
    positions: NDArray[np.int64]
    locate: Locate
    value_where: str
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"indicator": {}, "area": {}}
    )
    units: dict[str, str] = field(default_factory=dict)
    text: dict[str, Callable[[object], str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.positions)


@dataclass
class ParseResult:
    """What a connector hands to the ingestion service.

    ``rows`` has ``ROW_COLUMNS``: ``value`` is a finite float in the unit the publisher used
    times ``scale``; ``period`` is the normalized code from ``indicators.periods``;
    ``period_start`` a ``datetime.date``; ``dimension`` is "" when the source has none;
    ``note`` is a per-row citation or remark when the source maps one, else ""; ``pos`` is the
    row's place in the payload, named by ``locate(pos)`` ("row 7", "records[3]"). Text columns
    are categorical. ``missing`` counts observations the publisher marked as missing (they are
    not in the frame, never 0). ``labels`` maps codes to published names and ``units`` maps
    indicator codes to published units, both keyed by our codes (after the maps).
    """

    rows: pd.DataFrame
    locate: Locate = _no_locator
    missing: int = 0
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"indicator": {}, "area": {}}
    )
    units: dict[str, str] = field(default_factory=dict)
    # Set by the service: a Chinese area name read from the payload -> the region code it is.
    area_names: dict[str, str] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """``rows`` with a ``locator`` per row and plain text columns (``CANONICAL_COLUMNS``)."""
        frame = self.rows.drop(columns=["pos"])
        for name in TEXT_COLUMNS:
            frame[name] = frame[name].astype(object)
        frame["period_start"] = frame["period_start"].astype(object)
        frame["locator"] = [self.locate(int(p)) for p in self.rows["pos"]]
        return frame[CANONICAL_COLUMNS].reset_index(drop=True)

    def where(self, mask: NDArray[np.bool_] | pd.Series, shown: int = 3) -> tuple[list[str], int]:
        """The locators of the first ``shown`` rows under ``mask`` and how many rows it holds."""
        positions = self.rows["pos"].to_numpy()[np.asarray(mask, dtype=bool)]
        return [self.locate(int(p)) for p in positions[:shown]], len(positions)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, **extra: Any) -> ParseResult:
        """A result from a frame with ``CANONICAL_COLUMNS`` (a locator per row)."""
        locators = list(frame["locator"])
        rows = frame.drop(columns=["locator"]).reset_index(drop=True)
        rows["pos"] = np.arange(len(rows), dtype=np.int64)
        for name in TEXT_COLUMNS:
            rows[name] = pd.Categorical(rows[name].astype(object))
        return cls(rows=rows[ROW_COLUMNS], locate=locators.__getitem__, **extra)


class Options(Protocol):
    def option(self, name: str, default: Any) -> Any: ...

    def no_code_message(self, where: str, name: str) -> str: ...


# -- distinct values ----------------------------------------------------------------------------


def factorize(column: Column) -> tuple[NDArray[np.int64], list[object]]:
    """Integer codes per cell and the distinct cells, in order of first appearance.

    Cells of different types stay apart (2023, 2023.0 and "2023" are three values: the rules
    may read them differently).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if isinstance(column, pa.Array):
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, encoded.dictionary.to_pylist()
    index: dict[object, int] = {}
    values: list[object] = []
    codes_list = []
    for cell in column:
        key = cell if type(cell) is str else (type(cell), cell)
        code = index.get(key)
        if code is None:
            code = index[key] = len(values)
            values.append(cell)
        codes_list.append(code)
    return np.asarray(codes_list, dtype=np.int64), values


@dataclass
class Coded:
    """A text column as integer codes into ``texts`` (the rule already applied)."""

    codes: NDArray[np.int64]
    texts: list[str]

    def take(self, mapping: Callable[[str], str]) -> Coded:
        return Coded(self.codes, [mapping(t) for t in self.texts])

    def categorical(self, keep: NDArray[np.bool_]) -> pd.Categorical:
        """The kept rows as a categorical whose categories are distinct texts."""
        uniques, inverse = np.unique(np.asarray(self.texts, dtype=object), return_inverse=True)
        codes = inverse.reshape(-1)[self.codes[keep]] if len(self.texts) else self.codes[keep]
        return pd.Categorical.from_codes(codes, categories=pd.Index(list(uniques), dtype=object))


def coded(columns: Columns, key: str, n: int) -> Coded:
    """The column ``key`` as text codes (all "" when the format has no such column)."""
    if key not in columns.data:
        return Coded(np.zeros(n, dtype=np.int64), [""])
    codes, cells = factorize(columns.data[key])
    rule = columns.text.get(key, cell_text)
    return Coded(codes, [rule(cell) for cell in cells])


# -- numbers ------------------------------------------------------------------------------------


@dataclass
class Numbers:
    """Parsed values: ``value`` (NaN where missing), ``missing`` and ``bad`` masks."""

    value: NDArray[np.float64]
    missing: NDArray[np.bool_]
    bad: NDArray[np.bool_]


def parse_numbers(column: Column, decimal: str) -> Numbers:
    """``parse_number`` over a whole column (see the module docstring)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if isinstance(column, pa.Array):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            return _parse_text_numbers(column, decimal)
        column = column.to_pylist()
    cells = np.empty(len(column), dtype=object)
    cells[:] = list(column)
    return _parse_distinct(cells, decimal)


def _parse_text_numbers(column: pa.Array, decimal: str) -> Numbers:
    n = len(column)
    plain = pc.fill_null(pc.match_substring_regex(column, _PLAIN[decimal]), False)
    plain_np = plain.to_numpy(zero_copy_only=False)
    value = np.full(n, np.nan)
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    if plain_np.any():
        digits = pc.filter(column, plain)
        if decimal == ",":
            digits = pc.replace_substring(digits, ",", ".")
        value[plain_np] = pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)
    # 1e999 is plain but not finite: let the exact rule word the error.
    rest = ~plain_np | ~np.isfinite(np.where(plain_np, value, 0.0))
    if rest.any():
        cells = np.asarray(column.filter(pa.array(rest)).to_pylist(), dtype=object)
        slow = _parse_distinct(cells, decimal)
        value[rest], missing[rest], bad[rest] = slow.value, slow.missing, slow.bad
    return Numbers(value, missing, bad)


def _parse_distinct(cells: NDArray[np.object_], decimal: str) -> Numbers:
    codes, distinct = factorize(list(cells))
    parsed = np.full(len(distinct), np.nan)
    is_missing = np.zeros(len(distinct), dtype=bool)
    is_bad = np.zeros(len(distinct), dtype=bool)
    for i, cell in enumerate(distinct):
        try:
            number = parse_number(cell, decimal)
        except ConnectorError:
            is_bad[i] = True
            continue
        if number is None:
            is_missing[i] = True
        else:
            parsed[i] = number
    return Numbers(parsed[codes], is_missing[codes], is_bad[codes])


# -- the clean-up -------------------------------------------------------------------------------


def finish(connector: Options, columns: Columns) -> ParseResult:
    """Apply the generic options and the shared rules to ``columns``; see the module docstring.

    Raises the ``ConnectorError`` of the first bad row in payload order, worded as the row-wise
    rules word it (value, then indicator, area and period).
    """
    n = len(columns)
    option = connector.option
    indicator = coded(columns, "indicator", n)
    # The code a row is about before the maps: its own, or the "indicator" option.
    own_indicator = indicator.take(lambda t: t or option("indicator", ""))
    wanted = _wanted(connector, own_indicator)
    numbers = parse_numbers(columns.data["value"], option("decimal", "."))
    factor = (
        np.asarray(columns.data["factor"], dtype=np.float64)
        if "factor" in columns.data
        else np.ones(n)
    )
    value = numbers.value * (factor * option("scale", 1))
    area = coded(columns, "area", n)
    periods = _periods(columns.data["period"], n)
    present = wanted & ~numbers.missing
    ind_absent = np.asarray([not t for t in own_indicator.texts], dtype=bool)[own_indicator.codes]
    own_area = area.take(lambda t: t or option("area", ""))
    area_absent = np.asarray([not t for t in own_area.texts], dtype=bool)[own_area.codes]
    broken = wanted & numbers.bad
    broken |= present & (
        ~np.isfinite(value) | ind_absent | area_absent | periods.bad[periods.codes]
    )
    if broken.any():
        raise _first_error(connector, columns, int(np.argmax(broken)), numbers, value, periods)
    return _result(connector, columns, present, value, numbers, periods, own_indicator, own_area)


def _wanted(connector: Options, own_indicator: Coded) -> NDArray[np.bool_]:
    """With ``only_mapped``, only rows whose indicator is a key of ``indicator_map``."""
    if not connector.option("only_mapped", False):
        return np.ones(len(own_indicator.codes), dtype=bool)
    mapping = connector.option("indicator_map", {})
    return np.asarray([t in mapping for t in own_indicator.texts], dtype=bool)[own_indicator.codes]


@dataclass
class _Periods:
    codes: NDArray[np.int64]
    cells: list[object]
    bad: NDArray[np.bool_]
    code: list[str]
    start: list[Any]


def _periods(column: Column, n: int) -> _Periods:
    codes, cells = factorize(column)
    bad = np.zeros(len(cells), dtype=bool)
    code: list[str] = []
    start: list[Any] = []
    for i, cell in enumerate(cells):
        try:
            period = parse_period(cell)
        except ConnectorError:
            bad[i] = True
            code.append("")
            start.append(None)
            continue
        code.append(period.code)
        start.append(period.start)
    return _Periods(codes, cells, bad, code, start)


def _first_error(
    connector: Options,
    columns: Columns,
    i: int,
    numbers: Numbers,
    value: NDArray[np.float64],
    periods: _Periods,
) -> ConnectorError:
    """The error of row ``i``, checked in the order the row-wise rules check it."""
    where = columns.locate(int(columns.positions[i]))
    raw = _cell(columns.data["value"], i)
    if numbers.bad[i]:
        try:
            parse_number(raw, connector.option("decimal", "."))
        except ConnectorError as exc:
            return located(f"{where}, {columns.value_where}", exc)
    if not math.isfinite(value[i]):
        return located(where, ConnectorError(_("换算后的数值不是有限数。")))
    for name in ("indicator", "area"):
        text = coded_cell(columns, name, i)
        if not (text or connector.option(name, "")):
            return ConnectorError(
                connector.no_code_message(where, name), fields={"locator": where}
            )
    try:
        parse_period(periods.cells[periods.codes[i]])
    except ConnectorError as exc:
        return located(where, exc)
    raise AssertionError(f"row {i} was flagged but has no error")  # pragma: no cover


def _cell(column: Column, i: int) -> object:
    if isinstance(column, pa.Array | pa.ChunkedArray):
        return column[i].as_py()
    return column[i]


def coded_cell(columns: Columns, key: str, i: int) -> str:
    """Row ``i``'s text in column ``key`` (the rule applied), "" when there is no such column."""
    if key not in columns.data:
        return ""
    return columns.text.get(key, cell_text)(_cell(columns.data[key], i))


def _result(
    connector: Options,
    columns: Columns,
    keep: NDArray[np.bool_],
    value: NDArray[np.float64],
    numbers: Numbers,
    periods: _Periods,
    own_indicator: Coded,
    own_area: Coded,
) -> ParseResult:
    option = connector.option
    n = len(columns)
    unit = coded(columns, "unit", n)
    unit_map = option("unit_map", {})
    final_unit = unit.take(
        lambda t: unit_map.get(t or option("unit", ""), t or option("unit", ""))
    )
    ind_map, area_map = option("indicator_map", {}), option("area_map", {})
    note = coded(columns, "note", n).take(lambda t: t[:300])
    period_codes = periods.codes[keep]
    rows = pd.DataFrame(
        {
            "indicator": own_indicator.take(lambda t: ind_map.get(t, t)).categorical(keep),
            "area": own_area.take(lambda t: area_map.get(t, t)).categorical(keep),
            "period": Coded(periods.codes, periods.code).categorical(keep),
            "period_start": np.asarray(periods.start, dtype=object)[period_codes],
            "value": value[keep].astype(np.float64),
            "unit": final_unit.categorical(keep),
            "dimension": coded(columns, "dimension", n).categorical(keep),
            "note": note.categorical(keep),
            "pos": columns.positions[keep].astype(np.int64),
        }
    )
    units = _units(columns, keep, unit, own_indicator, unit_map)
    return ParseResult(
        rows=rows,
        locate=columns.locate,
        missing=int((~keep & numbers.missing & _wanted(connector, own_indicator)).sum()),
        labels={
            "indicator": _remap(columns.labels["indicator"], ind_map),
            "area": _remap(columns.labels["area"], area_map),
        },
        units=_remap(units, ind_map),
    )


def _units(
    columns: Columns,
    keep: NDArray[np.bool_],
    unit: Coded,
    own_indicator: Coded,
    unit_map: Mapping[str, str],
) -> dict[str, str]:
    """The format's units, then the first published unit of each indicator in row order."""
    units = dict(columns.units)
    has_unit = np.asarray([bool(t) for t in unit.texts], dtype=bool)[unit.codes] & keep
    if not has_unit.any():
        return units
    pairs = pd.DataFrame(
        {"indicator": own_indicator.codes[has_unit], "unit": unit.codes[has_unit]}
    ).drop_duplicates("indicator")
    for ind_code, unit_code in zip(pairs["indicator"], pairs["unit"], strict=True):
        text = unit.texts[unit_code]
        units.setdefault(own_indicator.texts[ind_code], unit_map.get(text, text))
    return units


def _remap(by_code: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    return {mapping.get(code, code): text for code, text in by_code.items()}
