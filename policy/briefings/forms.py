"""Forms of the briefings page: generate on demand, and the email opt-in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..exceptions import ValidationFailed
from .models import BriefingKind, BriefingLanguage
from .periods import last_complete, parse_period


class BriefingGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=BriefingKind.choices)
    period = forms.CharField(
        label=_("期间"),
        required=False,
        max_length=12,
        help_text=_(
            "周报 2026-W47，月报 2026-10，即时简报 2026-11-25（近 30 天）；留空为最近一期"
        ),
    )
    language = forms.ChoiceField(
        label=_("语言"), choices=BriefingLanguage.choices, initial=BriefingLanguage.ZH
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if not kind:
            return data
        text = (data.get("period") or "").strip()
        try:
            period = (
                parse_period(kind, text) if text else last_complete(kind, timezone.localdate())
            )
        except ValidationFailed as exc:
            self.add_error("period", exc.message)
            return data
        data["period"] = period.code
        return data


class BriefingSubscriptionForm(forms.Form):
    weekly = forms.BooleanField(label=_("接收周报"), required=False)
    monthly = forms.BooleanField(label=_("接收月报"), required=False)
    language = forms.ChoiceField(
        label=_("语言"), choices=BriefingLanguage.choices, initial=BriefingLanguage.ZH
    )
