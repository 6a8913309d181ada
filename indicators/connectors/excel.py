"""Excel workbooks: .xlsx read by openpyxl in read-only mode (values, not formulas), with
defusedxml installed so that openpyxl refuses XML entity tricks in untrusted files; Excel
97-2003 .xls read by python-calamine.

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

from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from indicators.connectors.base import Columns, Connector
from indicators.connectors.frame import Locate
from indicators.connectors.tabular import ColumnPlan, ListTable
from indicators.connectors.yearbook import check_layout, read_table
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
    option_types = {"columns": dict, "header_row": int, "sheet": (str, int), "layout": str}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.plan = ColumnPlan.from_options(self.options)
        check_layout(self.options)

    def extract(self, payload: bytes) -> Columns:
        title, rows, locate = self.read_rows(payload)
        if not any(cell not in (None, "") for row in rows for cell in row):
            raise ConnectorError(
                _(
                    "工作表“%(sheet)s”是空的。请用选项“sheet”选择有数据的工作表（名称或序号，0 "
                    "为第一个工作表）。"
                )
                % {"sheet": title},
                fields={"option": "sheet"},
            )

        def locate_cell(index: int, column: str) -> str:
            return _("工作表 %(sheet)s 第 %(row)s 行，列“%(column)s”") % {
                "sheet": title,
                "row": index + 1,
                "column": column,
            }

        return read_table(ListTable(rows), self.options, self.plan, locate, locate_cell)

    def read_rows(self, payload: bytes) -> tuple[str, list[list[object]], Locate]:
        """The sheet's title, its rows of cell values, and how to name row i in messages."""
        if payload.startswith(_OLE2_SIGNATURE):
            title, rows = self._read_xls(payload)
        else:
            _check_signature(payload)
            try:
                title, rows = self._read(payload)
            except (*_DAMAGED, ValueError) as exc:
                if _forbidden_xml(exc):
                    raise ConnectorError(
                        _(
                            ".xlsx 工作簿中声明了 XML 实体，Excel 或 WPS 保存的工作簿从不这样做"
                            "；出于安全考虑予以拒绝。请用 Excel 或 WPS 打开后重新保存，或向发布"
                            "方索取正常导出的文件。"
                        )
                    ) from None
                if not isinstance(exc, _DAMAGED):
                    raise
                raise ConnectorError(
                    _(
                        ".xlsx 工作簿已损坏或不完整（%(reason)s），可能在下载时被截断。请重新下"
                        "载，或用 Excel 打开后重新保存。"
                    )
                    % {"reason": exc}
                ) from None

        def locate(index: int) -> str:
            return _("工作表 %(sheet)s 第 %(row)s 行") % {"sheet": title, "row": index + 1}

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

    def _read_xls(self, payload: bytes) -> tuple[str, list[list[object]]]:
        """An Excel 97-2003 workbook, read by calamine (see README "Benchmark" for why)."""
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(payload))
            names = [
                sheet.name
                for sheet in workbook.sheets_metadata
                if sheet.typ == SheetTypeEnum.WorkSheet
            ]
            title = names[self._sheet_index(names)]
            cells = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except (CalamineError, ValueError, OSError) as exc:
            raise ConnectorError(
                _(
                    ".xls 工作簿（Excel 97-2003）已损坏或不完整（%(reason)s），可能在下载时被截"
                    "断。请重新下载，或用 Excel、WPS 打开后另存为 .xlsx。"
                )
                % {"reason": exc}
            ) from None
        # calamine gives an empty cell as "": the same as openpyxl's None for every rule.
        rows: list[list[object]] = [list(row) for row in cells]
        width = max((len(row) for row in rows), default=0)
        return title, [
            [None if c == "" else c for c in row] + [None] * (width - len(row)) for row in rows
        ]

    def _sheet(self, workbook: Workbook) -> ReadOnlyWorksheet:
        # worksheets, not sheetnames: chart sheets hold no cells and would shift the numbering.
        sheets = workbook.worksheets
        index = self._sheet_index([sheet.title for sheet in sheets])
        return cast(ReadOnlyWorksheet, sheets[index])  # read_only=True loads these

    def _sheet_index(self, names: list[str]) -> int:
        wanted: str | int = self.option("sheet", 0)
        for index, name in enumerate(names):
            if wanted in (index, name):
                return index
        listing = ", ".join(f'{i} "{name}"' for i, name in enumerate(names))
        raise ConnectorError(
            _(
                "工作簿中没有工作表 %(sheet)r。现有工作表：%(sheets)s。请把“sheet”设为其中一个名"
                "称或序号（0 为第一个工作表）。"
            )
            % {"sheet": wanted, "sheets": listing},
            fields={"option": "sheet"},
        )


def _forbidden_xml(exc: BaseException | None) -> bool:
    """True when defusedxml refused the XML (openpyxl wraps it in a ValueError)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _check_signature(payload: bytes) -> None:
    if not payload.startswith(b"PK"):
        raise ConnectorError(
            _(
                "这不是 Excel 工作簿（开头既不像 .xlsx 压缩包，也不像 .xls 文件）。请检查来源格"
                "式是否正确：CSV 文件请用格式“csv”。"
            )
        )
