"""National Bureau of Statistics of China: data.stats.gov.cn easyquery ``QueryData`` JSON.

The response is ``{"returncode": 200, "returndata": {"datanodes": [...], "wdnodes": [...]}}``.
Each data node names its coordinates in ``wds`` (``zb`` indicator such as "A0E0101", ``reg``
area such as "510000", ``sj`` time) and carries ``data {data, hasdata, strdata, dotcount}``.
``wdnodes`` list the codes with their Chinese names (``cname``) and, for ``zb``, the unit.

* ``hasdata: false`` is a missing observation. NBS still sends ``"data": 0`` for it, which must
  never be stored as a real zero.
* Time codes: "2023" (year), "202306" (month), "2023A".."2023D" (quarters 1-4, NBS's own
  spelling, converted here).
* National queries (dbcode ``hgnd``/``hgyd``/``hgjd``) have no ``reg`` dimension: set the
  ``area`` option (e.g. "000000" or our code for China).

No kind-specific options.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Extracted,
    RawRow,
    TextConnector,
    cell_text,
    code_text,
    load_json,
)
from indicators.exceptions import ConnectorError

_QUARTER_CODE = re.compile(r"(\d{4})([A-D])")


class NbsConnector(TextConnector):
    """A data.stats.gov.cn easyquery QueryData response."""

    kind = "nbs"

    def extract_text(self, text: str) -> Extracted:
        data = _returndata(load_json(text))
        labels, units = _code_lists(data.get("wdnodes"))
        nodes = data.get("datanodes")
        if not isinstance(nodes, list):
            raise ConnectorError(
                _(
                    "国家统计局的响应中没有“returndata.datanodes”列表，因此没有数据。请检查来源"
                    "地址中的查询参数。"
                )
            )
        rows = [_row(node, index) for index, node in enumerate(nodes)]
        return Extracted(rows, _("字段“data.data”"), labels, units)


def nbs_period(code: str) -> str:
    """NBS quarter codes to ours ("2023A" -> "2023Q1"); other time codes pass unchanged."""
    match = _QUARTER_CODE.fullmatch(code)
    return f"{match.group(1)}Q{'ABCD'.index(match.group(2)) + 1}" if match else code


def _returndata(document: object) -> dict[str, Any]:
    if not isinstance(document, dict) or "returncode" not in document:
        raise ConnectorError(
            _(
                "这不是国家数据（data.stats.gov.cn）easyquery 的响应（没有“returncode”）。请确认"
                "来源地址调用的是 easyquery.htm?m=QueryData。"
            )
        )
    data = document.get("returndata")
    if document["returncode"] != 200:
        detail = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        raise ConnectorError(
            _(
                "国家统计局查询失败（returncode %(code)s）：“%(detail)s”。请检查来源地址中的 dbc"
                "ode、rowcode、colcode 和 wds。"
            )
            % {"code": document["returncode"], "detail": detail[:300]}
        )
    if not isinstance(data, dict):
        raise ConnectorError(_("国家统计局的响应中没有“returndata”对象。"))
    return data


def _code_lists(wdnodes: object) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Names of indicator and area codes, and indicator units, from ``wdnodes``."""
    labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
    units: dict[str, str] = {}
    kinds = {"zb": "indicator", "reg": "area"}
    for dimension in _list(wdnodes):
        kind = (
            kinds.get(cell_text(dimension.get("wdcode"))) if isinstance(dimension, dict) else None
        )
        if kind is None:
            continue
        for node in _list(dimension.get("nodes")):
            if not isinstance(node, dict):
                continue
            code = code_text(node.get("code"))
            if code and cell_text(node.get("cname")):
                labels[kind][code] = cell_text(node.get("cname"))
            if kind == "indicator" and code and cell_text(node.get("unit")):
                units[code] = cell_text(node.get("unit"))
    return labels, units


def _row(node: object, index: int) -> RawRow:
    code = cell_text(node.get("code")) if isinstance(node, dict) else ""
    where = f"datanodes[{index}] ({code})" if code else f"datanodes[{index}]"
    if not isinstance(node, dict) or not isinstance(node.get("data"), dict):
        raise _incomplete(where, "data")
    coordinates = {
        cell_text(wd.get("wdcode")): code_text(wd.get("valuecode"))
        for wd in _list(node.get("wds"))
        if isinstance(wd, dict)
    }
    for wdcode in ("zb", "sj"):
        if not coordinates.get(wdcode):
            raise _incomplete(where, f'wds "{wdcode}"')
    data = node["data"]
    has_data = data.get("hasdata", True)
    if has_data and "data" not in data:
        raise _incomplete(where, "data.data")
    return RawRow(
        locator=where,
        period=nbs_period(coordinates["sj"]),
        # hasdata false: NBS has no figure (it sends 0 anyway); None makes it a missing value.
        value=data["data"] if has_data else None,
        indicator=coordinates["zb"],
        area=coordinates.get("reg", ""),
    )


def _list(value: object) -> list[Any]:
    # Parts of the response we only read from; a malformed part then reads as absent.
    return value if isinstance(value, list) else []


def _incomplete(where: str, what: str) -> ConnectorError:
    return ConnectorError(
        _("%(where)s 没有 %(what)s；国家统计局的响应不完整。请重新获取。")
        % {"where": where, "what": what},
        fields={"locator": where},
    )
