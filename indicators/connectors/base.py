"""Connector base class: publisher bytes in, one canonical pandas frame out.

Connectors never touch the database (STYLE.md section 8), so every one of them can be tested
from a recorded payload. A kind-specific subclass only turns the payload into ``RawRow`` objects
or, for the formats that carry large files, into ``Columns`` (``extract``); this module and
``frame.py`` do everything the formats share, in one place:

* rejects payloads that are empty, too large, or a web page served with status 200;
* decodes text (UTF-8 with or without BOM, UTF-16 with BOM, or the ``encoding`` option) and
  explains the failure when a file is really GBK;
* validates option names and types, so a typo in a source mapping fails loudly;
* fills ``indicator`` / ``area`` / ``unit`` constants, applies ``indicator_map`` / ``area_map``
  and ``scale``, parses numbers and periods, counts missing values, and reports each bad value
  with its location ("row 7", "records[3]", "page 2 / record 14").
"""

from __future__ import annotations

import codecs
import difflib
import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.connectors.cells import (
    MISSING_MARKERS,
    cell_text,
    code_text,
    located,
    parse_number,
)
from indicators.connectors.frame import CANONICAL_COLUMNS, Columns, ParseResult, finish
from indicators.exceptions import ConnectorError
from indicators.fetch import Fetcher

# The cell rules and the frame types are imported from here by every connector.
__all__ = [
    "CANONICAL_COLUMNS",
    "MISSING_MARKERS",
    "Columns",
    "Connector",
    "Extracted",
    "ParseResult",
    "RawRow",
    "TextConnector",
    "cell_text",
    "check_mapping",
    "check_payload",
    "code_text",
    "decode",
    "fold_dimension",
    "located",
    "parse_number",
]
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

OptionType = type | tuple[type, ...]

# Options every connector accepts; see Connector for their meaning.
GENERIC_OPTIONS: dict[str, OptionType] = {
    "indicator": str,
    "area": str,
    "unit": str,
    "indicator_map": dict,
    "area_map": dict,
    "scale": (int, float),
    "decimal": str,
    "max_bytes": int,
    "unit_map": dict,
    "only_mapped": bool,
}

_TYPE_NAMES = {
    str: gettext_lazy("文本"),
    bool: gettext_lazy("真或假（true/false）"),
    int: gettext_lazy("整数"),
    float: gettext_lazy("数字"),
    dict: gettext_lazy("映射（JSON 对象）"),
    list: gettext_lazy("列表"),
}


@dataclass(slots=True)
class RawRow:
    """One observation as the format gave it, before the shared clean-up.

    ``value`` and ``period`` are raw (text, number, ``None``); ``factor`` multiplies the value
    before ``scale`` (SDMX ``UNIT_MULT``).
    """

    locator: str
    period: object
    value: object
    indicator: str = ""
    area: str = ""
    unit: str = ""
    dimension: str = ""
    factor: float = 1.0
    note: str = ""


@dataclass
class Extracted:
    """Rows plus what the format says about codes; ``value_where`` names the value column."""

    rows: list[RawRow]
    value_where: str
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"indicator": {}, "area": {}}
    )
    units: dict[str, str] = field(default_factory=dict)

    def columns(self) -> Columns:
        """The rows as columns for the shared clean-up; their texts are final already."""
        rows = self.rows
        keys = ("period", "value", "indicator", "area", "unit", "dimension", "factor", "note")
        return Columns(
            data={key: [getattr(row, key) for row in rows] for key in keys},
            positions=np.arange(len(rows), dtype=np.int64),
            locate=[row.locator for row in rows].__getitem__,
            value_where=self.value_where,
            labels=self.labels,
            units=self.units,
            text=dict.fromkeys(("indicator", "area", "unit", "dimension", "note"), str),
        )


_MISSING = object()


def get_path(obj: object, path: str) -> object:
    """Follow a dotted path ("region.code", "values.0") through dicts and lists.

    Returns the module constant ``_MISSING`` (test with ``is_missing``) when a step is absent.
    """
    for step in path.split(".") if path else ():
        if isinstance(obj, dict) and step in obj:
            obj = obj[step]
        elif isinstance(obj, list) and step.isdigit() and int(step) < len(obj):
            obj = obj[int(step)]
        else:
            return _MISSING
    return obj


def is_missing(value: object) -> bool:
    """True when ``get_path`` found nothing at the path."""
    return value is _MISSING


def load_json(text: str) -> Any:
    """``json.loads`` with a message that says where the document breaks and why."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or _cut_off(text):
            hint = _("文档提前结束：下载可能被截断了。请重新获取。")
        elif text.lstrip().startswith("<"):
            hint = _("看起来是 XML 或 HTML；请确认地址请求的是 JSON。")
        else:
            hint = _("请确认地址返回的是 JSON，且文件没有被手工修改。")
        raise ConnectorError(
            _("JSON 在第 %(line)s 行第 %(col)s 列无效（%(reason)s）。%(hint)s")
            % {"line": exc.lineno, "col": exc.colno, "reason": exc.msg, "hint": hint}
        ) from None


def _cut_off(text: str) -> bool:
    """True when the document ends inside a string or with brackets still open (truncated)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def html_title(payload: bytes) -> str | None:
    """The page title when the payload is an HTML page, else ``None``."""
    head = payload[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not (
        head.startswith((b"<!doctype html", b"<html")) or (head[:1] == b"<" and b"<html" in head)
    ):
        return None
    match = re.search(rb"<title[^>]*>(.*?)</title>", payload[:65536], re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    raw = match.group(1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Chinese government error pages are often still GBK.
        text = raw.decode("gb18030", errors="replace")
    return " ".join(html.unescape(text).split())[:150]


def check_payload(payload: bytes, max_bytes: int) -> None:
    """Reject what no connector can parse: too large, empty, or a web page."""
    if len(payload) > max_bytes:
        raise ConnectorError(
            _(
                "数据有 %(size)s 字节，超过 %(limit)s 字节的上限。请缩小查询范围（减少年份或地区"
                "），或在来源选项中调高“max_bytes”。"
            )
            % {"size": f"{len(payload):,}", "limit": f"{max_bytes:,}"}
        )
    if not payload.strip():
        raise ConnectorError(
            _("数据为空（%(size)s 字节，没有内容）。请确认导出或下载已完成，且地址或文件正确。")
            % {"size": len(payload)}
        )
    title = html_title(payload)
    if title is not None:
        raise ConnectorError(
            _(
                "服务器返回的是网页而不是数据，标题：“%(title)s”。该地址可能指向登录页、错误页或"
                "首页：请在浏览器中打开，改用数据文件或接口的链接。"
            )
            % {"title": title or _("（无标题）")},
        )


OptionValue = TypeVar("OptionValue")


class Connector:
    """Turns one publisher's payload into a ``ParseResult``; one subclass per format.

    Generic options (``GENERIC_OPTIONS``), applied after the format-specific parse:
    ``indicator`` / ``area`` / ``unit`` fill rows where the format gave no such code;
    ``indicator_map`` / ``area_map`` rename source codes to ours (unmapped codes pass through);
    ``unit_map`` renames published unit spellings to ours ("CNY/kWh" -> "元/度");
    ``only_mapped`` (true/false) reads only rows whose indicator is a key of ``indicator_map``;
    ``scale`` multiplies every value (e.g. 0.0001 for 万元 -> 亿元); ``decimal`` is "." (default,
    "," then separates thousands) or ","; ``max_bytes`` caps the payload size (default
    ``INDICATORS_FETCH_MAX_BYTES``, else 20 MiB).
    Subclasses add their own names in ``option_types``; unknown names raise ``ConnectorError``.
    """

    kind: ClassVar[str]
    option_types: ClassVar[dict[str, OptionType]] = {}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: dict[str, Any] = dict(options or {})
        self._check_options()

    def fetch(self, url: str, fetcher: Fetcher) -> bytes:
        """Download the payload for ``url``; the default is one GET through ``fetcher``."""
        return fetcher.get(url)

    def parse(self, payload: bytes) -> ParseResult:
        """Parse ``payload`` into the canonical frame; raises ``ConnectorError`` on bad input."""
        check_payload(payload, self.max_bytes)
        return self._finish(self.extract(payload))

    @property
    def max_bytes(self) -> int:
        """The ``max_bytes`` option, defaulting to the fetch limit so both caps agree."""
        default = getattr(settings, "INDICATORS_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES)
        return int(self.option("max_bytes", default))

    def extract(self, payload: bytes) -> Extracted | Columns:
        """Format-specific part of ``parse``: payload -> raw rows or raw columns."""
        raise NotImplementedError

    def option(self, name: str, default: OptionValue) -> OptionValue:
        """An option's value, or ``default`` when the source mapping does not set it."""
        return self.options.get(name, default)  # type: ignore[no-any-return]

    # -- options -------------------------------------------------------------------------

    def _check_options(self) -> None:
        known = {**GENERIC_OPTIONS, **self.option_types}
        for name, value in self.options.items():
            if name not in known:
                raise self._unknown_option(name, sorted(known))
            expected = known[name]
            if expected is bool:
                if not isinstance(value, bool):
                    raise self._wrong_type(name, value, expected)
            elif isinstance(value, bool) or not isinstance(value, expected):
                raise self._wrong_type(name, value, expected)
        for name in ("indicator_map", "area_map", "unit_map"):
            check_mapping(name, self.option(name, {}), None)
        if self.option("decimal", ".") not in (".", ","):
            raise ConnectorError(_("选项“decimal”必须是“.”或“,”。"))
        scale = self.option("scale", 1)
        if not math.isfinite(scale) or scale == 0:
            raise ConnectorError(_("选项“scale”必须是非零的有限数。"))
        if self.max_bytes <= 0:
            raise ConnectorError(_("选项“max_bytes”必须是正的字节数。"))

    def _unknown_option(self, name: str, known: list[str]) -> ConnectorError:
        close = difflib.get_close_matches(name, known, n=1)
        hint = _("是否想写“%(name)s”？") % {"name": close[0]} if close else ""
        return ConnectorError(
            _("格式“%(kind)s”没有选项“%(name)s”。%(hint)s可用的选项：%(known)s。")
            % {"name": name, "kind": self.kind, "hint": hint, "known": ", ".join(known)},
            fields={"option": name},
        )

    @staticmethod
    def _wrong_type(name: str, value: object, expected: OptionType) -> ConnectorError:
        types = expected if isinstance(expected, tuple) else (expected,)
        if float in types:  # "a whole number or a number" says nothing more than "a number"
            types = tuple(t for t in types if t is not int)
        wanted = _(" 或 ").join(str(_TYPE_NAMES.get(t, t.__name__)) for t in types)
        return ConnectorError(
            _("选项“%(name)s”必须是%(wanted)s；实际为 %(value)r。")
            % {"name": name, "wanted": wanted, "value": value},
            fields={"option": name},
        )

    # -- shared clean-up ------------------------------------------------------------------

    def _finish(self, extracted: Extracted | Columns) -> ParseResult:
        columns = extracted if isinstance(extracted, Columns) else extracted.columns()
        return finish(self, columns)

    def no_code_message(self, where: str, name: str) -> str:
        """The message for a row that names no indicator (or area) when no option fills it."""
        return _(
            "%(where)s 没有 %(name)s 代码。请在来源选项中映射包含它的列或字段；如果整个来源只有"
            "一个 %(name)s，请设置选项“%(name)s”。"
        ) % {"where": where, "name": name}


def check_mapping(
    option: str,
    mapping: Mapping[str, Any],
    allowed: tuple[str, ...] | None,
    list_keys: tuple[str, ...] = (),
) -> None:
    """Reject mapping options with unknown keys (when ``allowed`` is given) or non-text values.

    Keys in ``list_keys`` may also hold a non-empty list of texts.
    """
    for key, value in mapping.items():
        if allowed is not None and key not in allowed:
            raise ConnectorError(
                _("选项“%(option)s”中的键“%(key)s”未知；可用的键：%(allowed)s。")
                % {"option": option, "key": key, "allowed": ", ".join(allowed)},
                fields={"option": option},
            )
        if not isinstance(value, str) and not (key in list_keys and _is_text_list(value)):
            raise ConnectorError(
                _("选项“%(option)s”：“%(key)s”的值必须是%(wanted)s；实际为 %(value)r。")
                % {
                    "option": option,
                    "key": key,
                    "wanted": _("文本或文本列表") if key in list_keys else _("文本"),
                    "value": value,
                },
                fields={"option": option},
            )


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def fold_dimension(pairs: list[tuple[str, str]]) -> str:
    """Several dimension values as one text: one value stays bare, more become "SEX=F;AGE=Y15"."""
    if len(pairs) == 1:
        return pairs[0][1]
    return ";".join(f"{name}={value}" for name, value in pairs)


class TextConnector(Connector):
    """A connector whose payload is text; adds the ``encoding`` option (default UTF-8)."""

    text_options: ClassVar[dict[str, OptionType]] = {"encoding": str}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.option_types = {**TextConnector.text_options, **cls.option_types}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        encoding = self.option("encoding", "")
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ConnectorError(
                    _("未知编码“%(encoding)s”；可用例如“utf-8”“gbk”或“gb18030”。")
                    % {"encoding": encoding},
                    fields={"option": "encoding"},
                ) from None

    def extract(self, payload: bytes) -> Extracted | Columns:
        return self.extract_text(self.text(payload))

    def text(self, payload: bytes) -> str:
        """The payload decoded with the ``encoding`` option (or detected); see ``decode``."""
        return decode(payload, self.option("encoding", ""))

    def extract_text(self, text: str) -> Extracted | Columns:
        """Format-specific part of ``parse`` for text formats."""
        raise NotImplementedError


GBK_FAMILY = frozenset({"gbk", "gb2312", "gb18030", "cp936", "euc_cn", "hz"})


def decode(payload: bytes, encoding: str = "") -> str:
    """Decode with the declared encoding, else UTF-8 (BOM optional) or BOM-marked UTF-16.

    A file declared GBK/GB18030 that is really UTF-8 (a BOM, or valid UTF-8 with non-ASCII
    text) is read as UTF-8, as a person would: decoding it as GBK would succeed and garble
    every Chinese name silently.
    """
    if encoding:
        if _gbk_family(encoding) and _really_utf8(payload):
            return payload.decode("utf-8-sig")
        try:
            return payload.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ConnectorError(_declared_problem(payload, exc, encoding)) from None
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return payload.decode("utf-16")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConnectorError(_utf8_problem(payload, exc)) from None


def _gbk_family(encoding: str) -> bool:
    return codecs.lookup(encoding).name.replace("-", "_") in GBK_FAMILY


def _really_utf8(payload: bytes) -> bool:
    if payload.startswith(codecs.BOM_UTF8):
        return True
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not payload.isascii()


def _declared_problem(payload: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    where = _decode_position(payload, exc, encoding)
    if codecs.lookup(encoding).name == "utf-8" and _looks_like_gbk(payload):
        return (
            _(
                "文件声明为 UTF-8，但不是有效的 UTF-8（第 %(line)s 行，偏移 %(offset)s 处的字节 "
                "0x%(byte)02X），看起来是 GBK/GB18030 编码。请把选项“encoding”改为“gb18030”，"
                "或把文件另存为 UTF-8。"
            )
            % where
        )
    return (
        _(
            "文件不是有效的 %(encoding)s（第 %(line)s 行，偏移 %(offset)s 处的字节 "
            "0x%(byte)02X）。请检查选项“encoding”，或把文件另存为 UTF-8。"
        )
        % where
    )


def _decode_position(payload: bytes, exc: UnicodeDecodeError, encoding: str) -> dict[str, Any]:
    return {
        "encoding": encoding,
        "byte": payload[exc.start],
        "offset": exc.start,
        "line": payload.count(b"\n", 0, exc.start) + 1,
    }


def _utf8_problem(payload: bytes, exc: UnicodeDecodeError) -> str:
    where = _decode_position(payload, exc, "UTF-8")
    if exc.end >= len(payload) and exc.reason == "unexpected end of data":
        return (
            _(
                "文件在一个 UTF-8 字符中间结束（第 %(line)s 行，偏移 %(offset)s）：可能被截断了"
                "。请重新下载或导出。"
            )
            % where
        )
    if _looks_like_gbk(payload):
        template = _(
            "文件不是有效的 UTF-8（第 %(line)s 行，偏移 %(offset)s 处的字节 0x%(byte)02X），看起"
            '来是 GBK 编码。请另存为 UTF-8，或在来源映射中设置 "encoding": "gbk"。'
        )
    else:
        template = _(
            "文件不是有效的 UTF-8（第 %(line)s 行，偏移 %(offset)s 处的字节 0x%(byte)02X）。请另"
            "存为 UTF-8，或在来源映射的“encoding”中填写文件实际的编码。"
        )
    return template % where


def _looks_like_gbk(payload: bytes) -> bool:
    try:
        text = payload.decode("gbk")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= char <= "\u9fff" for char in text)
