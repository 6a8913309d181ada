"""The programme's investment as downloadable tables: CSV (UTF-8 with BOM) and xlsx.

Rows are the stored read model (`policy.selectors.investment.investment_lines`): the same
figures the pages, the API and the briefings show, with the day they were computed for and
the plan's note (演示数据 in the demo).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .selectors.investment import ProjectInvestmentLine
from .status import Rag


def _wan(value: Decimal | None) -> Decimal | str:
    """Yuan as 万元, exactly (the column header says the unit)."""
    return "" if value is None else value / Decimal(10_000)


def _header() -> list[str]:
    return [
        _("项目代码"),
        _("项目"),
        _("任务方向"),
        _("年度"),
        _("本年计划投资（万元）"),
        _("本年累计完成（万元，已审核）"),
        _("完成率（%）"),
        _("时间进度（%）"),
        _("考核月份"),
        _("已审核填报至（月）"),
        _("投资状态"),
        _("总投资（万元）"),
        _("累计完成投资（万元，已审核）"),
        _("计划资金（万元）"),
        _("到位资金（万元）"),
        _("计算日期"),
        _("说明"),
    ]


def _percent(value: float | None) -> float | str:
    return "" if value is None else round(value * 100, 1)


def _rows(lines: Sequence[ProjectInvestmentLine]) -> list[list[object]]:
    labels = dict(Rag.choices)
    out: list[list[object]] = []
    for line in lines:
        f = line.figures
        out.append(
            [
                line.project.code,
                line.name,
                line.initiative_name,
                f.year or "",
                _wan(f.plan),
                _wan(f.completed),
                _percent(f.rate),
                _percent(f.elapsed),
                f.month or "",
                f.through_month or "",
                str(labels.get(f.rag, f.rag)),
                _wan(f.total_plan),
                _wan(f.completed_total),
                _wan(f.funding_planned) if f.funding else "",
                _wan(f.funding_arrived) if f.funding else "",
                line.as_of.isoformat() if line.as_of else "",
                f.note,
            ]
        )
    return out


def investment_csv(lines: Sequence[ProjectInvestmentLine]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    writer.writerows(_rows(lines))
    return buffer.getvalue().encode("utf-8-sig")


def investment_xlsx(lines: Sequence[ProjectInvestmentLine]) -> bytes:
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # pragma: no cover — a new workbook has one worksheet
        raise TypeError("a new workbook starts with a worksheet")
    sheet.title = "investment"
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(lines):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
