"""Change history of a project: its own edits, milestones, KPIs and KPI values, investment
(monthly reports, plans, funding), and reviews.

Reads simple_history's tables (who, when, old → new; channel and review step come from the
change reason the services write as "<channel>:<step>") plus the owners' milestone
submissions. Amounts are shown in 万元/亿元 (`policy.formatting.yuan`). Nine queries whatever
the number of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.quality import flag_text

from ..formatting import yuan
from ..i18n import english
from ..models import (
    FundingSource,
    InvestmentPlan,
    InvestmentReport,
    Kpi,
    KpiValue,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectFunding,
)
from ..services.common import parse_change_reason
from ..services.milestones import PROGRESS_FIELDS
from ..types import AnyUser, User
from .records import kpi_get, project_get

IGNORED = {"id", "version", "updated_at", "created_at", "entered_at", "reviewed_at"}
# Fields that name the record (shown in its label) or repeat its month in other words.
IDENTITY: dict[type[models.Model], set[str]] = {
    InvestmentReport: {"period", "year", "month", "period_end"},
    InvestmentPlan: {"year", "quarter"},
}
# Amounts are stored in yuan and shown in 万元/亿元: their labels drop the "（元）".
AMOUNT_LABELS = {
    "planned_investment_yuan": gettext_lazy("总投资"),
    "actual_investment_yuan": gettext_lazy("完成投资"),
    "approved_amount_yuan": gettext_lazy("已审核金额"),
    "planned_yuan": gettext_lazy("计划资金"),
    "arrived_yuan": gettext_lazy("到位资金"),
}
MODEL_AMOUNT_LABELS = {
    InvestmentPlan: gettext_lazy("计划投资"),
    InvestmentReport: gettext_lazy("填报金额"),
}

CHANNEL_LABELS = {
    "form": gettext_lazy("表单"),
    "api": gettext_lazy("接口"),
    "admin": gettext_lazy("管理后台"),
    "system": gettext_lazy("系统"),
}
STEP_LABELS = {
    "direct": gettext_lazy("直接修改"),
    "submitted": gettext_lazy("提交审核"),
    "approved": gettext_lazy("审核通过"),
    "returned": gettext_lazy("退回修改"),
    "edit": gettext_lazy("修改"),
    "+": gettext_lazy("新建"),
    "~": gettext_lazy("修改"),
    "-": gettext_lazy("删除"),
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    """One recorded step: who did what to which object, through which channel."""

    when: dt.datetime
    who: str
    object_kind: str
    object_label: str
    channel: str
    channel_label: str
    step: str
    step_label: str
    changes: tuple[FieldChange, ...] = field(default=())
    note: str = ""


def _who(user: User | None) -> str:
    if user is None:
        return str(_("系统"))
    return user.get_full_name() or user.get_username()


def _tracked(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    skip = IGNORED | IDENTITY.get(model, set())
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in skip and not f.is_relation and not f.name.startswith("history_")
    ]


def _label(f: models.Field[Any, Any]) -> str:
    if f.name == "amount_yuan" and f.model in MODEL_AMOUNT_LABELS:
        return str(MODEL_AMOUNT_LABELS[f.model])
    return str(AMOUNT_LABELS.get(f.name, f.verbose_name))


def _shown(f: models.Field[Any, Any], value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.name == "quality_flags":  # a data-quality flag: its comparisons, not the JSON
        return _("；").join(flag_text(x["rule"], x["params"]) for x in value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if f.name == "percent_complete":
        return f"{value}%"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, Decimal):
        return yuan(value) if f.name.endswith("_yuan") else format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def _diff(fields: list[models.Field[Any, Any]], old: Any, new: Any) -> tuple[FieldChange, ...]:
    changes = []
    for f in fields:
        before = getattr(old, f.attname) if old is not None else None
        after = getattr(new, f.attname)
        if before != after and not (old is None and after in (None, "", [])):
            changes.append(FieldChange(_label(f), _shown(f, before), _shown(f, after)))
    return tuple(changes)


def _history_rows(
    records: Iterable[Any], kind: str, label_of: Callable[[Any], str], model: type[models.Model]
) -> list[HistoryRow]:
    """Rows of simple_history records (historical models are built at run time: Any)."""
    fields = _tracked(model)
    rows: list[HistoryRow] = []
    previous: dict[int, Any] = {}
    for record in records:
        object_id = record.id
        old = previous.get(object_id)
        previous[object_id] = record
        channel, step = parse_change_reason(record.history_change_reason)
        step = step or record.history_type
        changes = () if record.history_type == "-" else _diff(fields, old, record)
        if not changes and record.history_type == "~":
            continue  # a save that changed nothing visible (e.g. only the version)
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=_who(record.history_user),
                object_kind=kind,
                object_label=label_of(record),
                channel=channel,
                channel_label=str(CHANNEL_LABELS.get(channel, channel)),
                step=step,
                step_label=str(STEP_LABELS.get(step, step)),
                changes=changes,
            )
        )
    return rows


def _ordered(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_related("history_user").order_by("history_date", "history_id")


def _milestone_field(name: str) -> models.Field[Any, Any]:
    column = Milestone._meta.get_field(name)
    if not isinstance(column, models.Field):  # pragma: no cover — progress fields are columns
        raise TypeError(name)
    return column


def _submission_rows(
    updates: Iterable[MilestoneUpdate], titles: dict[int, str]
) -> list[HistoryRow]:
    labels = {f: str(_milestone_field(f).verbose_name) for f in PROGRESS_FIELDS}
    rows = []
    for update in updates:
        changes = []
        for name in PROGRESS_FIELDS:
            old, new = update.previous.get(name), getattr(update, name)
            new = new.isoformat() if isinstance(new, dt.date) else new
            if old != new:
                f = _milestone_field(name)
                changes.append(FieldChange(labels[name], _shown(f, old), _shown(f, new)))
        files = len(update.evidence.all())
        note = _("附佐证材料 %(n)d 份") % {"n": files} if files else ""
        row = partial(
            HistoryRow,
            object_kind=str(_("里程碑")),
            object_label=titles.get(update.milestone_id, ""),
            channel=update.channel,
            channel_label=str(CHANNEL_LABELS.get(update.channel, update.channel)),
        )
        rows.append(
            row(
                when=update.submitted_at,
                who=_who(update.submitted_by),
                step="submitted",
                step_label=str(STEP_LABELS["submitted"]),
                changes=tuple(changes),
                note=note,
            )
        )
        if update.state == "returned" and update.reviewed_at:
            rows.append(
                row(
                    when=update.reviewed_at,
                    who=_who(update.reviewed_by),
                    step="returned",
                    step_label=str(STEP_LABELS["returned"]),
                    note=update.review_note,
                )
            )
    return rows


def _rows(project: Project, *, milestone_id: int | None = None) -> list[HistoryRow]:
    en = english()
    ms_records = Milestone.history.filter(project_id=project.pk)
    updates = MilestoneUpdate.objects.filter(milestone__project_id=project.pk)
    if milestone_id is not None:
        ms_records = ms_records.filter(id=milestone_id)
        updates = updates.filter(milestone_id=milestone_id)
    ms_records = list(_ordered(ms_records))
    titles = {r.id: (r.title_en or r.title_zh) if en else r.title_zh for r in ms_records}
    rows = _history_rows(ms_records, str(_("里程碑")), lambda r: titles[r.id], Milestone)
    updates = updates.select_related("submitted_by", "reviewed_by").prefetch_related("evidence")
    rows += _submission_rows(updates, titles)
    if milestone_id is None:
        name = (project.name_en or project.name_zh) if en else project.name_zh
        p_records = _ordered(Project.history.filter(id=project.pk))
        rows += _history_rows(p_records, str(_("项目")), lambda r: name, Project)
        k_records = list(_ordered(Kpi.history.filter(project_id=project.pk)))
        names = {r.id: (r.name_en or r.name_zh) if en else r.name_zh for r in k_records}
        rows += _history_rows(k_records, str(_("关键指标")), lambda r: names[r.id], Kpi)
        v_records = _ordered(KpiValue.history.filter(kpi_id__in=list(names)))
        rows += _history_rows(
            v_records,
            str(_("指标填报值")),
            lambda r: f"{names.get(r.kpi_id, '')} {r.period}",
            KpiValue,
        )
        rows += _investment_rows(project, en)
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


def _plan_label(record: Any) -> str:
    if record.quarter:
        quarter = {"year": record.year, "quarter": record.quarter}
        return _("%(year)d 年第 %(quarter)d 季度") % quarter
    return _("%(year)d 年全年") % {"year": record.year}


def _report_label(record: Any) -> str:
    return _("完成投资 %(period)s") % {"period": record.period}


def _investment_rows(project: Project, en: bool) -> list[HistoryRow]:
    """Monthly reports (submitted, approved, returned, direct), plans and funding (with its
    sources). Three queries."""
    reports = _ordered(InvestmentReport.history.filter(project_id=project.pk))
    rows = _history_rows(reports, str(_("月度完成投资")), _report_label, InvestmentReport)
    plans = _ordered(InvestmentPlan.history.filter(project_id=project.pk))
    rows += _history_rows(plans, str(_("投资计划")), _plan_label, InvestmentPlan)
    funding = _ordered(ProjectFunding.history.filter(project_id=project.pk)).select_related(
        "source"
    )
    rows += _history_rows(funding, str(_("资金来源")), _source_label(en), ProjectFunding)
    return rows


def _source_label(en: bool) -> Callable[[Any], str]:
    def label(record: Any) -> str:
        source: FundingSource | None = record.source
        if source is None:  # pragma: no cover — sources are protected from deletion
            return ""
        return (source.name_en or source.name_zh) if en else source.name_zh

    return label


def project_history(user: AnyUser, project: Project) -> list[HistoryRow]:
    """Every recorded change of the project, newest first (404 when the user may not read it).

    Rows: when, who, object kind and label, channel (form/api/admin/system) and review step
    (提交审核/审核通过/退回修改/直接修改/新建/修改/删除) with field changes old → new.
    Nine queries: scope check, project, milestone, KPI and KPI value history, submissions,
    and the history of investment reports, plans and funding (with its sources).
    """
    project_get(user, project.pk)
    return _rows(project)


def milestone_history(user: AnyUser, milestone: Milestone) -> list[HistoryRow]:
    """The same rows for one milestone: its edits, submissions, approvals and returns."""
    project = project_get(user, milestone.project_id)
    return _rows(project, milestone_id=milestone.pk)


def kpi_value_history(user: AnyUser, row: KpiValue) -> list[HistoryRow]:
    """Every recorded change of one reported KPI value, newest first (404 when unreadable)."""
    kpi = kpi_get(user, row.kpi_id)
    name = kpi.display_name()
    records = _ordered(KpiValue.history.filter(id=row.pk))
    rows = _history_rows(records, str(_("指标填报值")), lambda r: f"{name} {r.period}", KpiValue)
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows


def investment_report_history(user: AnyUser, row: InvestmentReport) -> list[HistoryRow]:
    """Every recorded step of one monthly investment report, newest first (404 if unreadable)."""
    project_get(user, row.project_id)
    records = _ordered(InvestmentReport.history.filter(id=row.pk))
    rows = _history_rows(records, str(_("月度完成投资")), _report_label, InvestmentReport)
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows
