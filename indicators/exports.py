"""Indicator series as downloadable tables: CSV (UTF-8 with BOM, for Excel) and xlsx."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .selectors import IndicatorDetail, provenance_text


def _header() -> list[str]:
    return [
        _("指标代码"),
        _("指标"),
        _("地区代码"),
        _("地区"),
        _("期间"),
        _("维度"),
        _("数值"),
        _("单位"),
        _("来源"),
        _("采集记录"),
        _("采集时间"),
        _("可信度"),
        _("已过期"),
        _("备注"),
        _("频率"),
        _("数据质量"),
    ]


def _rows(detail: IndicatorDetail) -> list[list[object]]:
    ind = detail.indicator
    out: list[list[object]] = []
    for row in detail.rows:
        p = row.provenance
        fetched = (
            timezone.localtime(p.fetched_at).strftime("%Y-%m-%d %H:%M") if p.fetched_at else ""
        )
        out.append(
            [
                ind.code,
                detail.name,
                row.area_code,
                row.area_name,
                row.period_label,
                row.dimension,
                row.value,
                ind.unit,
                provenance_text(p).split(" · ")[0],
                p.run_id or "",
                fetched,
                f"{p.confidence_label} {p.confidence_note}".strip(),
                _("是") if p.stale else _("否"),
                p.note,
                row.freq_label,
                _("存疑：%(text)s") % {"text": row.flag_text} if row.doubtful else "",
            ]
        )
    return out


def series_csv(detail: IndicatorDetail) -> bytes:
    """The series as CSV in UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    writer.writerows(_rows(detail))
    return buffer.getvalue().encode("utf-8-sig")


def series_xlsx(detail: IndicatorDetail) -> bytes:
    """The series as an xlsx workbook, one sheet, bold header, frozen first row."""
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # pragma: no cover — a new workbook has one worksheet
        raise TypeError("a new workbook starts with a worksheet")
    sheet.title = detail.indicator.code[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(detail):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
