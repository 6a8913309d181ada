"""Parsing as it was: every observation a ``RawRow``, cleaned one row at a time in Python.

``parse(kind, options, payload)`` returns the frame the old ``Connector.parse`` returned (with a
``locator`` per row). Formats whose extraction was row-wise already (json, nbs, worldbank) use
the production ``extract``; csv and excel use the old extraction below; formats that
only the new pipeline knows are extracted by production and turned back into rows, so the old
clean-up still checks the new pipeline's clean-up on them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from indicators.connectors import get_connector
from indicators.connectors.base import (
    CANONICAL_COLUMNS,
    Columns,
    Connector,
    Extracted,
    ParseResult,
    RawRow,
    cell_text,
    check_payload,
    code_text,
    fold_dimension,
    located,
    parse_number,
)
from indicators.connectors.csv import CsvConnector, locate_row
from indicators.connectors.excel import ExcelConnector
from indicators.connectors.tabular import (
    find_header,
    read_delimited,
    short_row_error,
    skippable,
)
from indicators.exceptions import ConnectorError
from indicators.periods import parse_period


def parse(kind: str, options: Mapping[str, Any], payload: bytes) -> ParseResult:
    connector = get_connector(kind, options)
    check_payload(payload, connector.max_bytes)
    return finish(connector, extract(connector, payload))


def extract(connector: Connector, payload: bytes) -> Extracted:
    old = {CsvConnector: _csv, ExcelConnector: _excel}.get(type(connector))
    if old is not None:
        try:
            return old(connector, payload)
        except ConnectorError:
            # No long header: a wide (yearbook) table, which only the new pipeline extracts;
            # its clean-up is still checked below. A real error is raised again by it.
            return rows_of(connector.extract(payload))
    got = connector.extract(payload)
    return got if isinstance(got, Extracted) else rows_of(got)


def rows_of(columns: Columns) -> Extracted:
    """Columns of the new pipeline as the old row list (locators from ``columns.locate``)."""
    n = len(columns.positions)
    col = {name: _as_list(values) for name, values in columns.data.items()}

    def text(key: str, i: int) -> str:
        return columns.text.get(key, cell_text)(col[key][i]) if key in col else ""

    rows = [
        RawRow(
            locator=columns.locate(int(columns.positions[i])),
            period=col["period"][i],
            value=col["value"][i],
            indicator=text("indicator", i),
            area=text("area", i),
            unit=text("unit", i),
            dimension=text("dimension", i),
            factor=float(col["factor"][i]) if "factor" in col else 1.0,
            note=text("note", i),
        )
        for i in range(n)
    ]
    return Extracted(rows, columns.value_where, columns.labels, columns.units)


def _as_list(values: Any) -> list[Any]:
    return values.to_pylist() if hasattr(values, "to_pylist") else list(values)


# -- old extraction of header-row tables ------------------------------------------------------


def extract_table(rows: Sequence[Sequence[object]], plan: Any, header_row: Any, locate: Any):
    header_index, found = find_header(rows, plan, header_row, locate)
    header = rows[header_index]
    width = max(i for indexes in found.values() for i in indexes) + 1
    labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
    out: list[RawRow] = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if skippable(row):
            continue
        if len(row) < width:
            raise short_row_error(locate(index), len(row), locate(header_index), len(header))
        out.append(_raw_row(row, found, header, locate(index), labels))
    value_name = cell_text(header[found["value"][0]])
    return Extracted(out, _("列“%(name)s”") % {"name": value_name}, labels)


def _raw_row(row, found, header, locator, labels) -> RawRow:
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


def _csv(connector: CsvConnector, payload: bytes) -> Extracted:
    text = connector.text(payload)
    delimiter = connector.option("delimiter", "") or connector.sniff(text)
    return extract_table(
        read_delimited(text, delimiter),
        connector.plan,
        connector.option("header_row", None),
        locate_row,
    )


def _excel(connector: ExcelConnector, payload: bytes) -> Extracted:
    _title, rows, locate = connector.read_rows(payload)
    return extract_table(rows, connector.plan, connector.option("header_row", None), locate)


# -- old shared clean-up ------------------------------------------------------------------------


def finish(connector: Connector, extracted: Extracted) -> ParseResult:
    records: list[tuple[object, ...]] = []
    missing = 0
    units: dict[str, str] = dict(extracted.units)
    for row in _wanted(connector, extracted.rows):
        value = _value(connector, row, extracted.value_where)
        if value is None:
            missing += 1
            continue
        records.append(_canonical(connector, row, value))
        if row.unit:
            unit_map: dict[str, str] = connector.option("unit_map", {})
            unit = unit_map.get(row.unit, row.unit)
            units.setdefault(row.indicator or connector.option("indicator", ""), unit)
    frame = pd.DataFrame.from_records(records, columns=CANONICAL_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    return ParseResult.of_frame(
        frame,
        missing=missing,
        labels={
            "indicator": _remap(connector, extracted.labels["indicator"], "indicator_map"),
            "area": _remap(connector, extracted.labels["area"], "area_map"),
        },
        units=_remap(connector, units, "indicator_map"),
    )


def _wanted(connector: Connector, rows: list[RawRow]) -> list[RawRow]:
    if not connector.option("only_mapped", False):
        return rows
    mapping: dict[str, str] = connector.option("indicator_map", {})
    return [r for r in rows if (r.indicator or connector.option("indicator", "")) in mapping]


def _value(connector: Connector, row: RawRow, value_where: str) -> float | None:
    try:
        value = parse_number(row.value, connector.option("decimal", "."))
    except ConnectorError as exc:
        raise located(f"{row.locator}, {value_where}", exc) from None
    if value is None:
        return None
    value *= row.factor * connector.option("scale", 1)
    if not math.isfinite(value):
        raise located(row.locator, ConnectorError(_("换算后的数值不是有限数。")))
    return value


def _canonical(connector: Connector, row: RawRow, value: float) -> tuple[object, ...]:
    indicator = _code(connector, row.indicator, "indicator", row.locator)
    area = _code(connector, row.area, "area", row.locator)
    try:
        period = parse_period(row.period)
    except ConnectorError as exc:
        raise located(row.locator, exc) from None
    unit = row.unit or connector.option("unit", "")
    unit_map: dict[str, str] = connector.option("unit_map", {})
    unit = unit_map.get(unit, unit)
    return (
        indicator,
        area,
        period.code,
        period.start,
        value,
        unit,
        row.dimension,
        row.locator,
        row.note[:300],
    )


def _code(connector: Connector, code: str, name: str, locator: str) -> str:
    code = code or connector.option(name, "")
    if not code:
        raise ConnectorError(connector.no_code_message(locator, name), fields={"locator": locator})
    mapping: dict[str, str] = connector.option(f"{name}_map", {})
    return mapping.get(code, code)


def _remap(connector: Connector, by_code: Mapping[str, str], option: str) -> dict[str, str]:
    mapping: dict[str, str] = connector.option(option, {})
    return {mapping.get(code, code): text for code, text in by_code.items()}
