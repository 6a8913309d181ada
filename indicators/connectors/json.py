"""Generic JSON APIs and files: a list of records somewhere in the document.

Options (besides the generic ones and ``encoding``):

* ``records_path``: dotted path to the list of records ("data.items"); "" (default) when the
  document itself is the list.
* ``fields``: canonical key -> dotted path inside a record, e.g. ``{"indicator": "code",
  "area": "region.code", "period": "time", "value": "val"}``. Keys: indicator, area, period,
  value, unit, dimension, indicator_label, area_label. Unnamed keys default to a field of the
  same name, which may be absent; a path named here must exist in every record.

``null`` values are missing observations. Locators read "data.items[3]" ("records[3]" for a
top-level list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Extracted,
    RawRow,
    TextConnector,
    cell_text,
    check_mapping,
    code_text,
    get_path,
    is_missing,
    load_json,
)
from indicators.exceptions import ConnectorError

FIELD_KEYS = (
    "indicator",
    "area",
    "period",
    "value",
    "unit",
    "dimension",
    "indicator_label",
    "area_label",
)
REQUIRED_FIELDS = ("period", "value")


class JsonConnector(TextConnector):
    """Records (objects) in a JSON document, one observation each."""

    kind = "json"
    option_types = {"records_path": str, "fields": dict}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        named: dict[str, str] = self.option("fields", {})
        check_mapping("fields", named, FIELD_KEYS)
        self.named = named
        self.paths = {key: named.get(key, key) for key in FIELD_KEYS}

    def extract_text(self, text: str) -> Extracted:
        path = self.option("records_path", "")
        records = _records(load_json(text), path)
        prefix = path or "records"
        labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
        rows = [
            self._row(record, f"{prefix}[{index}]", labels) for index, record in enumerate(records)
        ]
        return Extracted(rows, _("字段“%(path)s”") % {"path": self.paths["value"]}, labels)

    def _row(self, record: object, where: str, labels: dict[str, dict[str, str]]) -> RawRow:
        if not isinstance(record, dict):
            raise ConnectorError(
                _("%(where)s 是%(type)s，不是带字段的对象；请检查“records_path”。")
                % {"where": where, "type": _json_type(record)},
                fields={"locator": where},
            )
        got = {key: self._field(record, key, where) for key in FIELD_KEYS}
        indicator, area = code_text(got["indicator"]), code_text(got["area"])
        for kind, code in (("indicator", indicator), ("area", area)):
            label = cell_text(got[f"{kind}_label"])
            if code and label:
                labels[kind].setdefault(code, label)
        return RawRow(
            locator=where,
            period=got["period"],
            value=got["value"],
            indicator=indicator,
            area=area,
            unit=cell_text(got["unit"]),
            dimension=cell_text(got["dimension"]),
        )

    def _field(self, record: dict[str, Any], key: str, where: str) -> object:
        value = get_path(record, self.paths[key])
        if not is_missing(value):
            return value
        if key in self.named or key in REQUIRED_FIELDS:
            raise ConnectorError(
                _(
                    "%(where)s 没有字段“%(path)s”（%(key)s）。它的字段有：%(fields)s。请改正来源"
                    "选项中的“fields”。"
                )
                % {
                    "where": where,
                    "path": self.paths[key],
                    "key": key,
                    "fields": ", ".join(record) or _("（无）"),
                },
                fields={"locator": where},
            )
        return None


def _records(document: object, path: str) -> list[Any]:
    """The list at ``path``, or an error naming the step where the path stops matching."""
    node = document
    walked: list[str] = []
    for step in path.split(".") if path else ():
        found = get_path(node, step)
        if is_missing(found):
            raise ConnectorError(
                _("JSON 中没有“%(path)s”：%(at)s 是%(has)s。请改正“records_path”。")
                % {
                    "path": path,
                    "at": ".".join(walked) or _("顶层"),
                    "has": _describe(node),
                }
            )
        node = found
        walked.append(step)
    if not isinstance(node, list):
        raise ConnectorError(
            _(
                "%(at)s 是%(has)s，不是记录列表。请把“records_path”设为该列表的点分路径，例如“da"
                "ta.items”。"
            )
            % {"at": path or _("JSON 的顶层"), "has": _describe(node)}
        )
    return node


def _describe(node: object) -> str:
    if isinstance(node, dict):
        return _("包含这些键的对象：%(keys)s") % {"keys": ", ".join(node) or _("（无）")}
    return _json_type(node)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return _("真/假")
    if isinstance(value, list):
        return _("列表")
    if isinstance(value, dict):
        return _("一个对象")
    if value is None:
        return _("null")
    if isinstance(value, str):
        return _("文本")
    return _("数字") if isinstance(value, int | float) else _("值")
