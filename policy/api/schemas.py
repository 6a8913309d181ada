"""Input and output schemas of the program endpoints. Fields are listed explicitly.

A field with a fixed set of values is typed with the model's choices (or the status rules'
`Rag`), so the OpenAPI document lists the allowed values and anything else is a 422.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import BeforeValidator

from ..models import (
    EntryQuality,
    KpiDirection,
    KpiFrequency,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProjectPhase,
    ReviewState,
)
from ..status import Rag

# A NUL byte cannot be stored or searched in PostgreSQL text: refuse it as invalid input.
NO_NUL = r"^[^\x00]*$"


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would otherwise read "0" as a Unix timestamp (1970-01-01)."""
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class StatusOut(Schema):
    rag: Rag = Field(description="计算状态；grey 表示无数据")
    explanation: str
    as_of: dt.date | None = Field(
        description="状态的计算日期（逾期天数按此日计算）；尚未计算时为 null"
    )
    revision: int = Field(description="状态的修订号：内容每变化一次加 1")


class InitiativeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    lead_department_zh: str
    lead_department_en: str
    order: int
    colour: str
    project_count: int
    status: StatusOut


class StatusChangeOut(Schema):
    day: dt.date = Field(description="新状态生效的日期（按该日计算）")
    from_rag: str | None = Field(description="原状态；null 表示该对象的第一条记录（记录自此开始）")
    to_rag: str = Field(description="新状态：green / amber / red / grey")
    colour_changed: bool = Field(description="颜色是否改变（否：仅原因变化）")
    explanation: str = Field(description="当时的原因，逾期天数按生效日期计算")
    recorded_at: dt.datetime


class StatusChangePage(Schema):
    count: int
    page: int
    page_size: int
    history_starts: dt.date | None = Field(description="系统开始记录状态变化的日期")
    items: list[StatusChangeOut]


class RegionRef(Schema):
    code: str
    name_zh: str
    name_en: str


class ProjectOut(Schema):
    id: int
    code: str
    initiative: str = Field(description="任务方向代码")
    name_zh: str
    name_en: str
    owner_org: str
    region: RegionRef | None
    lon: float | None
    lat: float | None
    phase: ProjectPhase
    planned_start: dt.date | None
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None
    planned_investment_yuan: Decimal | None = Field(description="总投资（元）")
    actual_investment_yuan: Decimal | None = Field(
        description="累计完成投资（元）：已审核月度填报的合计，与项目页相同；明细见 /investment"
    )
    owners: list[str] = Field(description="项目负责人用户名")
    status: StatusOut


class ProjectFilter(Schema):
    initiative: str | None = Field(None, max_length=40, pattern=NO_NUL, description="任务方向代码")
    region: str | None = Field(
        None, max_length=16, pattern=NO_NUL, description="地区代码（如 510100）"
    )
    status: Rag | None = Field(None, description="计算状态")
    phase: str | None = Field(None, max_length=16, pattern=NO_NUL)
    owner: str | None = Field(None, max_length=150, pattern=NO_NUL, description="负责人用户名")
    q: str | None = Field(None, max_length=100, pattern=NO_NUL, description="按名称或代码搜索")


class MilestoneOut(Schema):
    id: int
    project_id: int
    title_zh: str
    title_en: str
    due_date: dt.date
    completed_on: dt.date | None
    status: MilestoneStatus
    percent_complete: int
    weight: int
    narrative: str
    version: int = Field(description="乐观锁版本号：更新时原样提交")
    is_overdue: bool


class MilestoneFilter(Schema):
    project: int | None = Field(None, ge=1, le=2**62)
    status: MilestoneStatus | None = Field(None, description="里程碑状态")
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None


class KpiTargetOut(Schema):
    target_date: dt.date
    value: Decimal


QUALITY_DESCRIPTION = (
    "最新填报值违反数据质量规则（跳变、合理范围、离群值）且填报人确认后保存时的说明："
    "该值保留但标为存疑，不应当作事实引用，直至数据质量核查确认；无则为空"
)


def quality_out(row: EntryQuality) -> dict[str, Any]:
    """The flag of an owner-entered figure as the API shows it (as observations' `quality`)."""
    return {
        "quality": row.quality_text if row.is_doubtful else None,
        "quality_rules": row.quality_rules if row.is_doubtful else [],
    }


class KpiValueOut(Schema):
    id: int
    period: str
    period_end: dt.date
    value: Decimal = Field(description="最新填报值（可能待审核）")
    approved_value: Decimal | None = Field(description="最近审核通过的值；看板和简报使用此值")
    state: ReviewState = Field(description="审核状态")
    comment: str
    version: int
    quality: str | None = Field(
        None,
        description=QUALITY_DESCRIPTION,
    )
    quality_rules: list[str] = Field(default_factory=list, description="存疑所违反的规则代码")


class KpiOut(Schema):
    id: int
    code: str
    initiative: str | None
    project_id: int | None
    name_zh: str
    name_en: str
    unit: str
    direction: KpiDirection
    frequency: KpiFrequency
    baseline_value: Decimal | None
    baseline_date: dt.date | None
    definition: str
    definition_version: int
    targets: list[KpiTargetOut]
    values: list[KpiValueOut]


class KpiFilter(Schema):
    initiative: str | None = Field(None, max_length=40, pattern=NO_NUL)
    project: int | None = Field(None, ge=1, le=2**62)


class InitiativePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[InitiativeOut]


class ProjectPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProjectOut]


class MilestonePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MilestoneOut]


class KpiPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[KpiOut]


# Serializers several API modules answer with: model → the schema's fields.


def milestone_out(milestone: Milestone) -> dict[str, Any]:
    """A milestone as `MilestoneOut` (the reads and the progress write answer alike)."""
    return {
        "id": milestone.pk,
        "project_id": milestone.project_id,
        "title_zh": milestone.title_zh,
        "title_en": milestone.title_en,
        "due_date": milestone.due_date,
        "completed_on": milestone.completed_on,
        "status": milestone.status,
        "percent_complete": milestone.percent_complete,
        "weight": milestone.weight,
        "narrative": milestone.narrative,
        "version": milestone.version,
        "is_overdue": milestone.days_overdue(timezone.localdate()) > 0,
    }


def kpi_value_out(row: KpiValue) -> dict[str, Any]:
    """A KPI value as `KpiValueOut` (the KPI reads and the value writes answer alike)."""
    return {
        "id": row.pk,
        "period": row.period,
        "period_end": row.period_end,
        "value": row.value,
        "approved_value": row.approved_value,
        "state": row.state,
        "comment": row.comment,
        "version": row.version,
        **quality_out(row),
    }
