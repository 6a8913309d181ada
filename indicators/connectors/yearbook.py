"""Yearbook-style wide tables: areas down, periods across, as 统计年鉴 and bulletins print them.

    四川省分市州全社会用电量
    单位：亿千瓦时
    地区      2021年    2022年    2023年
    全省      3274.8    3466.4    3712.2
    成都市    1001.2    1089.0    1167.9
    甘孜州      —        12.3      13.0
    注：2023年为初步数。

The header is the first of the top rows whose cells right of the area column read as periods
("2023年", "2023", "2023年1-6月" = the first half, "1-3月" = the first quarter, "1-12月" = the
year, "2023年第一季度" …). Rows above it give the title (the indicator's label) and the unit
("单位：亿千瓦时", also inside a title's brackets); blank rows and notes ("注：…",
"资料来源：…") are skipped; area names lose the spaces yearbooks pad them with ("成  都" ->
"成都"). Each cell becomes one observation; its locator names the row and the column
("row 5, column "2023年"").

Used by the csv and excel connectors with the option ``layout``: "wide" forces this reading,
"long" forbids it, and by default a table whose header has no value column but periods across
is read this way. The ``indicator`` option names what the table measures (the title is only the
label); ``unit`` overrides the unit line; ``columns`` may name the area column ({"area": "市州"}).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from indicators.connectors.base import Columns, cell_text
from indicators.connectors.frame import Locate
from indicators.connectors.tabular import (
    SCAN_ROWS,
    ColumnPlan,
    Table,
    find_header,
    header_key,
    skippable,
    table_columns,
)
from indicators.exceptions import ConnectorError
from indicators.periods import parse_period

LAYOUTS = ("auto", "long", "wide")
CellLocate = Callable[[int, str], str]  # (row index, header text) -> "row 7, column "2023年""
_CUMULATIVE = re.compile(r"(\d{4})年?(?:1|一)?[-－—~～至](\d{1,2})月(?:份)?(?:累计)?")
_CUMULATIVE_PERIOD = {3: "{year}-Q1", 6: "{year}-H1", 12: "{year}"}
_UNIT = re.compile(r"(?:计量)?单位\s*[:：]\s*([^\s）)，,;；]+)")
_AREA_HEADERS = (
    "地区",
    "地区名称",
    "市州",
    "市(州)",
    "市（州）",
    "区域",
    "地市",
    "城市",
    "area",
    "region",
)


def period_header(cell: object) -> str | None:
    """The period a header cell stands for ("2023年1-6月" -> "2023-H1"), or None if none.

    Raises ``ConnectorError`` for a cumulative span no period code can hold ("1-9月").
    """
    text = "".join(unicodedata.normalize("NFKC", cell_text(cell)).split())
    if not text or not text[:4].isdigit():
        return None
    match = _CUMULATIVE.fullmatch(text)
    if match:
        year, months = match.group(1), int(match.group(2))
        if months not in _CUMULATIVE_PERIOD:
            raise ConnectorError(
                _(
                    "列“%(text)s”是 1 至 %(month)s 月的累计，既不是年、半年也不是季度；只能保存 "
                    "1-3月、1-6月和 1-12月。请从文件中去掉该列，或按月分别提供。"
                )
                % {"text": cell_text(cell), "month": months}
            )
        return _CUMULATIVE_PERIOD[months].format(year=year)
    try:
        return parse_period(text).code
    except ConnectorError:
        return None


@dataclass
class WideHeader:
    index: int  # the header row
    area: int  # the area column
    periods: dict[int, str]  # column -> period code


def find_wide_header(table: Table, area_name: str | None) -> WideHeader | None:
    """The header of a wide table in the top rows, or None when there is none."""
    for index in range(min(len(table), SCAN_ROWS)):
        row = table[index]
        area = _area_column(row, area_name)
        if area is None:
            continue
        periods = {}
        for column in range(area + 1, len(row)):
            code = period_header(row[column])
            if code is not None:
                periods[column] = code
        if periods:
            return WideHeader(index, area, periods)
    return None


def _area_column(row: Sequence[object], area_name: str | None) -> int | None:
    keys = [header_key(cell) for cell in row]
    if area_name:
        wanted = header_key(area_name)
        return keys.index(wanted) if wanted in keys else None
    for name in _AREA_HEADERS:
        if header_key(name) in keys:
            return keys.index(header_key(name))
    # A header whose area cell is empty (merged with the row above, or never written).
    return 0 if len(keys) > 1 and not keys[0] and any(keys[1:]) else None


def wide_columns(
    table: Table,
    header: WideHeader,
    locate_cell: CellLocate,
    *,
    indicator: str,
    unit: str,
) -> Columns:
    """Every value cell of the table below ``header`` as one observation."""
    if not indicator:
        raise ConnectorError(
            _(
                "这是宽表（地区纵列、期间横排：%(periods)s），只对应一个指标：请在选项“indicator"
                "”中填写该指标的代码。"
            )
            % {"periods": ", ".join(cell_text(table[header.index][c]) for c in header.periods)}
        )
    title, unit_line = _above(table, header.index)
    data: dict[str, list[object]] = {"area": [], "period": [], "value": []}
    positions: list[int] = []
    width = max(len(table[header.index]), 1)
    for index in range(header.index + 1, len(table)):
        row = table[index]
        if skippable(row):
            continue
        name = area_name(row[header.area] if header.area < len(row) else None)
        if not name:
            continue  # a sub-heading row without an area ("其中：" lines are notes too)
        for column, period in header.periods.items():
            data["area"].append(name)
            data["period"].append(period)
            data["value"].append(row[column] if column < len(row) else None)
            positions.append(index * width + column)
    labels: dict[str, dict[str, str]] = {
        "indicator": {indicator: title} if title else {},
        "area": {},
    }
    return Columns(
        data={
            **data,
            "indicator": [indicator] * len(positions),
            "unit": [unit or unit_line] * len(positions),
        },
        positions=np.asarray(positions, dtype=np.int64),
        locate=lambda position: locate_cell(
            position // width, cell_text(table[header.index][position % width])
        ),
        value_where=_("数值单元格"),
        labels=labels,
        text={"area": str, "indicator": str, "unit": str},
    )


def area_name(cell: object) -> str:
    """An area cell as a name: NFKC, without the spaces yearbooks pad names with."""
    return "".join(unicodedata.normalize("NFKC", cell_text(cell)).split())


def _above(table: Table, header_index: int) -> tuple[str, str]:
    """The title (first text above the header that is not a unit line) and the unit."""
    title, unit = "", ""
    for index in range(header_index):
        for cell in table[index]:
            text = cell_text(cell)
            if not text:
                continue
            match = _UNIT.search(unicodedata.normalize("NFKC", text))
            if match and not unit:
                unit = match.group(1)
                text = _UNIT.sub("", unicodedata.normalize("NFKC", text)).strip(" ()（）")
            if text and not title:
                title = text
    return title, unit


def check_layout(options: Mapping[str, Any]) -> None:
    """Refuse a ``layout`` option other than "auto", "long" or "wide"."""
    if options.get("layout", "auto") not in LAYOUTS:
        raise ConnectorError(
            _("选项“layout”必须是“auto”“long”或“wide”；实际为 %(value)r。")
            % {"value": options.get("layout")},
            fields={"option": "layout"},
        )


def read_table(
    table: Table,
    options: Mapping[str, Any],
    plan: ColumnPlan,
    locate_row: Locate,
    locate_cell: CellLocate,
) -> Columns:
    """A long table (one observation per row) or a wide one, as ``options["layout"]`` says.

    In "auto" a table whose top rows hold no long header but periods across is read wide.
    """
    layout = options.get("layout", "auto")
    header_row = options.get("header_row")
    area = options.get("columns", {}).get("area")
    area = area if isinstance(area, str) else None

    def wide(header: WideHeader) -> Columns:
        return wide_columns(
            table,
            header,
            locate_cell,
            indicator=options.get("indicator", ""),
            unit=options.get("unit", ""),
        )

    if layout == "wide":
        header = find_wide_header(table, area)
        if header is None:
            raise ConnectorError(
                _(
                    "选项“layout”为“wide”，但前 %(n)s 行中没有“地区列后接各期间”（如 2022年、202"
                    '3年）的表头。请检查文件，或用 "columns": {"area": "地区"} 指定地区列。'
                )
                % {"n": SCAN_ROWS}
            )
        return wide(header)
    try:
        find_header(table, plan, header_row, locate_row)
    except ConnectorError:
        header = find_wide_header(table, area) if layout == "auto" and header_row is None else None
        if header is None:
            raise
        return wide(header)
    return table_columns(table, plan, header_row, locate_row)
