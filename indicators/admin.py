from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from policy.exceptions import PolicyError
from policy.types import signed_in

from .connectors import get_connector
from .exceptions import ConnectorError
from .formula import FormulaError
from .models import (
    ConsistencyRule,
    Indicator,
    IngestionRun,
    Observation,
    QualityFlag,
    RunStatus,
    Source,
)
from .quality import INGESTION_RULES, flag_text
from .services import indicator_formula_check, source_run_enqueue
from .templatetags.indicators_tags import age


class IndicatorForm(forms.ModelForm[Indicator]):
    class Meta:
        model = Indicator
        fields = "__all__"  # noqa: DJ007 - the admin edits every field of the catalogue

    def clean_formula(self) -> str:
        formula: str = self.cleaned_data.get("formula", "")
        if formula:
            try:
                indicator_formula_check(formula=formula)
            except FormulaError as exc:
                raise forms.ValidationError(exc.message) from None
        return formula


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin[Indicator]):
    form = IndicatorForm
    list_display = ["code", "name_zh", "unit", "category", "frequency", "qualifier", "confidence"]
    list_filter = ["category", "frequency", "confidence"]
    search_fields = ["code", "name_zh", "name_en"]


class SourceForm(forms.ModelForm[Source]):
    url = forms.URLField(label=_("地址"), required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = Source
        fields = "__all__"  # noqa: DJ007 - the admin edits every field of a source

    def clean(self) -> dict[str, Any]:
        """Refuse an unknown kind or mapping options the connector would reject at run time."""
        data = super().clean() or {}
        try:
            get_connector(data.get("kind", ""), data.get("options") or {})
        except ConnectorError as exc:
            raise forms.ValidationError(exc.message) from None
        if not data.get("url") and not data.get("file"):
            raise forms.ValidationError(_("请填写地址或上传文件。"))
        refuse = data["refuse_rules"] = data.get("refuse_rules") or []
        if not isinstance(refuse, list) or not set(refuse) <= set(INGESTION_RULES):
            self.add_error(
                "refuse_rules",
                _('请写成规则名的列表，可选 %(rules)s，例如 ["range"]。')
                % {"rules": "、".join(INGESTION_RULES)},
            )
        return data


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    form = SourceForm
    list_display = [
        "code",
        "name",
        "kind",
        "enabled",
        "schedule",
        "last_status",
        "last_good_age",
        "confidence",
    ]
    list_filter = ["kind", "enabled"]
    search_fields = ["code", "name"]
    actions = ["run_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        last = IngestionRun.objects.filter(source=OuterRef("pk")).order_by("-started_at")
        sources: QuerySet[Source] = (
            super()
            .get_queryset(request)
            .select_related("schedule")
            .annotate(
                _last_status=Subquery(last.values("status")[:1]),
                _last_good=Max("runs__finished_at", filter=Q(runs__status=RunStatus.SUCCEEDED)),
            )
        )
        return sources

    @admin.display(description=_("最近运行状态"))
    def last_status(self, obj: Source) -> str:
        status = getattr(obj, "_last_status", None)  # annotated by get_queryset
        return str(RunStatus(status).label) if status else "—"

    @admin.display(description=_("最近成功采集距今"))
    def last_good_age(self, obj: Source) -> str:
        last_good = getattr(obj, "_last_good", None)  # annotated by get_queryset
        if last_good is None:
            return str(_("从未成功"))
        text = age(timezone.now() - last_good)
        stale = timezone.now() - last_good > obj.expected_every
        return f"{text}（{_('已过期')}）" if stale else text

    @admin.action(description=_("立即运行所选来源"))
    def run_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        queued = 0
        for source in queryset:
            try:
                source_run_enqueue(source=source, user=signed_in(request))
            except PolicyError as exc:  # busy, or the task queue is down
                self.message_user(request, exc.message, messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(
                request, _("已排队 %(n)s 个来源。") % {"n": queued}, messages.SUCCESS
            )


@admin.register(IngestionRun)
class IngestionRunAdmin(admin.ModelAdmin[IngestionRun]):
    list_display = [
        "started_at",
        "source",
        "label",
        "trigger",
        "status",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "duration_ms",
        "payload_link",
    ]
    list_filter = ["status", "trigger", "source"]
    readonly_fields = [f.name for f in IngestionRun._meta.fields if f.name != "payload"] + [
        "payload_link"
    ]
    exclude = ["payload"]
    list_select_related = ["source"]

    @admin.display(description=_("原始数据"))
    def payload_link(self, obj: IngestionRun) -> str:
        if not obj.payload:
            return "—"
        url = reverse("indicators:run-payload", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin[Observation]):
    list_display = ["indicator", "area", "period", "dimension", "value", "run"]
    list_filter = ["indicator__category", "indicator"]
    search_fields = ["indicator__code", "area__code", "area__name_zh"]
    raw_id_fields = ["run"]
    list_select_related = ["indicator", "area", "run"]


@admin.register(ConsistencyRule)
class ConsistencyRuleAdmin(admin.ModelAdmin[ConsistencyRule]):
    """Rules between series (left side, operator, right side), evaluated after each ingestion
    of either indicator; values breaking one are marked doubtful."""

    list_display = ["name", "left_indicator", "operator", "right_indicator", "right_constant"]
    list_filter = ["enabled"]
    autocomplete_fields = ["left_indicator", "right_indicator"]
    fieldsets = [
        (None, {"fields": ["name", "enabled"]}),
        (_("左侧"), {"fields": ["left_indicator", "left_frequency", "left_sum"]}),
        (None, {"fields": ["operator"]}),
        (
            _("右侧"),
            {
                "fields": [
                    "right_indicator",
                    "right_frequency",
                    "right_sum",
                    "right_constant",
                    "right_factor",
                ]
            },
        ),
    ]


@admin.register(QualityFlag)
class QualityFlagAdmin(admin.ModelAdmin[QualityFlag]):
    """Read-only here: analysts confirm or correct flagged values on the data-quality page."""

    list_display = ["observation", "rule", "comparison", "status", "resolved_by", "created_at"]
    list_filter = ["rule", "status"]
    list_select_related = ["observation__indicator", "observation__area", "resolved_by"]

    @admin.display(description=_("比较"))
    def comparison(self, obj: QualityFlag) -> str:
        return flag_text(obj.rule, obj.params)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
