"""CSV files as statistical offices and spreadsheet users write them.

Options (besides the generic ones and ``encoding``): ``columns`` and ``header_row`` as described
in ``indicators.connectors.tabular``; ``delimiter`` ("," ";" "|" or tab) when sniffing ("," ";"
or tab) guesses wrong.
Locators are "row N", N counting every line from the top of the file as a spreadsheet does.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators.connectors.base import Columns, TextConnector
from indicators.connectors.tabular import (
    SCAN_ROWS,
    ColumnPlan,
    LineTable,
    ListTable,
    Table,
    check_delimiter,
    find_header,
    read_delimited,
)
from indicators.connectors.yearbook import check_layout, read_table
from indicators.exceptions import ConnectorError

SNIFFED = (",", ";", "\t")


class CsvConnector(TextConnector):
    """Delimited text with one observation per row under a header row."""

    kind = "csv"
    option_types = {"columns": dict, "header_row": int, "delimiter": str, "layout": str}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.plan = ColumnPlan.from_options(self.options)
        check_delimiter(self.option("delimiter", ""))
        check_layout(self.options)

    def extract_text(self, text: str) -> Columns:
        delimiter = self.option("delimiter", "") or self.sniff(text)
        table: Table
        if '"' in text or "\x00" in text or "\x1f" in text:
            # Quoting rules (and NUL refusal) are csv.reader's: read record by record.
            table = ListTable(read_delimited(text, delimiter))
        else:
            table = LineTable(text, delimiter)
        return read_table(table, self.options, self.plan, locate_row, locate_cell)

    def sniff(self, text: str) -> str:
        """The delimiter under which the top lines contain the header we are looking for.

        ``csv.Sniffer`` is confused by title lines above the header, so try each candidate on
        the top of the file; if none finds the header, take the one that splits widest so the
        error lists sensible column names.
        """
        head = "".join(itertools.islice(io.StringIO(text), SCAN_ROWS))
        samples = {d: read_delimited(head, d, strict=False) for d in SNIFFED}
        header_row = self.option("header_row", None)
        for delimiter, rows in samples.items():
            try:
                find_header(rows, self.plan, header_row, locate_row)
            except ConnectorError:
                continue
            return delimiter
        return max(SNIFFED, key=lambda d: max((len(r) for r in samples[d]), default=0))


@functools.lru_cache(maxsize=8)
def _row_label(language: str | None) -> str:
    return _("第 %(row)s 行")


def locate_cell(index: int, column: str) -> str:
    return _("第 %(row)s 行，列“%(column)s”") % {"row": index + 1, "column": column}


def locate_row(index: int) -> str:
    # Called for every row of files with a million rows: translate the label once per language.
    return _row_label(get_language()) % {"row": index + 1}
