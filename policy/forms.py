"""HTML forms. They parse input only; rules live in validators and services, which views call.

Forms never save (STYLE.md §5): views pass `cleaned_data` to a service and copy any
`ValidationFailed.fields` back onto the form with `apply_service_errors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .exceptions import PolicyError
from .models import AmountUnit, InvestmentEntry, MilestoneStatus
from .validators import NARRATIVE_MAX_LENGTH, REVIEW_NOTE_MAX_LENGTH

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
    amount = forms.DecimalField(
        label=_("完成投资"),
        max_digits=24,
        decimal_places=8,
        error_messages={"invalid": _("请填写数字金额，如 1234.5。")},
    )
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
