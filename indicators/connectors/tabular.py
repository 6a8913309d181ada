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
from typing import Any

from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Extracted,
    RawRow,
    cell_text,
    check_mapping,
    code_text,
    fold_dimension,
)
from indicators.exceptions import ConnectorError

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
            return _('"%(names)s" (%(key)s)') % {"names": '", "'.join(self.named[key]), "key": key}
        if key in ("indicator", "area"):
            template = _('%(key)s (a column named one of: %(names)s; or set the "%(key)s" option)')
        else:
            template = _("%(key)s (a column named one of: %(names)s)")
        return template % {"key": key, "names": ", ".join(ALIASES[key])}


def extract_table(
    rows: Sequence[Sequence[object]], plan: ColumnPlan, header_row: int | None, locate: Locate
) -> Extracted:
    """Find the header, then turn each data row below it into a ``RawRow``.

    ``rows`` are cell values in file order; ``header_row`` is 1-based; ``locate(i)`` names row
    ``rows[i]`` in messages and locators ("row 7", "sheet 发电量, row 7").
    """
    header_index, found = find_header(rows, plan, header_row, locate)
    header = rows[header_index]
    width = max(i for indexes in found.values() for i in indexes) + 1
    labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
    out: list[RawRow] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if _skippable(row):
            continue
        if len(row) < width:
            raise short_row_error(locate(index), len(row), locate(header_index), len(header))
        out.append(_raw_row(row, found, header, locate(index), labels))
    value_name = cell_text(header[found["value"][0]])
    return Extracted(out, _('column "%(name)s"') % {"name": value_name}, labels)


def find_header(
    rows: Sequence[Sequence[object]], plan: ColumnPlan, header_row: int | None, locate: Locate
) -> tuple[int, dict[str, list[int]]]:
    """Index of the header row and the column indexes per key; raises if columns are missing."""
    if header_row is not None:
        index = header_row - 1
        if not 0 <= index < len(rows):
            raise ConnectorError(
                _('Option "header_row" is %(row)s, but the table has %(count)s rows.')
                % {"row": header_row, "count": len(rows)}
            )
        found, missing = plan.match(rows[index])
        if missing:
            raise missing_columns(plan, missing, rows[index], locate(index))
        return index, found
    for index, row in enumerate(rows[:SCAN_ROWS]):
        found, missing = plan.match(row)
        if not missing:
            return index, found
    if not rows:
        raise ConnectorError(_("The table has no rows."))
    widest = max(range(min(len(rows), SCAN_ROWS)), key=lambda i: _filled(rows[i]))
    raise missing_columns(plan, plan.match(rows[widest])[1], rows[widest], locate(widest))


def missing_columns(
    plan: ColumnPlan, missing: list[str], header: Sequence[object], where: str
) -> ConnectorError:
    """The error for a header that lacks required columns, listing the columns it has."""
    columns = [cell_text(cell) for cell in header if cell_text(cell)]
    return ConnectorError(
        _(
            "Required column(s) not found: %(missing)s. The most likely header (%(where)s) has "
            'the columns: %(columns)s. Name the columns in the "columns" option, e.g. '
            '"columns": {"value": "数值", "period": "年份"}, or set "header_row".'
        )
        % {
            "missing": "; ".join(plan.describe(key) for key in missing),
            "where": where,
            "columns": ", ".join(columns) or _("(none)"),
        },
        fields={"locator": where, "columns": columns},
    )


def _filled(row: Sequence[object]) -> int:
    return sum(1 for cell in row if cell_text(cell))


def _skippable(row: Sequence[object]) -> bool:
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
            "%(where)s has %(cells)s cells but the header (%(header)s) has %(header_cells)s: "
            "the file looks cut off, or the delimiter or quoting is wrong on that line. "
            "Download or export the file again."
        )
        % {"where": where, "cells": cells, "header": header_where, "header_cells": header_cells},
        fields={"locator": where},
    )


def _raw_row(
    row: Sequence[object],
    found: dict[str, list[int]],
    header: Sequence[object],
    locator: str,
    labels: dict[str, dict[str, str]],
) -> RawRow:
    def cell(key: str) -> object:
        return row[found[key][0]] if key in found else None

    indicator, area = code_text(cell("indicator")), code_text(cell("area"))
    for kind, code in (("indicator", indicator), ("area", area)):
        label = cell_text(cell(f"{kind}_label"))
        if code and label:
            labels[kind].setdefault(code, label)
    pairs = [(cell_text(header[i]), cell_text(row[i])) for i in found.get("dimension", [])]
    return RawRow(
        locator=locator,
        period=cell("period"),
        value=cell("value"),
        indicator=indicator,
        area=area,
        unit=cell_text(cell("unit")),
        dimension=fold_dimension(pairs) if pairs else "",
        note=cell_text(cell("note")),
    )


def read_delimited(text: str, delimiter: str, *, strict: bool = True) -> list[list[str]]:
    """All records of delimited text; a broken quote or cut-off file becomes a ConnectorError."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    try:
        return list(reader)
    except csv.Error as exc:
        raise ConnectorError(
            _(
                "The file is malformed at line %(line)s (%(reason)s). A quoted value is probably "
                "not closed, or the file was cut off; fix the quoting or export it again."
            )
            % {"line": reader.line_num, "reason": exc}
        ) from None


def check_delimiter(delimiter: str) -> None:
    """Refuse a ``delimiter`` option that is not one of ``DELIMITERS`` ("" means detect)."""
    if delimiter and delimiter not in DELIMITERS:
        raise ConnectorError(
            _('Option "delimiter" must be ",", ";", "|" or a tab; got %(value)r.')
            % {"value": delimiter},
            fields={"option": "delimiter"},
        )
