"""Connector registry: a ``Source`` row names its kind, and this maps the kind to the class.

Adding a format is adding a module beside the others and one line here (STYLE.md section 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from indicators.connectors.base import CANONICAL_COLUMNS, Connector, ParseResult
from indicators.connectors.csv import CsvConnector
from indicators.connectors.excel import ExcelConnector
from indicators.connectors.json import JsonConnector
from indicators.connectors.nbs import NbsConnector
from indicators.connectors.sdmx_csv import SdmxCsvConnector
from indicators.connectors.sdmx_json import SdmxJsonConnector
from indicators.connectors.worldbank import WorldBankConnector
from indicators.exceptions import ConnectorError

__all__ = ["CANONICAL_COLUMNS", "CONNECTORS", "Connector", "ParseResult", "get_connector"]

CONNECTORS: dict[str, type[Connector]] = {
    connector.kind: connector
    for connector in (
        CsvConnector,
        ExcelConnector,
        JsonConnector,
        SdmxCsvConnector,
        SdmxJsonConnector,
        WorldBankConnector,
        NbsConnector,
    )
}


def get_connector(kind: str, options: Mapping[str, Any] | None = None) -> Connector:
    """A connector of ``kind`` configured with ``options``.

    Raises ``ConnectorError`` for an unknown kind (listing the known ones) or for bad options.
    """
    try:
        connector_class = CONNECTORS[kind]
    except KeyError:
        raise ConnectorError(
            _("未知的来源格式“%(kind)s”。可用的格式：%(known)s。")
            % {"kind": kind, "known": ", ".join(sorted(CONNECTORS))},
            fields={"kind": kind},
        ) from None
    return connector_class(options)
