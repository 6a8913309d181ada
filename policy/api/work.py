"""Write endpoints: the same services as the forms, so permissions, validation, history and
approval are identical. Each write carries the version the client saw (409 on conflict)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema

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
from .errors import READ_ERRORS, WRITE_ERRORS
from .pagination import PageIn, page_of
from .schemas import NO_NUL, IsoDate, KpiValueOut, MilestoneOut, kpi_value_out, milestone_out

router = Router(tags=["updates"])


class MilestoneProgressIn(Schema):
    expected_version: int = Field(ge=1, le=2**31, description="读取时的 version；不一致返回 409")
    status: MilestoneStatus
    percent_complete: int = Field(ge=0, le=100)
    completed_on: IsoDate | None = None
    narrative: str = Field("", max_length=5000, pattern=NO_NUL)


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


class ReviewIn(Schema):
    note: str = Field("", max_length=2000, pattern=NO_NUL)


class ReturnIn(Schema):
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class KpiValueIn(Schema):
    period: str = Field(max_length=10, pattern=r"^\d{4}(-(H[12]|Q[1-4]|\d{2}))?$")
    value: float = Field(ge=-(10**15), le=10**15, allow_inf_nan=False, description="数值")
    comment: str = Field("", max_length=5000, pattern=NO_NUL)
    expected_version: int | None = Field(
        None, ge=1, le=2**31, description="该期已有数值时读取到的 version；新填报为空"
    )
    confirm_jump: bool = Field(False, description="数值为上一期十倍以上时，需确认后才能保存")


class KpiReviewIn(Schema):
    expected_version: int | None = Field(None, ge=1, le=2**31)


class KpiReturnIn(KpiReviewIn):
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


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
    "/milestones/{milestone_id}/progress",
    response={200: MilestoneProgressOut, **WRITE_ERRORS},
    operation_id="update_milestone_progress",
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
    "/milestone-updates/{update_id}/approve",
    response={200: MilestoneOut, **WRITE_ERRORS},
    operation_id="approve_milestone_update",
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
    "/milestone-updates/{update_id}/return",
    response={200: MilestoneUpdateOut, **WRITE_ERRORS},
    operation_id="return_milestone_update",
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
    "/kpis/{kpi_id}/values",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="submit_kpi_value",
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
    "/kpi-values/{value_id}/approve",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="approve_kpi_value",
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
    "/kpi-values/{value_id}/return",
    response={200: KpiValueOut, **WRITE_ERRORS},
    operation_id="return_kpi_value",
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
