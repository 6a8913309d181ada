"""Downloads as tables: CSV (UTF-8 with BOM, for Excel) and xlsx.

- the filtered project list: the same rows as the page (policy.selectors.projects), statuses
  from the stored read model;
- the programme's investment: the stored read model
  (`policy.selectors.investment.investment_lines`), the same figures the pages, the API and the
  briefings show, with the day they were computed for and the plan's note (演示数据 in the demo).

Cells that a spreadsheet would run as a formula (=, +, -, @ first) are written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from .models import Project
from .selectors.dashboard import ProjectRow
from .selectors.investment import ProjectInvestmentLine
from .selectors.projects import project_list_rows
from .status import Rag

CHUNK = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: list[str], rows: Iterable[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # pragma: no cover — a new workbook has one worksheet
        raise TypeError("a new workbook starts with a worksheet")
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- the project list --------------------------------------------------------------------------


def _project_header() -> list[str]:
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


def _project_cells(r: ProjectRow) -> list[object]:
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
    return [_safe(v) for v in values]


def _project_rows(projects: QuerySet[Project]) -> Iterator[list[object]]:
    """Every matching project, CHUNK at a time (three queries a chunk, whatever the size)."""
    start = 0
    while True:
        chunk = list(projects[start : start + CHUNK])
        if not chunk:
            return
        for row in project_list_rows(chunk):
            yield _project_cells(row)
        start += CHUNK


def projects_csv(projects: QuerySet[Project]) -> bytes:
    return _csv(_project_header(), _project_rows(projects))


def projects_xlsx(projects: QuerySet[Project]) -> bytes:
    return _xlsx(str(_("项目清单")), _project_header(), _project_rows(projects))


# -- investment --------------------------------------------------------------------------------


def _wan(value: Decimal | None) -> Decimal | str:
    """Yuan as 万元, exactly (the column header says the unit)."""
    return "" if value is None else value / Decimal(10_000)


def _percent(value: float | None) -> float | str:
    return "" if value is None else round(value * 100, 1)


def _investment_header() -> list[str]:
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
        _("存疑月份（数据质量）"),
    ]


def _investment_rows(lines: Sequence[ProjectInvestmentLine]) -> list[list[object]]:
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
                _("；").join(
                    _("%(what)s 存疑：%(text)s") % {"what": what, "text": text}
                    for what, text in line.doubts
                ),
            ]
        )
        out[-1] = [_safe(v) for v in out[-1]]
    return out


def investment_csv(lines: Sequence[ProjectInvestmentLine]) -> bytes:
    return _csv(_investment_header(), _investment_rows(lines))


def investment_xlsx(lines: Sequence[ProjectInvestmentLine]) -> bytes:
    return _xlsx("investment", _investment_header(), _investment_rows(lines))
