"""The filtered project list as a download: CSV (UTF-8 with BOM, for Excel) and xlsx.

The same rows as the page (policy.selectors.projects): statuses from the stored read model.
Cells that a spreadsheet would run as a formula (=, +, -, @ first) are written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .models import Project
from .selectors.dashboard import ProjectRow
from .selectors.projects import project_list_rows

CHUNK = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _header() -> list[str]:
    return [
        _("项目代码"),
        _("项目"),
        _("任务方向"),
        _("所在市州"),
        _("阶段"),
        _("状态"),
        _("状态说明"),
        _("进度（%）"),
        _("下一个里程碑"),
        _("计划完成日期"),
        _("逾期天数"),
        _("责任单位"),
        _("项目负责人"),
        _("待审核"),
        _("状态计算日期"),
    ]


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cells(r: ProjectRow) -> list[object]:
    p = r.project
    nxt = r.next_milestone
    values: list[object] = [
        p.code,
        r.name,
        p.initiative.display_name(),
        r.region_name,
        str(p.get_phase_display()),
        str(r.status.rag.label),
        str(r.status.explanation),
        round(r.progress, 1) if r.progress is not None else "",
        nxt.title if nxt else "",
        nxt.due_date.isoformat() if nxt else "",
        nxt.days_overdue if nxt and nxt.days_overdue else "",
        p.owner_org,
        "、".join(r.owners),
        r.pending.total or "",
        r.as_of.isoformat() if r.as_of else "",
    ]
    return [_safe(v) if isinstance(v, str) else v for v in values]


def _rows(projects: QuerySet[Project]) -> Iterator[list[object]]:
    """Every matching project, CHUNK at a time (three queries a chunk, whatever the size)."""
    start = 0
    while True:
        chunk = list(projects[start : start + CHUNK])
        if not chunk:
            return
        for row in project_list_rows(chunk):
            yield _cells(row)
        start += CHUNK


def projects_csv(projects: QuerySet[Project]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    writer.writerows(_rows(projects))
    return buffer.getvalue().encode("utf-8-sig")


def projects_xlsx(projects: QuerySet[Project]) -> bytes:
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # pragma: no cover — a new workbook has one worksheet
        raise TypeError("a new workbook starts with a worksheet")
    sheet.title = str(_("项目清单"))[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(projects):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
