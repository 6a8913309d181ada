"""Forms of the power-cost page: the what-if inputs (a GET form) and saving a scenario.

Ranges and messages come from ``power.BOUNDS`` / ``power.parse_months``: the same rules and
words as the API. An empty field keeps the latest indicator value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .power import (
    BOUNDS,
    LABELS,
    MONTH_FIELDS,
    InputProblem,
    PowerOverrides,
    bound_message,
    parse_months,
)

NUMBER_FIELDS = tuple(BOUNDS)
HELP = {
    "price": _("元/度；留空即用最新指标"),
    "consumption": _("度/年；留空即用最新指标"),
    "capacity": _("P；留空即用最新指标"),
    "pue_base": _("指标中没有时须填写，才能按情景 PUE 折算"),
    "pue": _("例如 1.25；用电量按 情景 PUE ÷ 当前 PUE 折算"),
    "utilisation": _("%；指标口径为满负荷（100%）"),
    "green_share": _("%；按绿电价格计的用电比例"),
    "green_price": _("元/度"),
    "wet_months": _("如 6-10（默认）"),
    "wet_price": _("元/度；留空则不按季节计价"),
    "dry_months": _("如 12,1-4（默认）"),
    "dry_price": _("元/度；留空则不按季节计价"),
}


def _number_field(key: str) -> forms.FloatField:
    return forms.FloatField(
        label=LABELS[key],
        required=False,
        help_text=HELP[key],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class PowerCostForm(forms.Form):
    """The what-if inputs. ``overrides()`` after ``is_valid()``."""

    area = forms.CharField(label=_("地区"), required=False, max_length=16)
    compare = forms.CharField(label=_("对比城市（保本电价）"), required=False, max_length=16)
    price = _number_field("price")
    consumption = _number_field("consumption")
    capacity = _number_field("capacity")
    pue_base = _number_field("pue_base")
    pue = _number_field("pue")
    utilisation = _number_field("utilisation")
    green_share = _number_field("green_share")
    green_price = _number_field("green_price")
    wet_months = forms.CharField(
        label=LABELS["wet_months"], required=False, max_length=40, help_text=HELP["wet_months"]
    )
    wet_price = _number_field("wet_price")
    dry_months = forms.CharField(
        label=LABELS["dry_months"], required=False, max_length=40, help_text=HELP["dry_months"]
    )
    dry_price = _number_field("dry_price")

    def set_choices(self, areas: list[tuple[str, str]], cities: list[tuple[str, str]]) -> None:
        """Selects for the area and the comparison city (the selectors decide what a code
        means; the choices only shape the widgets)."""
        self.fields["area"].widget = forms.Select(choices=areas)
        self.fields["compare"].widget = forms.Select(
            choices=[("", _("自动：第一个有数据的其他城市")), *cities]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in NUMBER_FIELDS:
            value = data.get(key)
            if value is not None:
                message = bound_message(key, value)
                if message:
                    self.add_error(key, message)
        for key in MONTH_FIELDS:
            text = (data.get(key) or "").strip()
            if not text:
                data[key] = None
                continue
            try:
                data[key] = parse_months(text)
            except InputProblem as exc:
                self.add_error(key, exc.message)
        return data

    def overrides(self) -> PowerOverrides:
        data = self.cleaned_data
        return PowerOverrides(
            **{key: data.get(key) for key in (*NUMBER_FIELDS, *MONTH_FIELDS)},
        )


class PowerScenarioForm(forms.Form):
    name = forms.CharField(label=_("情景名称"), max_length=120)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("假设、依据或用途，例如“绿电交易试点 30% 比例”"),
    )
    include_in_briefing = forms.BooleanField(label=_("纳入月度简报"), required=False)


class PowerScenarioIncludeForm(forms.Form):
    include = forms.BooleanField(required=False)
