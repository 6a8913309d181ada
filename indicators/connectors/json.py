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
        return Extracted(rows, _('field "%(path)s"') % {"path": self.paths["value"]}, labels)

    def _row(self, record: object, where: str, labels: dict[str, dict[str, str]]) -> RawRow:
        if not isinstance(record, dict):
            raise ConnectorError(
                _('%(where)s is %(type)s, not an object with fields; check "records_path".')
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
                    '%(where)s has no field "%(path)s" (%(key)s). Its fields are: %(fields)s. '
                    'Correct "fields" in the source options.'
                )
                % {
                    "where": where,
                    "path": self.paths[key],
                    "key": key,
                    "fields": ", ".join(record) or _("(none)"),
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
                _('The JSON has no "%(path)s": %(at)s is %(has)s. Correct "records_path".')
                % {
                    "path": path,
                    "at": ".".join(walked) or _("the top level"),
                    "has": _describe(node),
                }
            )
        node = found
        walked.append(step)
    if not isinstance(node, list):
        raise ConnectorError(
            _(
                '%(at)s is %(has)s, not a list of records. Set "records_path" to the dotted '
                'path of the list, e.g. "data.items".'
            )
            % {"at": path or _("The top level of the JSON"), "has": _describe(node)}
        )
    return node


def _describe(node: object) -> str:
    if isinstance(node, dict):
        return _("an object with keys: %(keys)s") % {"keys": ", ".join(node) or _("(none)")}
    return _json_type(node)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    if value is None:
        return _("null")
    if isinstance(value, str):
        return _("text")
    return _("a number") if isinstance(value, int | float) else _("a value")
