"""Writes of the power-cost analytics: save a scenario, include it in briefings, delete it.

Leads and admins save (``Scope.can_save_power_scenarios``); a saved scenario is changed by
its author or an admin (``Scope.can_change_power_scenario``). Every write runs in one
transaction and leaves a history record with its author (django-simple-history).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from policy.exceptions import PermissionDeniedError, ValidationFailed
from policy.permissions import user_scope
from policy.services.common import STEP_DIRECT, save_with_history
from policy.types import User

from .models import PowerScenario
from .power import PowerOverrides, PowerResult
from .results import PowerAnswer
from .selectors import power_area_get, power_cost


def _require_save(actor: User) -> None:
    if not user_scope(actor).can_save_power_scenarios:
        raise PermissionDeniedError(_("只有牵头部门和管理员可以保存电费情景。"))


def _result_record(answer: PowerAnswer, scenario: PowerResult) -> dict[str, Any]:
    today = answer.today
    return {
        "cost_per_p_month": scenario.cost_per_p_month,
        "cost_per_p_year": scenario.cost_per_p_year,
        "cost_centre_year": scenario.cost_centre_year,
        "price": scenario.price,
        "consumption": scenario.consumption,
        "capacity": scenario.capacity,
        "today_cost_per_p_month": today.cost_per_p_month if today else None,
        "break_even_price": answer.break_even,
        "compare": answer.compare.code if answer.compare else None,
        "compare_value": answer.compare.value if answer.compare else None,
    }


@transaction.atomic
def power_scenario_create(
    *,
    actor: User,
    name: str,
    note: str = "",
    area: str,
    overrides: PowerOverrides,
    compare: str | None = None,
    include_in_briefing: bool = False,
    channel: str = "form",
) -> PowerScenario:
    """Save a what-if: the overrides of ``area``, with the figures they give today.

    The scenario must compute (the same checks as the page and the API); raises
    PermissionDeniedError, ValidationFailed (a bad name, inputs that cannot be computed).
    """
    _require_save(actor)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("请填写情景名称。"), fields={"name": _("请填写情景名称。")})
    answer = power_cost(actor, area=area, overrides=overrides, compare=compare)
    answer.raise_problems()
    if answer.scenario is None:  # raise_problems() raised already; this keeps types honest
        raise ValidationFailed(_("情景无法计算。"))
    scenario = PowerScenario(
        name=name,
        note=note.strip(),
        area=answer.area,
        compare_area=power_area_get(actor, compare) if compare else None,
        inputs=overrides.params(),
        result=_result_record(answer, answer.scenario),
        include_in_briefing=include_in_briefing,
        author=actor,
    )
    save_with_history(scenario, actor=actor, channel=channel, step=STEP_DIRECT)
    return scenario


def _changeable(actor: User, scenario_id: int) -> PowerScenario:
    scenario = PowerScenario.objects.select_for_update().filter(pk=scenario_id).first()
    if scenario is None or not user_scope(actor).can_read:
        raise PowerScenario.DoesNotExist(_("情景不存在或已被删除。"))
    if not user_scope(actor).can_change_power_scenario(is_author=scenario.author_id == actor.pk):
        raise PermissionDeniedError(_("只有情景的保存人和管理员可以修改或删除它。"))
    return scenario


@transaction.atomic
def power_scenario_set_included(
    *, actor: User, scenario_id: int, include: bool, channel: str = "form"
) -> PowerScenario:
    """Mark a scenario for the monthly briefing, or take it out (author or admin)."""
    scenario = _changeable(actor, scenario_id)
    if scenario.include_in_briefing != include:
        scenario.include_in_briefing = include
        save_with_history(scenario, actor=actor, channel=channel, step=STEP_DIRECT)
    return scenario


@transaction.atomic
def power_scenario_delete(*, actor: User, scenario_id: int) -> None:
    """Delete a saved scenario (author or admin); its history stays."""
    scenario = _changeable(actor, scenario_id)
    scenario._history_user = actor  # type: ignore[attr-defined]
    scenario.delete()
