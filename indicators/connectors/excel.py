"""Excel workbooks (.xlsx), read with openpyxl in read-only mode (values, not formulas).

Options (besides the generic ones): ``sheet`` (name, or 0-based index; default the first
sheet), ``columns`` and ``header_row`` (1-based, as Excel numbers rows) as described in
``indicators.connectors.tabular``. Locators read "sheet 发电量, row 7".
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any, cast
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from indicators.connectors.base import Columns, Connector
from indicators.connectors.frame import Locate
from indicators.connectors.tabular import ColumnPlan, ListTable, table_columns
from indicators.exceptions import ConnectorError

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files
# What openpyxl raises, at open or while reading rows lazily, on a truncated or corrupt archive.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    InvalidFileException,
    KeyError,
    EOFError,
    OSError,
)


class ExcelConnector(Connector):
    """One worksheet of an .xlsx workbook with one observation per row under a header row."""

    kind = "excel"
    option_types = {"columns": dict, "header_row": int, "sheet": (str, int)}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.plan = ColumnPlan.from_options(self.options)

    def extract(self, payload: bytes) -> Columns:
        _title, rows, locate = self.read_rows(payload)
        return table_columns(ListTable(rows), self.plan, self.option("header_row", None), locate)

    def read_rows(self, payload: bytes) -> tuple[str, list[list[object]], Locate]:
        """The sheet's title, its rows of cell values, and how to name row i in messages."""
        _check_signature(payload)
        try:
            title, rows = self._read(payload)
        except _DAMAGED as exc:
            raise ConnectorError(
                _(
                    "The .xlsx workbook is damaged or incomplete (%(reason)s); it was probably "
                    "cut off during download. Download it again, or open and re-save it in Excel."
                )
                % {"reason": exc}
            ) from None

        def locate(index: int) -> str:
            return _("sheet %(sheet)s, row %(row)s") % {"sheet": title, "row": index + 1}

        return title, rows, locate

    def _read(self, payload: bytes) -> tuple[str, list[list[object]]]:
        with warnings.catch_warnings():
            # "Workbook contains no default style": harmless, and noisy in worker logs.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
        try:
            sheet = self._sheet(workbook)
            # Read-only mode parses the sheet lazily, so a damaged archive can fail here too.
            cells = sheet.iter_rows(min_row=1, values_only=True)  # type: ignore[misc]  # stub bug
            rows: list[list[object]] = [list(row) for row in cells]
        finally:
            workbook.close()
        # Files written by some tools carry no sheet dimension, and read-only mode then returns
        # rows of different lengths; pad them so a short row really means a short row.
        width = max((len(row) for row in rows), default=0)
        return sheet.title, [row + [None] * (width - len(row)) for row in rows]

    def _sheet(self, workbook: Workbook) -> ReadOnlyWorksheet:
        wanted: str | int = self.option("sheet", 0)
        # worksheets, not sheetnames: chart sheets hold no cells and would shift the numbering.
        sheets = workbook.worksheets
        for index, sheet in enumerate(sheets):
            if wanted in (index, sheet.title):
                return cast(ReadOnlyWorksheet, sheet)  # read_only=True loads these
        listing = ", ".join(f'{i} "{sheet.title}"' for i, sheet in enumerate(sheets))
        raise ConnectorError(
            _(
                'The workbook has no sheet %(sheet)r. Its sheets are: %(sheets)s. Set "sheet" '
                "to one of these names or to its number (0 is the first sheet)."
            )
            % {"sheet": wanted, "sheets": listing},
            fields={"option": "sheet"},
        )


def _check_signature(payload: bytes) -> None:
    if payload.startswith(_OLE2_SIGNATURE):
        raise ConnectorError(
            _(
                "This is an old-format .xls workbook (Excel 97-2003), which is not supported. "
                "Open it in Excel or WPS and save it as .xlsx."
            )
        )
    if not payload.startswith(b"PK"):
        raise ConnectorError(
            _(
                "This is not an .xlsx workbook (it does not start like a zip archive). Check "
                'that the source kind is right: CSV files need kind "csv".'
            )
        )
