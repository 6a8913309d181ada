"""The /analytics/power/ page: a GET form computed on the server, and saved scenarios.

Works without JavaScript: every figure, table and message is rendered here; the chart is the
only enhancement (static/policy/js/charts.js draws it from json_script data, no inline JS).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from policy.exceptions import PolicyError
from policy.formatting import number
from policy.permissions import require_read
from policy.types import AuthenticatedRequest

from .charts import comparison_bars, cost_comparison_figure, missing_cities
from .forms import PowerCostForm, PowerScenarioForm, PowerScenarioIncludeForm
from .results import PowerAnswer
from .selectors import DEFAULT_AREA, PowerPage, power_page, power_scenario_get
from .services import power_scenario_create, power_scenario_delete, power_scenario_set_included

CHART_ID = "fig-power-compare"
BASE_FIELDS = ("price", "consumption", "capacity", "pue_base")


def _page_for(request: AuthenticatedRequest, form: PowerCostForm) -> PowerPage:
    valid = form.is_valid()
    area = form.cleaned_data.get("area") or DEFAULT_AREA
    compare = form.cleaned_data.get("compare") or None
    overrides = form.overrides() if valid else None
    try:
        return power_page(request.user, area=area, overrides=overrides, compare=compare)
    except Http404 as exc:
        form.add_error("area", str(exc))
        return power_page(request.user, area=DEFAULT_AREA, overrides=None)


def _shape_form(form: PowerCostForm, page: PowerPage) -> None:
    """Choices for the selects, and the latest indicator values as placeholders."""
    form.set_choices(
        [(r.code, r.display_name()) for r in page.areas or [page.area]],
        [(r.code, r.display_name()) for r in page.cities],
    )
    if page.today is None:
        return
    for line in page.today.inputs:
        if line.key in BASE_FIELDS and line.value is not None and line.origin == "indicator":
            form.fields[line.key].widget.attrs["placeholder"] = number(line.value, 6)


def _chart(answer: PowerAnswer) -> dict[str, Any] | None:
    bars = comparison_bars(answer)
    if not bars:
        return None
    figure = cost_comparison_figure(bars, unit=answer.model.unit, missing=missing_cities(answer))
    summary = _("；").join(f"{b.label} {number(b.value, 1)} {answer.model.unit}" for b in bars)
    return {
        "id": CHART_ID,
        "title": _("每 P 每月电费：本地区与对比城市（各自最新数据）"),
        "figure": figure.to_plotly_json(),
        "summary": summary,
    }


def _render(
    request: AuthenticatedRequest,
    data: QueryDict,
    *,
    save_form: PowerScenarioForm | None = None,
) -> HttpResponse:
    form = PowerCostForm(data)
    page = _page_for(request, form)
    _shape_form(form, page)
    answer = page.answer if page.answer is not None else None
    shown = answer or page.today
    carry = {}
    if answer is not None and answer.ok:
        carry = {"area": page.area.code, **answer.overrides.params()}
        if answer.compare is not None:
            carry["compare"] = answer.compare.code
    return render(
        request,
        "analytics/power.html",
        {
            "form": form,
            "page": page,
            "answer": answer,
            "shown": shown,
            "chart": _chart(shown) if shown is not None else None,
            "save_form": save_form or PowerScenarioForm(),
            "carry": carry,
            "reset_url": f"{reverse('analytics:power')}?{urlencode({'area': page.area.code})}",
            "here": request.get_full_path() if request.method == "GET" else "",
        },
    )


@login_required
@require_GET
def power(request: AuthenticatedRequest) -> HttpResponse:
    """The what-if: latest inputs with provenance, the overrides, results and comparisons."""
    require_read(request.user)
    return _render(request, request.GET)


@login_required
@require_POST
def scenario_save(request: AuthenticatedRequest) -> HttpResponse:
    """Save the inputs on the page as a named scenario (leads and admins)."""
    if not require_read(request.user).can_save_power_scenarios:
        raise PermissionDenied(_("只有牵头部门和管理员可以保存电费情景。"))
    cost_form = PowerCostForm(request.POST)
    save_form = PowerScenarioForm(request.POST)
    if not (cost_form.is_valid() and save_form.is_valid()):
        return _render(request, request.POST, save_form=save_form)
    data = cost_form.cleaned_data
    try:
        scenario = power_scenario_create(
            actor=request.user,
            area=data.get("area") or DEFAULT_AREA,
            compare=data.get("compare") or None,
            overrides=cost_form.overrides(),
            **save_form.cleaned_data,
        )
    except PolicyError as exc:
        save_form.add_error(None, exc.message)
        return _render(request, request.POST, save_form=save_form)
    messages.success(request, _("已保存情景“%(name)s”。") % {"name": scenario.name})
    params = {"area": scenario.area.code, **scenario.inputs}
    return redirect(f"{reverse('analytics:power')}?{urlencode(params)}#scenarios")


def _back(request: AuthenticatedRequest) -> HttpResponse:
    """Back to the page the form was posted from (only ever this page)."""
    target = request.POST.get("next", "")
    base = reverse("analytics:power")
    if not target.startswith(base) or "//" in target:
        target = base
    return redirect(target.split("#", 1)[0] + "#scenarios")


@login_required
@require_POST
def scenario_include(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark a saved scenario for the monthly briefing, or take it out (author or admin)."""
    require_read(request.user)
    scenario = power_scenario_get(request.user, pk)
    form = PowerScenarioIncludeForm(request.POST)
    form.is_valid()
    include = bool(form.cleaned_data.get("include"))
    try:
        power_scenario_set_included(actor=request.user, scenario_id=scenario.pk, include=include)
    except PolicyError as exc:
        raise PermissionDenied(exc.message) from None
    if include:
        messages.success(request, _("“%(name)s”将纳入月度简报。") % {"name": scenario.name})
    else:
        messages.success(request, _("“%(name)s”不再纳入简报。") % {"name": scenario.name})
    return _back(request)


@login_required
@require_POST
def scenario_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Delete a saved scenario (author or admin)."""
    require_read(request.user)
    scenario = power_scenario_get(request.user, pk)
    try:
        power_scenario_delete(actor=request.user, scenario_id=scenario.pk)
    except PolicyError as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("已删除情景“%(name)s”。") % {"name": scenario.name})
    return _back(request)
