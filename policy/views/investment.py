"""The plans-and-funding page: a project's total investment, its year (and quarter) plans and
its funding split, set by the initiative's lead or an admin (`require_planner`).

Three small forms on one page, told apart by their hidden `action`. A POST binds one of them
and calls its service (`investment_total_set`, `investment_plan_set`, `funding_set`), which
converts 万元/亿元 to yuan and checks everything; a refusal re-renders the page (HTTP 200) with
the service's messages next to the fields and what was typed kept, a success redirects back.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..exceptions import PermissionDeniedError, PolicyError
from ..forms import (
    FundingForm,
    InvestmentPlanForm,
    InvestmentTotalForm,
    apply_service_errors,
)
from ..investment import UNIT_FACTORS, from_yuan
from ..models import AmountUnit, Project
from ..selectors.investment import PlanPage, investment_plan_page
from ..selectors.records import project_get
from ..services.investment import (
    funding_set,
    investment_plan_set,
    investment_total_set,
    require_planner,
)
from ..types import AuthenticatedRequest, User

Data = dict[str, Any]


def _unit_for(amount: Decimal) -> str:
    """The unit an official would write a stored amount in: 亿元 from one 亿, else 万元."""
    return AmountUnit.YI if abs(amount) >= UNIT_FACTORS[AmountUnit.YI] else AmountUnit.WAN


def _as_entered(amount: Decimal | None) -> Data:
    if amount is None:
        return {}
    unit = _unit_for(amount)
    return {"amount": from_yuan(amount, unit), "unit": unit}


def _year_quarter(request: AuthenticatedRequest) -> tuple[int, int | None]:
    year, quarter = request.GET.get("year", ""), request.GET.get("quarter", "")
    return (
        int(year) if year.isdigit() and len(year) == 4 else timezone.localdate().year,
        int(quarter) if quarter in ("1", "2", "3", "4") else None,
    )


def _blank_forms(request: AuthenticatedRequest, project: Project, page: PlanPage) -> Data:
    """The three forms as a GET shows them: filled from the records `?year=&quarter=` and
    `?source=` name (the current year's plan by default)."""
    total = InvestmentTotalForm(
        initial={"version": project.version, **_as_entered(project.planned_investment_yuan)}
    )
    year, quarter = _year_quarter(request)
    plan = page.plan(year, quarter)
    plan_initial: Data = {"year": year, "quarter": quarter or ""}
    if plan is not None:
        plan_initial.update(version=plan.version, note=plan.note, **_as_entered(plan.amount_yuan))
    code = request.GET.get("source", "")
    row = page.funding_of(code)
    funding_initial: Data = {"source": code}
    if row is not None:
        unit = _unit_for(max(row.planned_yuan, row.arrived_yuan))
        funding_initial.update(
            version=row.version,
            note=row.note,
            unit=unit,
            planned=from_yuan(row.planned_yuan, unit),
            arrived=from_yuan(row.arrived_yuan, unit),
        )
    return {
        "total": total,
        "plan": InvestmentPlanForm(initial=plan_initial),
        "funding": FundingForm(initial=funding_initial, sources=page.sources),
    }


def _save_total(actor: User, project: Project, data: Data) -> str:
    investment_total_set(
        actor=actor,
        project_id=project.pk,
        amount=data["amount"],
        unit=data["unit"],
        expected_version=data["version"],
    )
    return _("总投资已保存，已记入变更记录。")


def _save_plan(actor: User, project: Project, data: Data) -> str:
    investment_plan_set(
        actor=actor,
        project_id=project.pk,
        year=data["year"],
        quarter=data["quarter"],
        amount=data["amount"],
        unit=data["unit"],
        note=data["note"],
        expected_version=data["version"],
    )
    return _("投资计划已保存，已记入变更记录；总览和简报按新计划计算完成率。")


def _save_funding(actor: User, project: Project, data: Data) -> str:
    funding_set(
        actor=actor,
        project_id=project.pk,
        source_code=data["source"],
        planned=data["planned"],
        arrived=data["arrived"],
        unit=data["unit"],
        note=data["note"],
        expected_version=data["version"],
    )
    return _("资金来源已保存，已记入变更记录。")


SAVERS: dict[str, Callable[[User, Project, Data], str]] = {
    "total": _save_total,
    "plan": _save_plan,
    "funding": _save_funding,
}


def _bound(action: str, request: AuthenticatedRequest, page: PlanPage) -> Any:
    if action == "funding":
        return FundingForm(request.POST, sources=page.sources)
    return {"total": InvestmentTotalForm, "plan": InvestmentPlanForm}[action](request.POST)


@login_required
@require_http_methods(["GET", "POST"])
def investment_plans_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Set a project's total investment, year and quarter plans and funding split."""
    project = project_get(request.user, pk, write=True)
    try:
        require_planner(request.user, project)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    page = investment_plan_page(project)
    forms = _blank_forms(request, project, page)
    action = request.POST.get("action", "")
    if request.method == "POST" and action in SAVERS:
        form = forms[action] = _bound(action, request, page)
        if form.is_valid():
            try:
                done = SAVERS[action](request.user, project, form.cleaned_data)
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except PolicyError as exc:
                apply_service_errors(form, exc)  # a conflict's whole story above the form
            else:
                messages.success(request, done)
                url = reverse("policy:investment-plans", args=[project.pk])
                return redirect(f"{url}#{action}")
    elif request.method == "POST":
        messages.error(request, _("无法识别要保存的内容，请在下面的表单中重新填写。"))
    context = {"project": project, "page": page, "forms": forms, "active": action}
    return render(request, "policy/work/investment_plans.html", context)
