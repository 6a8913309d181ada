"""SDMX-JSON data messages, version 2.0 (and 1.0, which ECB, OECD and IMF still serve).

A message lists the structure (``data.structures[i]``, 1.0: ``data.structure``) and the data
(``data.dataSets[j]``). Dimension values are given once, in the structure, and the data refer
to them by position: a series key "0:2:0" picks value 0 of the first series dimension, value 2
of the second, and so on; an observation key picks the observation dimension's value (the
period). An observation is ``[value, attribute indexes...]`` (2.0 may list several measures
first; we read the first, ``OBS_VALUE``). Attributes sit at data-set, series or observation
level and are indexes into their own value lists, or null.

What we read (see ``indicators.connectors.sdmx``): the indicator from ``INDICATOR`` or else the
dataflow (the structure's dataflow link, "ECB:EXR(1.0)" -> "EXR", labelled with the structure's
name); the area from ``REF_AREA`` or ``GEO``; the period from ``TIME_PERIOD``; the unit from
``UNIT_MEASURE`` / ``UNIT``; ``UNIT_MULT`` multiplies values; every other dimension that varies is
folded into ``dimension``. Values that are null or "NaN" are missing observations.

Options (besides the generic ones and ``encoding``): ``columns`` (indicator, area, period, unit
-> component id) and ``dimension_columns`` (fold exactly these dimensions, named).
Locators read "dataSets[0] series 0:2:0 observation 5".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
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
    load_json,
)
from indicators.connectors.sdmx import NOT_FOLDED, dataflow_code, fold_varying
from indicators.exceptions import ConnectorError

KEYS = {"indicator": ("INDICATOR",), "area": ("REF_AREA", "GEO"), "period": ("TIME_PERIOD",)}
UNIT_IDS = ("UNIT_MEASURE", "UNIT")
_URN_FLOW = re.compile(r"Dataflow=([^\s\"]+\))")


@dataclass
class Component:
    """A dimension or attribute: its id and, per position, the value's code and label."""

    id: str
    codes: list[str]
    labels: list[str]


class SdmxJsonConnector(TextConnector):
    """An SDMX-JSON 2.0 (or 1.0) data message."""

    kind = "sdmx-json"
    option_types = {"columns": dict, "dimension_columns": list}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        check_mapping(
            "columns", self.option("columns", {}), ("indicator", "area", "period", "unit")
        )
        extra: list[object] = self.option("dimension_columns", [])
        if not all(isinstance(name, str) for name in extra):
            raise ConnectorError(_("选项“dimension_columns”必须是列 ID 的列表。"))

    def extract_text(self, text: str) -> Extracted:
        data = _data(load_json(text))
        structures = data.get("structures")
        if not isinstance(structures, list):  # 1.0: one structure beside the data sets
            structures = [data.get("structure")]
        labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
        rows: list[RawRow] = []
        for index, dataset in enumerate(_list(data.get("dataSets"))):
            where = f"dataSets[{index}]"
            position = dataset.get("structure", 0) if isinstance(dataset, dict) else 0
            if not isinstance(position, int) or not 0 <= position < len(structures):
                raise _broken(
                    where,
                    _("引用的结构 %(n)s 在消息中不存在") % {"n": position},
                )
            rows += _Reader(self, structures[position], where, labels).rows(dataset)
        return Extracted(rows, _("字段“OBS_VALUE”"), labels)


class _Reader:
    """Reads the data sets of one structure."""

    def __init__(
        self,
        connector: SdmxJsonConnector,
        structure: object,
        where: str,
        labels: dict[str, dict[str, str]],
    ) -> None:
        if not isinstance(structure, dict):
            raise _broken(where, _("没有结构定义"))
        self.where = where
        self.labels = labels
        self.named: dict[str, str] = connector.option("columns", {})
        self.extra: list[str] = connector.option("dimension_columns", [])
        self.has_indicator_option = bool(connector.option("indicator", ""))
        dims = structure.get("dimensions") or {}
        attrs = structure.get("attributes") or {}
        self.dims = {
            level: _components(dims.get(level)) for level in ("dataSet", "series", "observation")
        }
        self.attrs = {
            level: _components(attrs.get(level)) for level in ("dataSet", "series", "observation")
        }
        self.flow = dataflow_code(_flow_reference(structure))[0], _name(structure)

    def rows(self, dataset: object) -> list[RawRow]:
        if not isinstance(dataset, dict):
            raise _broken(self.where, _("不是对象"))
        fixed = {
            c.id: (c.codes[0] if c.codes else "", c.labels[0] if c.labels else "")
            for c in self.dims["dataSet"]
        }
        set_attrs = self._attributes(self.attrs["dataSet"], dataset.get("attributes"), self.where)
        out: list[tuple[RawRow, dict[str, str]]] = []
        if "series" in dataset:
            for key, series in _dict(dataset.get("series")).items():
                where = f"{self.where} series {key}"
                coords = {**fixed, **self._key(self.dims["series"], key, where)}
                attrs = {
                    **set_attrs,
                    **self._attributes(
                        self.attrs["series"], _dict(series).get("attributes"), where
                    ),
                }
                for obs_key, obs in _dict(_dict(series).get("observations")).items():
                    out.append(
                        self._row(coords, attrs, obs_key, obs, f"{where} observation {obs_key}")
                    )
        else:  # every dimension at observation level ("AllDimensions")
            for obs_key, obs in _dict(dataset.get("observations")).items():
                out.append(
                    self._row(
                        fixed, set_attrs, obs_key, obs, f"{self.where} observation {obs_key}"
                    )
                )
        return self._fold(out)

    def _row(
        self,
        coords: dict[str, tuple[str, str]],
        attrs: dict[str, str],
        key: str,
        obs: object,
        where: str,
    ) -> tuple[RawRow, dict[str, str]]:
        if not isinstance(obs, list) or not obs:
            raise _broken(where, _("不是 [数值, 属性…] 列表"))
        coords = {**coords, **self._key(self.dims["observation"], key, where)}
        attrs = {
            **attrs,
            **self._attributes(self.attrs["observation"], obs[1:], where, offset=True),
        }
        indicator, label = self._component("indicator", coords)
        if not indicator and not self.has_indicator_option:
            indicator, label = self.flow
        if indicator and label:
            self.labels["indicator"].setdefault(indicator, label)
        area, area_label = self._component("area", coords)
        if area and area_label:
            self.labels["area"].setdefault(area, area_label)
        unit = next(
            (attrs[u] for u in (self.named.get("unit"), *UNIT_IDS) if u and attrs.get(u)), ""
        )
        value = obs[0]
        if isinstance(value, str) and value.strip().upper() == "NAN":
            value = None
        row = RawRow(
            locator=where,
            period=self._component("period", coords)[0],
            value=value,
            indicator=indicator,
            area=area,
            unit=unit,
            factor=_multiplier(attrs.get("UNIT_MULT", ""), where),
        )
        used = {self._id_of(k, coords) for k in KEYS}
        dims = {
            d: code
            for d, (code, _label) in coords.items()
            if d not in used and d.upper() not in NOT_FOLDED
        }
        return row, dims

    def _fold(self, out: list[tuple[RawRow, dict[str, str]]]) -> list[RawRow]:
        if self.extra:
            for row, dims in out:
                row.dimension = fold_dimension([(name, dims.get(name, "")) for name in self.extra])
            return [row for row, _dims in out]
        names = sorted({name for _row, dims in out for name in dims}, key=self._order)
        folded = fold_varying(names, [[dims.get(n, "") for n in names] for _row, dims in out])
        for (row, _dims), text in zip(out, folded, strict=True):
            row.dimension = text
        return [row for row, _dims in out]

    def _order(self, name: str) -> int:
        ids = [c.id for level in ("dataSet", "series", "observation") for c in self.dims[level]]
        return ids.index(name) if name in ids else len(ids)

    def _id_of(self, key: str, coords: Mapping[str, object]) -> str:
        if key in self.named:
            return self.named[key]
        return next((c for c in KEYS[key] if c in coords), KEYS[key][0])

    def _component(self, key: str, coords: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
        return coords.get(self._id_of(key, coords), ("", ""))

    def _key(
        self, components: list[Component], key: str, where: str
    ) -> dict[str, tuple[str, str]]:
        parts = key.split(":") if components else []
        if len(parts) != len(components):
            raise _broken(
                where,
                _("的键有 %(n)s 段，而结构定义有 %(m)s 个维度")
                % {"n": len(parts), "m": len(components)},
            )
        coords = {}
        for part, component in zip(parts, components, strict=True):
            if not part.isdigit() or int(part) >= len(component.codes):
                raise _broken(
                    where,
                    _("引用了“%(id)s”的第 %(part)s 个值，而它只有 %(n)s 个值")
                    % {"part": part, "id": component.id, "n": len(component.codes)},
                )
            coords[component.id] = (component.codes[int(part)], component.labels[int(part)])
        return coords

    def _attributes(
        self, components: list[Component], indexes: object, where: str, offset: bool = False
    ) -> dict[str, str]:
        values = indexes if isinstance(indexes, list) else []
        out = {}
        for component, index in zip(components, values, strict=False):
            if isinstance(index, int) and 0 <= index < len(component.codes):
                out[component.id] = component.codes[index]
        for component in components:
            if component.id not in out and len(component.codes) == 1 and not values:
                out[component.id] = component.codes[0]
        return out


def _data(document: object) -> dict[str, Any]:
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or "dataSets" not in data:
        raise ConnectorError(
            _(
                "这不是 SDMX-JSON 数据消息（没有“data.dataSets”）。请向服务请求 SDMX-JSON 数据（"
                "Accept 头“application/vnd.sdmx.data+json”），其他 JSON 请用格式“json”。"
            )
        )
    return data


def _components(items: object) -> list[Component]:
    out = []
    for item in _list(items):
        if not isinstance(item, dict):
            continue
        values = [v for v in _list(item.get("values")) if isinstance(v, dict)]
        out.append(
            Component(
                id=cell_text(item.get("id")),
                codes=[cell_text(v.get("id", v.get("value"))) for v in values],
                labels=[_name(v) for v in values],
            )
        )
    return out


def _name(node: Mapping[str, Any]) -> str:
    name = node.get("name")
    if isinstance(name, str):
        return name.strip()
    names = node.get("names")
    if isinstance(names, dict) and names:
        return cell_text(names.get("en") or next(iter(names.values())))
    return ""


def _flow_reference(structure: Mapping[str, Any]) -> str:
    for link in _list(structure.get("links")):
        if isinstance(link, dict) and link.get("rel") in ("dataflow", None):
            match = _URN_FLOW.search(cell_text(link.get("urn") or link.get("href")))
            if match:
                return match.group(1)
    return ""


def _multiplier(text: str, where: str) -> float:
    if not text:
        return 1.0
    try:
        factor = float(10 ** int(text))
    except ValueError:
        raise _broken(
            where,
            _("的 UNIT_MULT“%(text)s”不是 10 的幂次") % {"text": text},
        ) from None
    return factor if math.isfinite(factor) else 1.0


def _broken(where: str, problem: str) -> ConnectorError:
    return ConnectorError(
        _("%(where)s %(problem)s；该 SDMX-JSON 消息前后不一致。请重新获取，或向发布方反映。")
        % {"where": where, "problem": problem},
        fields={"locator": where},
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
