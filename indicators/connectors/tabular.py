"""Header-row tables, shared by the csv and excel connectors.

Government spreadsheets rarely start with the header: a merged title ("四川省分市州发电量") and a
unit line sit above it and footnotes ("注：…") below the data. So the header is the first of the
top ``SCAN_ROWS`` rows that holds every required column, unless ``header_row`` says where it is.

Option ``columns`` maps canonical keys to header names (Chinese allowed); ``dimension`` may be
a list of columns, folded into one text. Keys not mapped are looked up under the ``ALIASES``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Columns,
    cell_text,
    check_mapping,
    code_text,
    fold_dimension,
)
from indicators.connectors.frame import Column, factorize
from indicators.exceptions import ConnectorError

if TYPE_CHECKING:
    from numpy.typing import NDArray

TABLE_KEYS = (
    "indicator",
    "area",
    "period",
    "value",
    "unit",
    "dimension",
    "indicator_label",
    "area_label",
    "note",
)
# Header names tried, in order, for keys the source mapping does not name (compared casefolded).
ALIASES: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indicator_code", "指标代码", "指标编码", "指标"),
    "area": ("area", "area_code", "region", "地区代码", "行政区划代码", "地区", "区域"),
    "period": ("period", "time_period", "time", "date", "year", "时间", "期间", "年份", "日期"),
    "value": ("value", "obs_value", "数值", "值", "数据"),
    "unit": ("unit", "unit_measure", "单位", "计量单位"),
    "dimension": ("dimension", "维度", "分组"),
    "indicator_label": ("indicator_name", "indicator_label", "指标名称"),
    "area_label": ("area_name", "area_label", "地区名称"),
    "note": (),  # only when named in "columns": a per-row source or remark
}
SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")  # accepted in the "delimiter" option
_NOTE = re.compile(r"(注\d*|备注|说明|数据来源|资料来源|来源|notes?|sources?)\s*[:：]")

Locate = Callable[[int], str]


def header_key(cell: object) -> str:
    """A header cell as compared: NFKC, casefolded, without whitespace.

    Whitespace goes because Excel headers wrap ("地区\n名称") and Chinese needs no spaces.
    """
    return "".join(unicodedata.normalize("NFKC", cell_text(cell)).split()).casefold()


@dataclass(frozen=True)
class ColumnPlan:
    """Which header names to look for: ``named`` must all be present, aliases are fallbacks."""

    named: dict[str, tuple[str, ...]]
    required: frozenset[str]

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ColumnPlan:
        columns: dict[str, str | list[str]] = options.get("columns", {})
        check_mapping("columns", columns, TABLE_KEYS, list_keys=("dimension",))
        named = {
            key: tuple(value) if isinstance(value, list) else (value,)
            for key, value in columns.items()
        }
        # A constant option stands in for a missing indicator/area column.
        required = {"period", "value", *named}
        required |= {key for key in ("indicator", "area") if not options.get(key)}
        return cls(named, frozenset(required))

    def match(self, header: Sequence[object]) -> tuple[dict[str, list[int]], list[str]]:
        """Column indexes per key found in ``header``, and the required keys it lacks."""
        names = [header_key(cell) for cell in header]
        found: dict[str, list[int]] = {}
        missing: list[str] = []
        for key in TABLE_KEYS:
            indexes = self._indexes(key, names)
            if indexes:
                found[key] = indexes
            elif key in self.required:
                missing.append(key)
        return found, missing

    def _indexes(self, key: str, names: list[str]) -> list[int]:
        if key in self.named:
            wanted = [header_key(name) for name in self.named[key]]
            return [names.index(w) for w in wanted] if all(w in names for w in wanted) else []
        return next(([names.index(a)] for a in ALIASES[key] if a in names), [])

    def describe(self, key: str) -> str:
        """How a missing key is named in messages: '"数值" (value)' or 'value (one of: …)'."""
        if key in self.named:
            return _("“%(names)s”（%(key)s）") % {
                "names": '", "'.join(self.named[key]),
                "key": key,
            }
        if key in ("indicator", "area"):
            template = _("%(key)s（列名为以下之一：%(names)s；或设置选项“%(key)s”）")
        else:
            template = _("%(key)s（列名为以下之一：%(names)s）")
        return template % {"key": key, "names": ", ".join(ALIASES[key])}


class Table(Protocol):
    """Records of a table in file order: ``table[i]`` is record i as a list of cells."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Sequence[object]: ...

    def body(self, start: int) -> Body: ...


class Body(Protocol):
    """The records from ``start`` on, as whole columns."""

    counts: NDArray[np.int64]  # cells per record

    def maybe_skippable(self) -> NDArray[np.bool_]: ...

    def row(self, index: int) -> Sequence[object]: ...

    def column(self, index: int, keep: NDArray[np.bool_]) -> Column: ...


class ListTable:
    """Records already split into cells (Excel rows, or CSV read by ``csv.reader``)."""

    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Sequence[object]:
        return self.rows[index]

    def body(self, start: int) -> ListBody:
        return ListBody(self.rows[start:])


class ListBody:
    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        self.rows = rows
        self.counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))

    def maybe_skippable(self) -> NDArray[np.bool_]:
        return np.ones(len(self.rows), dtype=bool)

    def row(self, index: int) -> Sequence[object]:
        return self.rows[index]

    def column(self, index: int, keep: NDArray[np.bool_]) -> Column:
        return [row[index] for row, kept in zip(self.rows, keep, strict=True) if kept]


class LineTable:
    """Delimited text without quote characters: each line is one record, split at the delimiter.

    That is exactly what ``csv.reader`` reads from such text, so a large export is split by
    pyarrow in a few whole-column passes instead of record by record (``CsvConnector`` decides
    when it applies: no quote, NUL or unit-separator character in the text).
    """

    def __init__(self, text: str, delimiter: str) -> None:
        self.delimiter = delimiter
        # One column per line: the unit separator never occurs, quoting is off, and empty lines
        # stay (csv.reader counts them as records).
        read = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(
                delimiter="\x1f", quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={"f0": pa.string()}, strings_can_be_null=False
            ),
        )
        self.lines = read["f0"].combine_chunks() if read.num_rows else pa.array([], pa.string())

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> Sequence[object]:
        line = self.lines[index].as_py()
        return line.split(self.delimiter) if line else []

    def body(self, start: int) -> LineBody:
        return LineBody(self.lines.slice(start), self.delimiter)


class LineBody:
    def __init__(self, lines: pa.Array, delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        cells = pc.count_substring(lines, delimiter).to_numpy(zero_copy_only=False) + 1
        # An empty line is no cell at all for csv.reader, not one empty cell.
        empty = pc.equal(pc.utf8_length(lines), 0).to_numpy(zero_copy_only=False)
        self.counts = np.where(empty, 0, cells).astype(np.int64)
        self._split: tuple[bytes, pa.ListArray] | None = None

    def maybe_skippable(self) -> NDArray[np.bool_]:
        """Rows that might be blank or a footnote: no letter or digit, or a colon in cell one."""
        no_alnum = pc.invert(pc.match_substring_regex(self.lines, "[0-9A-Za-z]"))
        first_colon = pc.match_substring_regex(
            self.lines, "^[^" + re.escape(self.delimiter) + "]*[:：]"
        )
        flagged = np.asarray(pc.or_(no_alnum, first_colon).to_numpy(zero_copy_only=False))
        return np.asarray(flagged | (self.counts == 0), dtype=bool)

    def row(self, index: int) -> list[str]:
        line = self.lines[index].as_py()
        return line.split(self.delimiter) if line else []

    def column(self, index: int, keep: NDArray[np.bool_]) -> Column:
        key = keep.tobytes()
        if self._split is None or self._split[0] != key:
            lines = self.lines if keep.all() else self.lines.filter(pa.array(keep))
            self._split = (key, pc.split_pattern(lines, self.delimiter))
        return pc.list_element(self._split[1], index)


def table_columns(
    table: Table, plan: ColumnPlan, header_row: int | None, locate: Locate
) -> Columns:
    """Find the header, then read every data row below it as columns.

    ``table[i]`` is record i in file order; ``header_row`` is 1-based; ``locate(i)`` names
    record i in messages ("row 7", "sheet 发电量, row 7"). Blank records and footnotes
    ("注：2023年为初步数") are skipped; a record too short for the header is an error.
    """
    header_index, found = find_header(table, plan, header_row, locate)
    header = table[header_index]
    width = max(i for indexes in found.values() for i in indexes) + 1
    start = header_index + 1
    body = table.body(start)
    keep = _kept_rows(body)
    short = keep & (body.counts < width)
    if short.any():
        first = int(np.argmax(short))
        raise short_row_error(
            locate(start + first), int(body.counts[first]), locate(header_index), len(header)
        )
    data: dict[str, Column] = {
        key: body.column(indexes[0], keep)
        for key, indexes in found.items()
        if key in ("indicator", "area", "period", "value", "unit", "note")
    }
    if "dimension" in found:
        names = [cell_text(header[i]) for i in found["dimension"]]
        data["dimension"] = _folded(names, [body.column(i, keep) for i in found["dimension"]])
    columns = Columns(
        data=data,
        positions=(np.flatnonzero(keep) + start).astype(np.int64),
        locate=locate,
        value_where=_("列“%(name)s”") % {"name": cell_text(header[found["value"][0]])},
        text={"indicator": code_text, "area": code_text, "dimension": str},
    )
    for kind in ("indicator", "area"):
        if kind in found and f"{kind}_label" in found:
            label = body.column(found[f"{kind}_label"][0], keep)
            columns.labels[kind] = first_labels(data[kind], label, code_text)
    return columns


def _kept_rows(body: Body) -> NDArray[np.bool_]:
    """False for blank rows and footnotes, decided by ``skippable`` on each candidate row."""
    keep = np.ones(len(body.counts), dtype=bool)
    for i in np.flatnonzero(body.maybe_skippable()):
        if skippable(body.row(int(i))):
            keep[i] = False
    return keep


def first_labels(codes: Column, labels: Column, rule: Callable[[object], str]) -> dict[str, str]:
    """The first non-empty label of each non-empty code, in order of first appearance."""
    code_ids, code_cells = factorize(codes)
    label_ids, label_cells = factorize(labels)
    code_texts = [rule(c) for c in code_cells]
    label_texts = [cell_text(c) for c in label_cells]
    useful = np.asarray([bool(t) for t in code_texts], dtype=bool)[code_ids]
    useful &= np.asarray([bool(t) for t in label_texts], dtype=bool)[label_ids]
    out: dict[str, str] = {}
    for c, lab in zip(code_ids[useful], label_ids[useful], strict=True):
        out.setdefault(code_texts[c], label_texts[lab])
    return out


def _folded(names: list[str], columns: list[Column]) -> list[str]:
    """Dimension columns folded into one text per row, as ``fold_dimension`` folds them."""
    coded = [factorize(column) for column in columns]
    texts = [[cell_text(cell) for cell in cells] for _codes, cells in coded]
    if len(coded) == 1:
        return list(np.asarray(texts[0], dtype=object)[coded[0][0]])
    stacked = np.stack([codes for codes, _cells in coded], axis=1)
    combos, inverse = np.unique(stacked, axis=0, return_inverse=True)
    folded = [
        fold_dimension([(name, texts[k][combo[k]]) for k, name in enumerate(names)])
        for combo in combos
    ]
    return list(np.asarray(folded, dtype=object)[inverse.reshape(-1)])


def find_header(
    rows: Table | Sequence[Sequence[object]],
    plan: ColumnPlan,
    header_row: int | None,
    locate: Locate,
) -> tuple[int, dict[str, list[int]]]:
    """Index of the header row and the column indexes per key; raises if columns are missing."""
    if header_row is not None:
        index = header_row - 1
        if not 0 <= index < len(rows):
            raise ConnectorError(
                _("选项“header_row”为 %(row)s，但表格只有 %(count)s 行。")
                % {"row": header_row, "count": len(rows)}
            )
        found, missing = plan.match(rows[index])
        if missing:
            raise missing_columns(plan, missing, rows[index], locate(index))
        return index, found
    for index in range(min(len(rows), SCAN_ROWS)):
        found, missing = plan.match(rows[index])
        if not missing:
            return index, found
    if not rows:
        raise ConnectorError(_("表格中没有任何行。"))
    widest = max(range(min(len(rows), SCAN_ROWS)), key=lambda i: _filled(rows[i]))
    raise missing_columns(plan, plan.match(rows[widest])[1], rows[widest], locate(widest))


def missing_columns(
    plan: ColumnPlan, missing: list[str], header: Sequence[object], where: str
) -> ConnectorError:
    """The error for a header that lacks required columns, listing the columns it has."""
    columns = [cell_text(cell) for cell in header if cell_text(cell)]
    return ConnectorError(
        _(
            "找不到必需的列：%(missing)s。最可能的表头（%(where)s）有这些列：%(columns)s。请在选"
            '项“columns”中指定列名，例如 "columns": {"value": "数值", "period": "年份"}，或设置“'
            "header_row”。"
        )
        % {
            "missing": "; ".join(plan.describe(key) for key in missing),
            "where": where,
            "columns": ", ".join(columns) or _("（无）"),
        },
        fields={"locator": where, "columns": columns},
    )


def _filled(row: Sequence[object]) -> int:
    return sum(1 for cell in row if cell_text(cell))


def skippable(row: Sequence[object]) -> bool:
    """Blank rows and footnotes ("注：2023年为初步数") below the data carry no observation."""
    texts = [cell_text(cell) for cell in row]
    if not any(texts):
        return True
    return bool(_NOTE.match(texts[0].casefold()))


def short_row_error(
    where: str, cells: int, header_where: str, header_cells: int
) -> ConnectorError:
    """The error for a row whose cell count does not fit the header."""
    return ConnectorError(
        _(
            "%(where)s 有 %(cells)s 个单元格，而表头（%(header)s）有 %(header_cells)s 个：文件可"
            "能被截断，或该行的分隔符、引号有误。请重新下载或导出文件。"
        )
        % {"where": where, "cells": cells, "header": header_where, "header_cells": header_cells},
        fields={"locator": where},
    )


def read_delimited(text: str, delimiter: str, *, strict: bool = True) -> list[list[str]]:
    """All records of delimited text; a broken quote or cut-off file becomes a ConnectorError."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    try:
        return list(reader)
    except csv.Error as exc:
        raise ConnectorError(
            _(
                "文件第 %(line)s 行格式错误（%(reason)s）。可能有引号没有闭合，或文件被截断；请"
                "修正引号或重新导出。"
            )
            % {"line": reader.line_num, "reason": exc}
        ) from None


def check_delimiter(delimiter: str) -> None:
    """Refuse a ``delimiter`` option that is not one of ``DELIMITERS`` ("" means detect)."""
    if delimiter and delimiter not in DELIMITERS:
        raise ConnectorError(
            _("选项“delimiter”必须是“,”“;”“|”或制表符；实际为 %(value)r。") % {"value": delimiter},
            fields={"option": "delimiter"},
        )
