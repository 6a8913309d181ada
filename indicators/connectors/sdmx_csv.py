"""SDMX-CSV data messages, versions 1.0 and 2.0 (sdmx-twg/sdmx-csv field guides).

1.0 starts with a ``DATAFLOW`` column ("ESTAT:NAMA_10_GDP(1.0)"); 2.0 with ``STRUCTURE``,
``STRUCTURE_ID`` and an optional ``ACTION`` column. With ``labels=both`` headers read
"REF_AREA: Reference area" and coded cells "CN: China": we keep the code and use the name as the
published label. The separator is the character after the first header term (the 2.0 guide
allows ";" as well as ",").

Options (besides the generic ones and ``encoding``):

* ``columns``: canonical key -> component id, defaults ``DEFAULT_COLUMNS`` (indicator from
  ``INDICATOR`` when present, else the ``indicator`` option; unit from ``UNIT_MEASURE`` when
  present). Component ids match case-insensitively (Eurostat writes ``geo``, ``freq``).
* ``dimension_columns``: further components folded into ``dimension`` ("SEX=F;AGE=Y15-64").
* ``delimiter``: only when the separator cannot be read from the header.

``UNIT_MULT`` (power of ten) is applied to values when present, so "5.5" with UNIT_MULT 9 is
stored as 5.5e9 in the published unit. Rows with ACTION "D" (delete) are refused: a feed must not
delete stored observations behind the analysts' backs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Extracted,
    RawRow,
    TextConnector,
    cell_text,
    check_mapping,
    fold_dimension,
)
from indicators.connectors.sdmx import NOT_FOLDED, dataflow_code, fold_varying, split_label
from indicators.connectors.tabular import check_delimiter, read_delimited, short_row_error
from indicators.exceptions import ConnectorError

DEFAULT_COLUMNS = {
    "indicator": "INDICATOR",
    "area": "REF_AREA",
    "period": "TIME_PERIOD",
    "value": "OBS_VALUE",
    "unit": "UNIT_MEASURE",
}
REQUIRED = ("period", "value")
# "I" (information) and "A" (append) add data; "R" (replace) is what our upsert does anyway.
DATA_ACTIONS = frozenset({"", "I", "A", "R"})
_FIRST_TERM = re.compile(
    r'"?(DATAFLOW|STRUCTURE)(\[[^\]]*\])?(?::[^,;\t|"]*)?"?([,;\t|])', re.IGNORECASE
)
STRUCTURE_COLUMNS = frozenset(
    {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"}
)
AREA_COLUMNS = ("REF_AREA", "GEO")
UNIT_COLUMNS = ("UNIT_MEASURE", "UNIT")  # Eurostat writes "unit"


@dataclass(frozen=True)
class Layout:
    """Where each component sits in a row, and the rows' expected width."""

    columns: dict[str, int]
    dimensions: list[tuple[str, int]]
    action: int | None
    unit_mult: int | None
    width: int
    # The dataflow column, when the dataflow itself is the indicator (no INDICATOR column).
    flow: int | None = None
    # Dimensions found by position (none named): folded only where they vary.
    automatic: bool = False
    flow_name: int | None = None  # STRUCTURE_NAME (2.0): the dataflow's label


class SdmxCsvConnector(TextConnector):
    """An SDMX-CSV 1.0 or 2.0 data message, one observation per row."""

    kind = "sdmx-csv"
    option_types = {"columns": dict, "dimension_columns": list, "delimiter": str}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        named: dict[str, str] = self.option("columns", {})
        check_mapping("columns", named, tuple(DEFAULT_COLUMNS))
        self.named = named
        extra: list[Any] = self.option("dimension_columns", [])
        if not all(isinstance(name, str) for name in extra):
            raise ConnectorError(_("选项“dimension_columns”必须是列 ID 的列表。"))
        self.extra: list[str] = extra
        check_delimiter(self.option("delimiter", ""))

    def extract_text(self, text: str) -> Extracted:
        rows = read_delimited(text, self.option("delimiter", "") or delimiter_of(text))
        layout = self.layout(rows)
        labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
        out: list[RawRow] = []
        for index, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            where = _("第 %(row)s 行") % {"row": index}
            if len(row) != layout.width:
                raise short_row_error(where, len(row), _("第 1 行"), layout.width)
            raw = observation(row, layout, where, labels)
            if raw is not None:
                out.append(raw)
        value_id = split_label(rows[0][layout.columns["value"]])[0]
        extracted = Extracted(out, _("列“%(name)s”") % {"name": value_id}, labels)
        if layout.automatic:
            names = [name for name, _position in layout.dimensions]
            values = [row.dimension.split("\x1f") if names else [] for row in out]
            for raw_row, folded in zip(out, fold_varying(names, values), strict=True):
                raw_row.dimension = folded
        return extracted

    def layout(self, rows: Sequence[Sequence[str]]) -> Layout:
        """Where the components are, from the header row (refuses a file with none)."""
        if not rows:
            raise ConnectorError(_("表格中没有任何行。"))
        return self._layout(rows[0])

    def _layout(self, header: Sequence[str]) -> Layout:
        ids = [split_label(cell)[0].casefold() for cell in header]

        def find(component: str) -> int | None:
            return ids.index(component.casefold()) if component.casefold() in ids else None

        columns: dict[str, int] = {}
        for key, default in DEFAULT_COLUMNS.items():
            position = find(self.named.get(key, default))
            fallbacks = {"area": AREA_COLUMNS, "unit": UNIT_COLUMNS}.get(key, ())
            if position is None and key not in self.named:
                position = next((find(c) for c in fallbacks if find(c) is not None), None)
            if position is None and (key in self.named or key in REQUIRED):
                raise _missing_component(self.named.get(key, default), key, header)
            if position is not None:
                columns[key] = position
        flow = None
        if "indicator" not in columns and not self.option("indicator", ""):
            flow = find("STRUCTURE_ID") if find("STRUCTURE_ID") is not None else find("DATAFLOW")
        dimensions = []
        for name in self.extra:
            position = find(name)
            if position is None:
                raise _missing_component(name, "dimension", header)
            dimensions.append((split_label(header[position])[0], position))
        automatic = not self.extra
        if automatic:
            taken = set(columns.values())
            dimensions = [
                (split_label(header[i])[0], i)
                for i in range(columns["period"])
                if i not in taken
                and split_label(header[i])[0].upper() not in STRUCTURE_COLUMNS | NOT_FOLDED
            ]
        return Layout(
            columns,
            dimensions,
            find("ACTION"),
            find("UNIT_MULT"),
            len(header),
            flow=flow,
            automatic=automatic,
            flow_name=find("STRUCTURE_NAME"),
        )


def observation(
    row: Sequence[str], layout: Layout, where: str, labels: dict[str, dict[str, str]]
) -> RawRow | None:
    """The row as a ``RawRow``; ``None`` for 2.0 attribute-only rows (no period, no value)."""
    if layout.action is not None:
        _check_action(split_label(row[layout.action])[0].upper(), where)
    period = row[layout.columns["period"]].strip()
    value = row[layout.columns["value"]].strip()
    if not period and not value:
        return None
    coded = {key: split_label(row[i]) for key, i in layout.columns.items()}
    if layout.flow is not None:
        code, label = dataflow_code(row[layout.flow])
        if layout.flow_name is not None:
            label = label or row[layout.flow_name].strip()
        coded["indicator"] = (code, label)
    for kind in ("indicator", "area"):
        code, label = coded.get(kind, ("", ""))
        if code and label:
            labels[kind].setdefault(code, label)
    pairs = [(name, split_label(row[i])[0]) for name, i in layout.dimensions]
    # Automatic dimensions are folded once every row is read (only those that vary count).
    dimension = "\x1f".join(v for _n, v in pairs) if layout.automatic else fold_dimension(pairs)
    return RawRow(
        locator=where,
        period=period,
        value=value,
        indicator=coded.get("indicator", ("", ""))[0],
        area=coded.get("area", ("", ""))[0],
        unit=coded.get("unit", ("", ""))[0],
        dimension=dimension if pairs else "",
        factor=_multiplier(row, layout.unit_mult, where),
    )


def _check_action(action: str, where: str) -> None:
    if action in DATA_ACTIONS:
        return
    if action == "D":
        message = _(
            "%(where)s 是删除指令（ACTION “D”）。不支持通过数据源删除观测值：请从文件中删除该行"
            "，或在管理后台的“观测值”中手工删除这些数据。"
        )
    else:
        message = _(
            "%(where)s 的 ACTION“%(action)s”未知；SDMX-CSV 只允许 I、A、R 和 D。请确认文件是 SDM"
            "X-CSV 数据消息。"
        )
    raise ConnectorError(message % {"where": where, "action": action}, fields={"locator": where})


def _multiplier(row: Sequence[str], position: int | None, where: str) -> float:
    text = split_label(row[position])[0] if position is not None else ""
    if not text:
        return 1.0
    try:
        return float(10 ** int(text))
    except ValueError:
        raise ConnectorError(
            _("%(where)s，列“UNIT_MULT”：“%(text)s”不是 10 的幂次。")
            % {"where": where, "text": text},
            fields={"locator": where},
        ) from None


def _missing_component(component: str, key: str, header: Sequence[str]) -> ConnectorError:
    return ConnectorError(
        _(
            "SDMX-CSV 表头中没有列“%(component)s”（%(key)s）。现有的列为：%(columns)s。请在“colu"
            "mns”（或“dimension_columns”）中指定正确的组件。"
        )
        % {
            "component": component,
            "key": key,
            "columns": ", ".join(split_label(cell)[0] for cell in header),
        },
        fields={"locator": _("第 1 行")},
    )


def delimiter_of(text: str) -> str:
    match = _FIRST_TERM.match(text)
    if not match:
        first = cell_text(text.split("\n", 1)[0])[:80]
        raise ConnectorError(
            _(
                "这不是 SDMX-CSV 数据消息：第一列应为 DATAFLOW（1.0 版）或 STRUCTURE（2.0 版），"
                "但第一行是“%(line)s”。请向服务请求 SDMX-CSV（Accept 头“application/vnd.sdmx.dat"
                "a+csv”），普通表格请用格式“csv”。"
            )
            % {"line": first}
        )
    return match.group(3)
