"""Investment endpoints: a project's stored investment figures, and the writes (monthly reports
through the same review flow as KPI values, plans and funding by leads and admins).

Reads come from the stored read model (`policy.selectors.investment`), like the pages; writes
go through `policy.services.investment`, like the forms, so permissions, validation, history
and approval are identical.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Router, Schema

from ..models import AmountUnit, InvestmentEntry, InvestmentReport, ReviewState
from ..selectors.investment import (
    InvestmentFigures,
    investment_records,
    investment_reports,
    project_investment,
)
from ..selectors.program import project_status_row
from ..selectors.records import investment_report_get, project_get
from ..services.investment import (
    funding_set,
    investment_plan_set,
    investment_report_approve,
    investment_report_record,
    investment_report_return,
)
from ..status import Rag
from ..types import ApiRequest
from ..validators import NARRATIVE_MAX_LENGTH, REVIEW_NOTE_MAX_LENGTH
from .errors import ONE_ERRORS, WRITE_ERRORS
from .schemas import NO_NUL, QUALITY_DESCRIPTION, quality_out
from .work import StrictIn, refusals

router = Router(tags=["investment"])

Amount = Field(
    ge=0,
    le=10**12,
    allow_inf_nan=False,
    description="金额，单位见 unit（万元 wan 或亿元 yi）；按书写的数字精确保存，最多精确到分",
)


def exact(value: float) -> Decimal:
    """A JSON number as the decimal that was written (0.1 stays 0.1), as the KPI writes do."""
    return Decimal(repr(value))


REPORT_RULES = (
    "period 为 2026-06 这样的月份且已开始；entered_as 为 monthly（当月完成）或 cumulative"
    "（自年初累计），另一个由系统推算；累计数低于此前月份、或上月未填报时按 monthly 填报，"
    "均被拒绝并说明原因；当月完成为上月十倍以上（或十分之一以下）、超过项目总投资"
    "或远离此前各月水平时返回 code=needs_confirmation，须带 "
    '"confirm_jump": true 重新提交，该月保存后标为存疑（quality 字段）。'
)
REPORT_CONFLICT = "该月填报在您读取后已被修改：重新读取后用新的 expected_version 再提交。"


class MonthOut(Schema):
    month: int
    monthly_yuan: Decimal | None = Field(description="当月完成（元，已审核）")
    cumulative_yuan: Decimal | None = Field(description="自年初累计完成（元，已审核）")
    plan_cumulative_yuan: Decimal | None = Field(description="累计计划（元）")
    covers: int = Field(description="当月数覆盖的月数（此前月份未填报时大于 1）")


class FundingOut(Schema):
    source: str
    name: str
    planned_yuan: Decimal
    arrived_yuan: Decimal
    version: int | None = Field(description="写入时作为 expected_version 提交")


class PlanOut(Schema):
    year: int
    quarter: int | None
    amount_yuan: Decimal
    note: str
    version: int = Field(description="修改时作为 expected_version 提交")


class InvestmentReportOut(Schema):
    id: int
    period: str
    entered_as: InvestmentEntry
    amount_yuan: Decimal = Field(description="最新填报金额（元，可能待审核）")
    entered_unit: AmountUnit
    approved_as: str = Field(description="已审核口径（空：尚未审核通过）")
    approved_amount_yuan: Decimal | None = Field(description="已审核金额（元）；看板使用此值")
    state: ReviewState
    comment: str
    review_note: str
    version: int
    quality: str | None = Field(None, description=QUALITY_DESCRIPTION)
    quality_rules: list[str] = Field(default_factory=list, description="存疑所违反的规则代码")


class InvestmentOut(Schema):
    project_id: int
    year: int | None
    plan_yuan: Decimal | None = Field(description="本年计划投资（元）")
    completed_yuan: Decimal | None = Field(description="本年已审核累计完成（元）")
    rate: float | None = Field(description="完成率（0–1）")
    elapsed: float | None = Field(description="时间进度（0–1，按应报月份）")
    month: int | None = Field(description="考核月份")
    through_month: int | None = Field(description="已审核填报至（月）")
    rag: Rag = Field(description="投资规则的状态颜色")
    total_plan_yuan: Decimal | None = Field(description="总投资（元）")
    completed_total_yuan: Decimal | None = Field(description="历年累计完成（元，已审核）")
    note: str = Field(description="计划说明（如演示数据）")
    as_of: dt.date | None = Field(description="计算日期")
    months: list[MonthOut]
    funding: list[FundingOut]
    plans: list[PlanOut] = Field(description="各年度（季度）计划投资记录")
    reports: list[InvestmentReportOut] = Field(description="最近的月度填报（含待审核）")


class InvestmentReportIn(StrictIn):
    period: str = Field(max_length=7, pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")
    entered_as: InvestmentEntry = InvestmentEntry.CUMULATIVE
    amount: float = Amount
    unit: AmountUnit = AmountUnit.WAN
    comment: str = Field("", max_length=NARRATIVE_MAX_LENGTH, pattern=NO_NUL)
    expected_version: int | None = Field(
        None, ge=1, le=2**31, description="该月已有填报时读取到的 version；新填报为空"
    )
    confirm_jump: bool = False


class ReportReviewIn(StrictIn):
    expected_version: int | None = Field(None, ge=1, le=2**31)


class ReportReturnIn(ReportReviewIn):
    reason: str = Field(min_length=1, max_length=REVIEW_NOTE_MAX_LENGTH, pattern=NO_NUL)


class PlanIn(StrictIn):
    year: int = Field(ge=2000, le=2099)
    quarter: int | None = Field(None, ge=1, le=4, description="留空为全年计划")
    amount: float = Amount
    unit: AmountUnit = AmountUnit.WAN
    note: str = Field("", max_length=300, pattern=NO_NUL)
    expected_version: int | None = Field(
        None, ge=1, le=2**31, description="该年度（季度）计划已有时读取到的 version；新设为空"
    )


class FundingIn(StrictIn):
    source: str = Field(max_length=40, pattern=r"^[-a-z0-9_]+$", description="资金来源代码")
    planned: float = Amount
    arrived: float = Amount
    unit: AmountUnit = AmountUnit.WAN
    note: str = Field("", max_length=300, pattern=NO_NUL)
    expected_version: int | None = Field(None, ge=1, le=2**31)


def report_out(row: InvestmentReport) -> dict[str, Any]:
    return {
        "id": row.pk,
        "period": row.period,
        "entered_as": row.entered_as,
        "amount_yuan": row.amount_yuan,
        "entered_unit": row.entered_unit,
        "approved_as": row.approved_as,
        "approved_amount_yuan": row.approved_amount_yuan,
        "state": row.state,
        "comment": row.comment,
        "review_note": row.review_note,
        "version": row.version,
        **quality_out(row),
    }


def _figures_out(
    project_id: int, figures: InvestmentFigures, as_of: dt.date | None
) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "year": figures.year,
        "plan_yuan": figures.plan,
        "completed_yuan": figures.completed,
        "rate": figures.rate,
        "elapsed": figures.elapsed,
        "month": figures.month,
        "through_month": figures.through_month,
        "rag": figures.rag,
        "total_plan_yuan": figures.total_plan,
        "completed_total_yuan": figures.completed_total,
        "note": figures.note,
        "as_of": as_of,
        "months": [
            {
                "month": m.month,
                "monthly_yuan": m.monthly,
                "cumulative_yuan": m.cumulative,
                "plan_cumulative_yuan": m.plan_cumulative,
                "covers": m.covers,
            }
            for m in figures.months
        ],
        "funding": [
            {
                "source": f.code,
                "name": f.name,
                "planned_yuan": f.planned,
                "arrived_yuan": f.arrived,
            }
            for f in figures.funding
        ],
    }


def _investment(request: ApiRequest, project_id: int) -> dict[str, Any]:
    project = project_get(request.auth, project_id)
    project = type(project).objects.select_related("status_row").get(pk=project.pk)
    row = project_status_row(project)
    out = _figures_out(project.pk, project_investment(row), row.as_of if row else None)
    records = investment_records(project)
    for funding in out["funding"]:
        funding["version"] = records.funding_versions.get(funding["source"])
    out["plans"] = records.plans
    out["reports"] = [report_out(r.report) for r in investment_reports(project, limit=24)]
    return out


@router.get(
    "/projects/{int:project_id}/investment",
    response={200: InvestmentOut, **ONE_ERRORS},
    operation_id="get_project_investment",
    summary="项目投资：本年计划、已审核月度完成、完成率与时间进度、资金来源（计划与到位）",
)
def get_project_investment(request: ApiRequest, project_id: int) -> dict[str, Any]:
    return _investment(request, project_id)


@router.post(
    "/projects/{int:project_id}/investment/reports",
    response={200: InvestmentReportOut, **WRITE_ERRORS},
    operation_id="submit_investment_report",
    openapi_extra=refusals(invalid=REPORT_RULES, conflict=REPORT_CONFLICT),
    summary="填报一个月的完成投资：负责人提交待审核，牵头部门直接生效",
)
def submit_investment_report(
    request: ApiRequest, project_id: int, payload: InvestmentReportIn
) -> dict[str, Any]:
    project_get(request.auth, project_id)  # 404 before 403, as the pages do
    data = payload.dict()
    data["amount"] = exact(data["amount"])
    row = investment_report_record(
        actor=request.auth, project_id=project_id, channel="api", **data
    )
    return report_out(row)


@router.post(
    "/investment-reports/{int:report_id}/approve",
    response={200: InvestmentReportOut, **WRITE_ERRORS},
    operation_id="approve_investment_report",
    openapi_extra=refusals(
        invalid="该填报不在待审核状态。",
        conflict=REPORT_CONFLICT + "或按已审核数据推算不成立（如前一个月的填报尚待审核）。",
    ),
    summary="牵头部门审核通过一个月的完成投资",
)
def approve_investment_report(
    request: ApiRequest, report_id: int, payload: ReportReviewIn
) -> dict[str, Any]:
    investment_report_get(request.auth, report_id)
    row = investment_report_approve(
        actor=request.auth,
        report_id=report_id,
        expected_version=payload.expected_version,
        channel="api",
    )
    return report_out(row)


@router.post(
    "/investment-reports/{int:report_id}/return",
    response={200: InvestmentReportOut, **WRITE_ERRORS},
    operation_id="return_investment_report",
    openapi_extra=refusals(invalid="退回原因为空或过长。", conflict=REPORT_CONFLICT),
    summary="牵头部门退回一个月的完成投资（须写明原因）",
)
def return_investment_report(
    request: ApiRequest, report_id: int, payload: ReportReturnIn
) -> dict[str, Any]:
    investment_report_get(request.auth, report_id)
    row = investment_report_return(
        actor=request.auth,
        report_id=report_id,
        reason=payload.reason,
        expected_version=payload.expected_version,
        channel="api",
    )
    return report_out(row)


@router.post(
    "/projects/{int:project_id}/investment/plans",
    response={200: InvestmentOut, **WRITE_ERRORS},
    operation_id="set_investment_plan",
    openapi_extra=refusals(
        invalid="年度、季度或金额有误。",
        conflict="该计划在您读取后已被修改：用新的 expected_version 再提交。",
    ),
    summary="设定项目某年（或某季度）的计划投资（牵头部门、管理员）",
)
def set_investment_plan(request: ApiRequest, project_id: int, payload: PlanIn) -> dict[str, Any]:
    project_get(request.auth, project_id)
    data = payload.dict()
    data["amount"] = exact(data["amount"])
    investment_plan_set(actor=request.auth, project_id=project_id, channel="api", **data)
    return _investment(request, project_id)


@router.post(
    "/projects/{int:project_id}/investment/funding",
    response={200: InvestmentOut, **WRITE_ERRORS},
    operation_id="set_project_funding",
    openapi_extra=refusals(
        invalid="资金来源不存在或已停用，或金额有误。",
        conflict="该资金来源在您读取后已被修改：用新的 expected_version 再提交。",
    ),
    summary="设定项目某一资金来源的计划资金与到位资金（牵头部门、管理员）",
)
def set_project_funding(
    request: ApiRequest, project_id: int, payload: FundingIn
) -> dict[str, Any]:
    project_get(request.auth, project_id)
    data = payload.dict()
    data["planned"], data["arrived"] = exact(data["planned"]), exact(data["arrived"])
    funding_set(
        actor=request.auth,
        project_id=project_id,
        source_code=data.pop("source"),
        channel="api",
        **data,
    )
    return _investment(request, project_id)
