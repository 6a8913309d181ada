"""HTML forms. They parse input only; rules live in validators and services, which views call.

Forms never save (STYLE.md §5): views pass `cleaned_data` to a service and copy any
`ValidationFailed.fields` back onto the form with `apply_service_errors`.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .exceptions import PolicyError
from .models import AmountUnit, InvestmentEntry, MilestoneStatus
from .validators import NARRATIVE_MAX_LENGTH, REVIEW_NOTE_MAX_LENGTH

THOUSANDS = re.compile(r"-?\d{1,3}([,，]\d{3})+(\.\d+)?")
TOO_LONG = _("内容过长：最多 %(limit_value)d 个字符，当前 %(show_value)d 个。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the documented Django 5 pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def apply_service_errors(form: forms.Form, error: PolicyError) -> None:
    """Show a service's field messages next to the fields; the rest above the form."""
    placed = False
    for field, messages in (error.fields or {}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


class ChineseForm(forms.Form):
    """Labels sit above their fields, so they carry no ":" suffix (wrong in Chinese anyway)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MilestoneProgressForm(ChineseForm):
    status = forms.ChoiceField(label=_("状态"), choices=MilestoneStatus.choices)
    percent_complete = forms.IntegerField(
        label=_("完成百分比"),
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("完成百分比必须在 0 到 100 之间。"),
            "max_value": _("完成百分比必须在 0 到 100 之间。"),
        },
    )
    completed_on = forms.DateField(
        label=_("实际完成日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("仅在状态为“已完成”时填写，不能晚于今天。"),
    )
    narrative = forms.CharField(
        label=_("进展说明"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": TOO_LONG},
    )
    evidence = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可多选；支持 pdf、docx、xlsx、pptx、jpg、png。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class KpiValueForm(ChineseForm):
    period = forms.CharField(label=_("期间"), max_length=10)
    value = forms.DecimalField(label=_("数值"), max_digits=20, decimal_places=4)
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": TOO_LONG},
    )
    confirm_jump = forms.BooleanField(
        label=_("确认数值无误（违反数据质量规则时需要勾选，保存后标为存疑）"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AmountField(forms.DecimalField):
    """An amount as officials write it, in the unit chosen next to it (万元 or 亿元). Only the
    number is parsed here; its range and precision are the services' rules (`amount_errors`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 30)
        kwargs.setdefault("decimal_places", 10)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": _("请填写数字金额，如 1234.5。"),
                "required": _("请填写金额。"),
                "max_digits": _("金额过大，请核对单位（万元与亿元）。"),
                "max_decimal_places": _("小数位过多：金额最多写到分（0.01 元）。"),
                "max_whole_digits": _("金额过大，请核对单位（万元与亿元）。"),
            },
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        # "1,234.5" (or with the full-width "，") as officials often write it; a comma
        # anywhere else ("12,3.4") is a typo and stays an error.
        if isinstance(value, str) and THOUSANDS.fullmatch(value.strip()):
            value = re.sub("[,，]", "", value.strip())
        return super().to_python(value)


class InvestmentReportForm(ChineseForm):
    """A month's completed investment: the figure as entered, in 万元 or 亿元 (the service
    converts, checks it against the year's other months and derives the other figure)."""

    period = forms.CharField(label=_("月份"), max_length=7, help_text=_("如 2026-06"))
    entered_as = forms.ChoiceField(
        label=_("填报口径"),
        choices=InvestmentEntry.choices,
        initial=InvestmentEntry.CUMULATIVE,
        widget=forms.RadioSelect,
        help_text=_("填写其中一个，另一个由系统推算：当月完成 = 本月累计 − 上月累计。"),
    )
    amount = AmountField(label=_("完成投资"))
    unit = forms.ChoiceField(label=_("单位"), choices=AmountUnit.choices, initial=AmountUnit.WAN)
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": TOO_LONG},
    )
    confirm_jump = forms.BooleanField(
        label=_("确认数值无误（违反数据质量规则时需要勾选，保存后标为存疑）"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


QUARTER_CHOICES = [
    ("", _("全年")),
    ("1", _("第一季度")),
    ("2", _("第二季度")),
    ("3", _("第三季度")),
    ("4", _("第四季度")),
]


class InvestmentTotalForm(ChineseForm):
    """A project's total planned investment (总投资, all years)."""

    action = forms.CharField(widget=forms.HiddenInput, initial="total")
    amount = AmountField(label=_("总投资"))
    unit = forms.ChoiceField(label=_("单位"), choices=AmountUnit.choices, initial=AmountUnit.YI)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class InvestmentPlanForm(ChineseForm):
    """The planned investment of a year, or of one quarter of it."""

    action = forms.CharField(widget=forms.HiddenInput, initial="plan")
    year = forms.IntegerField(
        label=_("年度"),
        error_messages={"invalid": _("请填写年份，如 2026。"), "required": _("请填写年份。")},
    )
    quarter = forms.TypedChoiceField(
        label=_("计划期间"),
        choices=QUARTER_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("季度计划可选；四个季度都填写后，月度计划按季度分摊，否则按全年平均分摊。"),
    )
    amount = AmountField(label=_("计划投资"))
    unit = forms.ChoiceField(label=_("单位"), choices=AmountUnit.choices, initial=AmountUnit.WAN)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=300,
        error_messages={"max_length": TOO_LONG},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class FundingForm(ChineseForm):
    """How much of the project's money one source provides: planned and arrived (到位)."""

    action = forms.CharField(widget=forms.HiddenInput, initial="funding")
    # A select, but parsed as text: whether the source exists or is still in use is the
    # service's rule (`funding_set`), with its message.
    source = forms.CharField(
        label=_("资金来源"),
        widget=forms.Select,
        error_messages={"required": _("请选择资金来源。")},
    )
    planned = AmountField(label=_("计划资金"))
    arrived = AmountField(label=_("到位资金"), help_text=_("已到位的资金，尚未到位填 0。"))
    unit = forms.ChoiceField(label=_("单位"), choices=AmountUnit.choices, initial=AmountUnit.WAN)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=300,
        error_messages={"max_length": TOO_LONG},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].widget.choices = [("", _("请选择")), *sources]


class ReviewForm(ChineseForm):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[(APPROVE, _("通过")), (RETURN, _("退回修改"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("审核意见 / 退回原因"),
        required=False,
        max_length=REVIEW_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": TOO_LONG},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
