"""World Bank Indicators API v2 (api.worldbank.org/v2/.../indicator/<id>?format=json).

A response page is ``[metadata, records]``: metadata carries ``page``, ``pages``, ``per_page``
and ``total``; each record has ``indicator {id, value}``, ``country {id, value}``,
``countryiso3code``, ``date`` ("2023", "2023Q1", "2023M06"), ``value`` (``null`` = no figure),
``unit``, ``obs_status`` and ``decimal``. Errors come as ``[{"message": [{id, key, value}]}]``.

``fetch`` asks for 1000 records a page and follows ``pages``, returning one combined payload of
the same shape, so a recorded payload and a live one parse the same way.

Area codes: ``countryiso3code`` ("CHN") when present, else ``country.id`` (the API's 2-letter
id, used by aggregates that have no ISO3 code). ISO3 is what other sources (SDMX, UN) use, so
the same country gets one code across sources. No kind-specific options.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils.translation import gettext as _

from indicators.connectors.base import (
    Extracted,
    RawRow,
    TextConnector,
    cell_text,
    check_payload,
    decode,
    get_path,
    is_missing,
    load_json,
)
from indicators.exceptions import ConnectorError
from indicators.fetch import Fetcher

PER_PAGE = 1000
# 50 pages of 1000 records is one indicator for every economy over 200 years, and about 12 MB of
# combined payload, under the default 20 MiB parse limit; more means the URL lacks a filter.
MAX_PAGES = 50


class WorldBankConnector(TextConnector):
    """World Bank Indicators API v2 JSON, one or many pages."""

    kind = "worldbank"

    def fetch(self, url: str, fetcher: Fetcher) -> bytes:
        """Fetch every page of ``url`` and return them as one ``[metadata, records]`` payload."""
        meta, records = self._page(fetcher.get(page_url(url, 1)))
        pages = _int(meta.get("pages"), 1)
        if pages > MAX_PAGES:
            raise ConnectorError(
                _(
                    "该世界银行查询有 %(pages)s 页（每页 %(per_page)s 条），最多只获取 %(max)s "
                    "页。请缩小地址中的范围（国家、指标、date=2000:2024）。"
                )
                % {"pages": pages, "per_page": PER_PAGE, "max": MAX_PAGES}
            )
        for page in range(2, pages + 1):
            records.extend(self._page(fetcher.get(page_url(url, page)))[1])
        # Keep the server's per_page: parse() derives "page 2 / record 14" locators from it.
        per_page = _int(meta.get("per_page"), PER_PAGE)
        combined = [{**meta, "page": 1, "pages": pages, "per_page": per_page}, records]
        return json.dumps(combined, ensure_ascii=False).encode("utf-8")

    def _page(self, payload: bytes) -> tuple[dict[str, Any], list[Any]]:
        check_payload(payload, self.max_bytes)
        return split_page(load_json(decode(payload, self.option("encoding", ""))))

    def extract_text(self, text: str) -> Extracted:
        meta, records = split_page(load_json(text))
        per_page = _int(meta.get("per_page"), len(records) or 1)
        labels: dict[str, dict[str, str]] = {"indicator": {}, "area": {}}
        rows = []
        for index, record in enumerate(records):
            page, number = divmod(index, per_page)
            where = _("第 %(page)s 页第 %(record)s 条") % {
                "page": page + 1,
                "record": number + 1,
            }
            rows.append(_row(record, where, labels))
        return Extracted(rows, _("字段“value”"), labels)


def page_url(url: str, page: int) -> str:
    """``url`` with format=json, per_page and page set (replacing any values already there)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("format", "per_page", "page")]
    query += [("format", "json"), ("per_page", str(PER_PAGE)), ("page", str(page))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def split_page(document: object) -> tuple[dict[str, Any], list[Any]]:
    """``(metadata, records)`` of one response page; raises on the API's error envelope."""
    if isinstance(document, list) and document and isinstance(document[0], dict):
        messages = document[0].get("message")
        if len(document) == 1 and isinstance(messages, list):
            raise ConnectorError(
                _(
                    "世界银行 API 拒绝了请求：%(messages)s。请检查来源地址中的指标代码、国家代码"
                    "和日期范围。"
                )
                % {"messages": "; ".join(_message_text(m) for m in messages)}
            )
        if len(document) == 2 and isinstance(document[1], list | None):
            return document[0], list(document[1] or [])
    raise ConnectorError(
        _(
            "这不是世界银行 API v2 的响应（应为 [元数据, 记录]）。请确认来源地址是 api.worldbank"
            ".org/v2 的指标查询。"
        )
    )


def _message_text(message: object) -> str:
    if not isinstance(message, dict):
        return str(message)
    parts = (cell_text(message.get(key)) for key in ("id", "key", "value"))
    return '"' + " ".join(part for part in parts if part) + '"'


def _row(record: object, where: str, labels: dict[str, dict[str, str]]) -> RawRow:
    indicator = _required(record, "indicator.id", where)
    iso3 = get_path(record, "countryiso3code")
    area = ("" if is_missing(iso3) else cell_text(iso3)) or _required(record, "country.id", where)
    for kind, code, path in (
        ("indicator", indicator, "indicator.value"),
        ("area", area, "country.value"),
    ):
        label = get_path(record, path)
        if isinstance(label, str) and label:
            labels[kind].setdefault(code, label)
    value = get_path(record, "value")
    if is_missing(value):
        raise _incomplete(where, "value")
    unit = get_path(record, "unit")
    return RawRow(
        locator=where,
        period=_required(record, "date", where),
        value=value,
        indicator=indicator,
        area=area,
        unit=unit if isinstance(unit, str) else "",
    )


def _required(record: object, path: str, where: str) -> str:
    value = get_path(record, path)
    if is_missing(value) or not cell_text(value):
        raise _incomplete(where, path)
    return cell_text(value)


def _incomplete(where: str, path: str) -> ConnectorError:
    return ConnectorError(
        _("%(where)s 没有“%(path)s”；该响应不是完整的世界银行记录。")
        % {"where": where, "path": path},
        fields={"locator": where},
    )


def _int(value: object, default: int) -> int:
    # The API has sent these both as numbers and as strings ("per_page": "50").
    if isinstance(value, int | str) and str(value).isdigit():
        return int(value)
    return default
