"""Connector base class: publisher bytes in, one canonical pandas frame out.

Connectors never touch the database (STYLE.md section 8), so every one of them can be tested
from a recorded payload. A kind-specific subclass only turns the payload into ``RawRow`` objects
(``extract``); this module does everything the formats share, in one place:

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
import datetime
import difflib
import html
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from indicators.exceptions import ConnectorError
from indicators.fetch import Fetcher
from indicators.periods import parse_period

CANONICAL_COLUMNS = [
    "indicator",
    "area",
    "period",
    "period_start",
    "value",
    "unit",
    "dimension",
    "locator",
    "note",
]
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Compared after NFKC and upper-casing. ".." is the World Bank / UN marker, ":" Eurostat's,
# "-" and "—" the usual marks in Chinese statistical yearbooks.
MISSING_MARKERS = frozenset(
    {"", ".", "..", "...", "…", "-", "--", "—", "–", "NA", "N/A", "NAN", "NULL", "NONE", ":"}
)

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

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_EXCEL_TEXT = re.compile(r'="(.*)"')  # Excel's ="510000" trick that keeps leading zeros
_TYPE_NAMES = {
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    dict: "a mapping",
    list: "a list",
}


@dataclass
class ParseResult:
    """What a connector hands to the ingestion service.

    ``frame`` has exactly ``CANONICAL_COLUMNS``: ``value`` is a finite float in the unit the
    publisher used times ``scale``; ``period`` is the normalized code from
    ``indicators.periods``; ``period_start`` a ``datetime.date``; ``dimension`` is "" when the
    source has none; ``locator`` says where the row came from in the payload; ``note`` is a
    per-row citation or remark when the source maps one, else "". ``missing`` counts
    observations the publisher marked as missing (they are not in the frame, never 0).
    ``labels`` maps codes to published names and ``units`` maps indicator codes to published
    units, both keyed by our codes (after ``indicator_map`` / ``area_map``).
    """

    frame: pd.DataFrame
    missing: int = 0
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"indicator": {}, "area": {}}
    )
    units: dict[str, str] = field(default_factory=dict)


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


def located(where: str, error: ConnectorError) -> ConnectorError:
    """Prefix an error with the place it happened ("row 7, column "数值": ...")."""
    return ConnectorError(
        _("%(where)s: %(problem)s") % {"where": where, "problem": error.message},
        fields={"locator": where},
    )


def cell_text(raw: object) -> str:
    """A code or label cell as clean text: 510000.0 -> "510000", ="0101" -> "0101"."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime.datetime | datetime.date):
        return raw.isoformat()
    text = str(raw).strip()
    match = _EXCEL_TEXT.fullmatch(text)
    return match.group(1).strip() if match else text


def code_text(raw: object) -> str:
    """Like ``cell_text`` but also folds full-width characters, for codes only (not labels)."""
    return unicodedata.normalize("NFKC", cell_text(raw)).strip()


def parse_number(raw: object, decimal: str = ".") -> float | None:
    """Return the value as a finite float, or ``None`` when the publisher marked it missing.

    Understands thousands separators ("5,500", "5 500"), full-width digits ("１２３"), a
    trailing percent sign ("53%" -> 53.0: the indicator's unit is then "%") and text-formatted
    numbers ('5500, ="5500"). Raises ``ConnectorError`` for anything else.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ConnectorError(_('"%(text)s" is not a number.') % {"text": raw})
    if isinstance(raw, int | float):
        return _finite(float(raw), raw)
    text = unicodedata.normalize("NFKC", cell_text(raw)).lstrip("'").strip()
    if text.upper() in MISSING_MARKERS:
        return None
    digits = text.removesuffix("%").strip()
    thousands = "." if decimal == "," else ","
    digits = re.sub(r"\s", "", digits).replace(thousands, "").replace(decimal, ".")
    if not _NUMBER.fullmatch(digits):
        raise ConnectorError(
            _(
                '"%(text)s" is not a number. Correct the value, or leave the cell empty '
                '(or ".."/"-") if the publisher has no figure for it.'
            )
            % {"text": raw}
        )
    return _finite(float(digits), raw)


def _finite(value: float, raw: object) -> float | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        raise ConnectorError(_('"%(text)s" is not a finite number.') % {"text": raw})
    return value


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
            hint = _(
                "The document ends too early: the download was probably cut off. Fetch it again."
            )
        elif text.lstrip().startswith("<"):
            hint = _("It looks like XML or HTML; check that the URL asks for JSON.")
        else:
            hint = _("Check that the URL returns JSON and that the file was not edited by hand.")
        raise ConnectorError(
            _("The JSON is invalid at line %(line)s, column %(col)s (%(reason)s). %(hint)s")
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
                "The payload is %(size)s bytes, over the limit of %(limit)s bytes. Narrow the "
                'query (fewer years or areas) or raise "max_bytes" in the source options.'
            )
            % {"size": f"{len(payload):,}", "limit": f"{max_bytes:,}"}
        )
    if not payload.strip():
        raise ConnectorError(
            _(
                "The payload is empty (%(size)s bytes, no data). Check that the export or "
                "download finished and that the URL or file is the right one."
            )
            % {"size": len(payload)}
        )
    title = html_title(payload)
    if title is not None:
        raise ConnectorError(
            _(
                'The server returned a web page, not data; title: "%(title)s". The address '
                "probably points at a login, error or landing page: open it in a browser and "
                "use the link to the data file or API instead."
            )
            % {"title": title or _("(no title)")},
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

    def extract(self, payload: bytes) -> Extracted:
        """Format-specific part of ``parse``: payload -> raw rows."""
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
            raise ConnectorError(_('Option "decimal" must be "." or ",".'))
        scale = self.option("scale", 1)
        if not math.isfinite(scale) or scale == 0:
            raise ConnectorError(_('Option "scale" must be a finite number other than 0.'))
        if self.max_bytes <= 0:
            raise ConnectorError(_('Option "max_bytes" must be a positive number of bytes.'))

    def _unknown_option(self, name: str, known: list[str]) -> ConnectorError:
        close = difflib.get_close_matches(name, known, n=1)
        hint = _(' Did you mean "%(name)s"?') % {"name": close[0]} if close else ""
        return ConnectorError(
            _('Unknown option "%(name)s" for kind "%(kind)s".%(hint)s Known options: %(known)s.')
            % {"name": name, "kind": self.kind, "hint": hint, "known": ", ".join(known)},
            fields={"option": name},
        )

    @staticmethod
    def _wrong_type(name: str, value: object, expected: OptionType) -> ConnectorError:
        types = expected if isinstance(expected, tuple) else (expected,)
        if float in types:  # "a whole number or a number" says nothing more than "a number"
            types = tuple(t for t in types if t is not int)
        wanted = _(" or ").join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        return ConnectorError(
            _('Option "%(name)s" must be %(wanted)s; got %(value)r.')
            % {"name": name, "wanted": wanted, "value": value},
            fields={"option": name},
        )

    # -- shared clean-up ------------------------------------------------------------------

    def _finish(self, extracted: Extracted) -> ParseResult:
        records: list[tuple[object, ...]] = []
        missing = 0
        units: dict[str, str] = dict(extracted.units)
        for row in self._wanted(extracted.rows):
            value = self._value(row, extracted.value_where)
            if value is None:
                missing += 1
                continue
            records.append(self._canonical(row, value))
            if row.unit:
                unit_map: dict[str, str] = self.option("unit_map", {})
                unit = unit_map.get(row.unit, row.unit)
                units.setdefault(row.indicator or self.option("indicator", ""), unit)
        frame = pd.DataFrame.from_records(records, columns=CANONICAL_COLUMNS)
        frame["value"] = frame["value"].astype("float64")
        return ParseResult(
            frame=frame,
            missing=missing,
            labels={
                "indicator": self._remap(extracted.labels["indicator"], "indicator_map"),
                "area": self._remap(extracted.labels["area"], "area_map"),
            },
            units=self._remap(units, "indicator_map"),
        )

    def _wanted(self, rows: list[RawRow]) -> list[RawRow]:
        """With ``only_mapped``, rows whose indicator is not in ``indicator_map`` are left out.

        Fact sheets mix the series we track with context rows ("2027 target", ranges such as
        "46-49"); the mapping then doubles as the list of rows to read.
        """
        if not self.option("only_mapped", False):
            return rows
        mapping: dict[str, str] = self.option("indicator_map", {})
        return [row for row in rows if (row.indicator or self.option("indicator", "")) in mapping]

    def _value(self, row: RawRow, value_where: str) -> float | None:
        try:
            value = parse_number(row.value, self.option("decimal", "."))
        except ConnectorError as exc:
            raise located(f"{row.locator}, {value_where}", exc) from None
        if value is None:
            return None
        value *= row.factor * self.option("scale", 1)
        if not math.isfinite(value):
            raise located(row.locator, ConnectorError(_("The scaled value is not finite.")))
        return value

    def _canonical(self, row: RawRow, value: float) -> tuple[object, ...]:
        indicator = self._code(row.indicator, "indicator", row.locator)
        area = self._code(row.area, "area", row.locator)
        try:
            period = parse_period(row.period)
        except ConnectorError as exc:
            raise located(row.locator, exc) from None
        unit = row.unit or self.option("unit", "")
        unit_map: dict[str, str] = self.option("unit_map", {})
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

    def _code(self, code: str, name: str, locator: str) -> str:
        code = code or self.option(name, "")
        if not code:
            raise ConnectorError(
                _(
                    "%(where)s has no %(name)s code. Map the column or field that holds it in "
                    'the source options, or set the "%(name)s" option if the whole source is '
                    "about one %(name)s."
                )
                % {"where": locator, "name": name},
                fields={"locator": locator},
            )
        mapping: dict[str, str] = self.option(f"{name}_map", {})
        return mapping.get(code, code)

    def _remap(self, by_code: Mapping[str, str], option: str) -> dict[str, str]:
        mapping: dict[str, str] = self.option(option, {})
        return {mapping.get(code, code): text for code, text in by_code.items()}


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
                _('Option "%(option)s" has an unknown key "%(key)s"; use one of: %(allowed)s.')
                % {"option": option, "key": key, "allowed": ", ".join(allowed)},
                fields={"option": option},
            )
        if not isinstance(value, str) and not (key in list_keys and _is_text_list(value)):
            raise ConnectorError(
                _(
                    'Option "%(option)s": the value for "%(key)s" must be %(wanted)s; '
                    "got %(value)r."
                )
                % {
                    "option": option,
                    "key": key,
                    "wanted": _("text or a list of texts") if key in list_keys else _("text"),
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
                    _('Unknown encoding "%(encoding)s"; use e.g. "utf-8", "gbk" or "gb18030".')
                    % {"encoding": encoding},
                    fields={"option": "encoding"},
                ) from None

    def extract(self, payload: bytes) -> Extracted:
        return self.extract_text(decode(payload, self.option("encoding", "")))

    def extract_text(self, text: str) -> Extracted:
        """Format-specific part of ``parse`` for text formats."""
        raise NotImplementedError


def decode(payload: bytes, encoding: str = "") -> str:
    """Decode with the declared encoding, else UTF-8 (BOM optional) or BOM-marked UTF-16."""
    if encoding:
        try:
            return payload.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ConnectorError(
                _(
                    "The file is not valid %(encoding)s (byte 0x%(byte)02X at offset %(offset)s, "
                    'line %(line)s). Check the "encoding" option or re-save the file as UTF-8.'
                )
                % _decode_position(payload, exc, encoding)
            ) from None
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return payload.decode("utf-16")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConnectorError(_utf8_problem(payload, exc)) from None


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
                "The file ends in the middle of a UTF-8 character (offset %(offset)s, line "
                "%(line)s): it was probably cut off. Download or export it again."
            )
            % where
        )
    if _looks_like_gbk(payload):
        template = _(
            "The file is not valid UTF-8 (byte 0x%(byte)02X at offset %(offset)s, line "
            '%(line)s); it looks like GBK. Re-save it as UTF-8 or set "encoding": "gbk" in '
            "the source mapping."
        )
    else:
        template = _(
            "The file is not valid UTF-8 (byte 0x%(byte)02X at offset %(offset)s, line "
            '%(line)s). Re-save it as UTF-8 or set "encoding" in the source mapping to the '
            "encoding it was saved in."
        )
    return template % where


def _looks_like_gbk(payload: bytes) -> bool:
    try:
        text = payload.decode("gbk")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= char <= "\u9fff" for char in text)
