"""Write endpoints: the same services as the forms, so permissions, validation, history and
approval are identical. Each write carries the version the client saw (409 on conflict)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from ..models import MilestoneStatus, MilestoneUpdate, UpdateState
from ..selectors.records import (
    kpi_get,
    kpi_value_get,
    milestone_get,
    milestone_update_get,
    milestone_update_search,
)
from ..services.kpis import kpi_value_approve, kpi_value_record, kpi_value_return
from ..services.milestones import (
    milestone_record_progress,
    milestone_update_approve,
    milestone_update_return,
)
from ..types import ApiRequest, User
from ..validators import NARRATIVE_MAX_LENGTH, PERIOD_PATTERN, REVIEW_NOTE_MAX_LENGTH
from .errors import READ_ERRORS, WRITE_ERRORS
from .pagination import PageIn, page_of
from .schemas import NO_NUL, IsoDate, KpiValueOut, MilestoneOut, kpi_value_out, milestone_out

router = Router(tags=["updates"])


class StrictIn(Schema):
    """A request body: a property the schema does not name is refused (422), not ignored."""

    model_config = ConfigDict(extra="forbid")


def refusals(*, invalid: str, conflict: str) -> dict[str, Any]:
    """openapi_extra describing the 400 (business rule) and 409 (conflict) answers."""
    return {
        "responses": {
            400: {
                "description": "业务规则拒绝（code 为 invalid 等，detail 说明原因）：" + invalid
            },
            409: {"description": "冲突（code=conflict）：" + conflict},
            429: {"description": "请求过于频繁（code=throttled），Retry-After 头给出秒数"},
        }
    }


PROGRESS_RULES = (
    "状态为 done 时 percent_complete 须为 100，并须填写 completed_on（不晚于今天、不早于项目"
    "实际开工日期）；not_started 时 percent_complete 须为 0；其他状态不能填写 completed_on；"
    "与当前内容完全相同的提交会被拒绝。"
)
VERSION_CONFLICT = "里程碑在您读取后已被他人修改或有新的提交：重新读取后用新的 version 再提交。"
REVIEW_CONFLICT = "该申请已被处理，或里程碑在提交后已被修改。"
KPI_RULES = (
    "period 须符合该指标的报送频率（年度 2025、半年 2025-H1、季度 2025-Q3、月度 2025-06）且"
    "该期已开始；单位为 % 时 value 须在 0–100 之间，其他单位不能为负；外部自动采集的指标不能"
    "手工填报；value 违反数据质量规则（为上一期十倍以上或十分之一以下、超出指标的合理范围、"
    "远离此前各期的水平）时返回 code=needs_confirmation，须带 "
    '"confirm_jump": true 重新提交，该值保存后标为存疑（quality 字段）。'
)
KPI_CONFLICT = "该期数值在您读取后已被修改：重新读取后用新的 expected_version 再提交。"


class MilestoneProgressIn(StrictIn):
    expected_version: int = Field(ge=1, le=2**31, description="读取时的 version；不一致返回 409")
    status: MilestoneStatus
    percent_complete: int = Field(ge=0, le=100)
    completed_on: IsoDate | None = None
    narrative: str = Field("", max_length=NARRATIVE_MAX_LENGTH, pattern=NO_NUL)


class MilestoneUpdateOut(Schema):
    id: int
    milestone_id: int
    state: UpdateState = Field(description="审核状态")
    status: MilestoneStatus
    percent_complete: int
    completed_on: dt.date | None
    narrative: str
    base_version: int
    submitted_by: str | None
    submitted_at: dt.datetime
    reviewed_by: str | None
    review_note: str


class MilestoneProgressOut(Schema):
    applied: bool = Field(description="true：牵头部门/管理员直接生效；false：待审核")
    milestone: MilestoneOut
    update: MilestoneUpdateOut | None


class ReviewIn(StrictIn):
    note: str = Field("", max_length=REVIEW_NOTE_MAX_LENGTH, pattern=NO_NUL)


class ReturnIn(StrictIn):
    reason: str = Field(min_length=1, max_length=REVIEW_NOTE_MAX_LENGTH, pattern=NO_NUL)


class KpiValueIn(StrictIn):
    period: str = Field(
        max_length=10,
        pattern=PERIOD_PATTERN,
        description="按指标的报送频率书写：2025、2025-H1、2025-Q3 或 2025-06（1900–2099 年）",
    )
    value: float = Field(ge=-(10**15), le=10**15, allow_inf_nan=False, description="数值")
    comment: str = Field("", max_length=NARRATIVE_MAX_LENGTH, pattern=NO_NUL)
    expected_version: int | None = Field(
        None, ge=1, le=2**31, description="该期已有数值时读取到的 version；新填报为空"
    )
    confirm_jump: bool = Field(
        False, description="数值违反数据质量规则时，需确认后才能保存（保存后标为存疑）"
    )


class KpiReviewIn(StrictIn):
    expected_version: int | None = Field(None, ge=1, le=2**31)


class KpiReturnIn(KpiReviewIn):
    reason: str = Field(min_length=1, max_length=REVIEW_NOTE_MAX_LENGTH, pattern=NO_NUL)


class UpdateFilter(Schema):
    state: UpdateState | None = None
    milestone: int | None = Field(None, ge=1, le=2**62)


class MilestoneUpdatePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MilestoneUpdateOut]


def _user_name(user: User | None) -> str | None:
    return user.username if user is not None else None


def _update_out(update: MilestoneUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "milestone_id": update.milestone_id,
        "state": update.state,
        "status": update.status,
        "percent_complete": update.percent_complete,
        "completed_on": update.completed_on,
        "narrative": update.narrative,
        "base_version": update.base_version,
        "submitted_by": _user_name(update.submitted_by),
        "submitted_at": update.submitted_at,
        "reviewed_by": _user_name(update.reviewed_by),
        "review_note": update.review_note,
    }


@router.post(
    "/milestones/{int:milestone_id}/progress",
    response={200: MilestoneProgressOut, **WRITE_ERRORS},
    operation_id="update_milestone_progress",
    openapi_extra=refusals(invalid=PROGRESS_RULES, conflict=VERSION_CONFLICT),
    summary="报告里程碑进展：负责人提交待审核，牵头部门直接生效（附件请用网页表单）",
)
def update_milestone_progress(
    request: ApiRequest, milestone_id: int, payload: MilestoneProgressIn
) -> dict[str, Any]:
    milestone_get(request.auth, milestone_id)  # 404 before 403, as the pages do
    result = milestone_record_progress(
        actor=request.auth, milestone_id=milestone_id, channel="api", **payload.dict()
    )
    return {
        "applied": result.applied,
        "milestone": milestone_out(result.milestone),
        "update": _update_out(result.update) if result.update else None,
    }


@router.get(
    "/milestone-updates",
    response={200: MilestoneUpdatePage, **READ_ERRORS},
    operation_id="list_milestone_updates",
    summary="负责人提交的里程碑更新申请（按状态筛选，如待审核）",
)
def list_milestone_updates(
    request: ApiRequest, filters: Query[UpdateFilter], page: Query[PageIn]
) -> dict[str, Any]:
    qs = milestone_update_search(request.auth, state=filters.state, milestone=filters.milestone)
    result = page_of(qs, page)
    result["items"] = [_update_out(u) for u in result["items"]]
    return result


@router.post(
    "/milestone-updates/{int:update_id}/approve",
    response={200: MilestoneOut, **WRITE_ERRORS},
    operation_id="approve_milestone_update",
    openapi_extra=refusals(invalid="审核意见过长。", conflict=REVIEW_CONFLICT),
    summary="牵头部门审核通过一条里程碑更新申请",
)
def approve_milestone_update(
    request: ApiRequest, update_id: int, payload: ReviewIn
) -> dict[str, Any]:
    milestone_update_get(request.auth, update_id)  # 404 before 403, as the pages do
    milestone = milestone_update_approve(
        actor=request.auth, update_id=update_id, note=payload.note, channel="api"
    )
    return milestone_out(milestone)


@router.post(
    "/milestone-updates/{int:update_id}/return",
    response={200: MilestoneUpdateOut, **WRITE_ERRORS},
    operation_id="return_milestone_update",
    openapi_extra=refusals(invalid="退回原因为空或过长。", conflict=REVIEW_CONFLICT),
    summary="牵头部门退回一条里程碑更新申请（须写明原因）",
)
def return_milestone_update(
    request: ApiRequest, update_id: int, payload: ReturnIn
) -> dict[str, Any]:
    milestone_update_get(request.auth, update_id)  # 404 before 403, as the pages do
    update = milestone_update_return(
        actor=request.auth, update_id=update_id, reason=payload.reason, channel="api"
    )
    return _update_out(update)


@router.post(
    "/kpis/{int:kpi_id}/values",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="submit_kpi_value",
    openapi_extra=refusals(invalid=KPI_RULES, conflict=KPI_CONFLICT),
    summary="填报一期指标值：负责人提交待审核，牵头部门直接生效",
)
def submit_kpi_value(request: ApiRequest, kpi_id: int, payload: KpiValueIn) -> dict[str, Any]:
    kpi_get(request.auth, kpi_id)
    data = payload.dict()
    # JSON numbers arrive as floats; the value is stored as a decimal of what was written.
    data["value"] = Decimal(repr(data["value"])).quantize(Decimal("0.0001"))
    row = kpi_value_record(actor=request.auth, kpi_id=kpi_id, channel="api", **data)
    return kpi_value_out(row)


@router.post(
    "/kpi-values/{int:value_id}/approve",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="approve_kpi_value",
    openapi_extra=refusals(invalid="该期数值不在待审核状态。", conflict=KPI_CONFLICT),
    summary="牵头部门审核通过一期指标值",
)
def approve_kpi_value(request: ApiRequest, value_id: int, payload: KpiReviewIn) -> dict[str, Any]:
    kpi_value_get(request.auth, value_id)
    row = kpi_value_approve(
        actor=request.auth,
        value_id=value_id,
        expected_version=payload.expected_version,
        channel="api",
    )
    return kpi_value_out(row)


@router.post(
    "/kpi-values/{int:value_id}/return",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="return_kpi_value",
    openapi_extra=refusals(invalid="退回原因为空或过长。", conflict=KPI_CONFLICT),
    summary="牵头部门退回一期指标值（须写明原因）",
)
def return_kpi_value(request: ApiRequest, value_id: int, payload: KpiReturnIn) -> dict[str, Any]:
    kpi_value_get(request.auth, value_id)
    row = kpi_value_return(
        actor=request.auth,
        value_id=value_id,
        reason=payload.reason,
        expected_version=payload.expected_version,
        channel="api",
    )
    return kpi_value_out(row)
