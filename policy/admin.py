from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from .exceptions import PolicyError
from .models import (
    ApiToken,
    Evidence,
    FundingSource,
    Initiative,
    InvestmentPlan,
    InvestmentReport,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    MilestoneUpdate,
    Project,
    ProjectFunding,
    Region,
    WorkerPing,
)
from .readmodel import Affected, affected_by, affected_in_db, refresh_affected
from .services.api_tokens import api_token_create, api_token_default_expiry, api_token_revoke
from .services.milestones import milestone_update_approve
from .types import signed_in

ADMIN_REASON = "admin:edit"  # channel and step, as policy.services.common writes them


def _mark_admin_edit(obj: Model, *, change: bool) -> None:
    """History says "via admin"; versioned rows move on so open forms detect the edit."""
    obj._change_reason = ADMIN_REASON  # type: ignore[attr-defined]  # read by simple_history
    if change and hasattr(obj, "version"):
        obj.version += 1


class ReadModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # any model
    """Admin edits keep the stored statuses current, in the same transaction as the edit.

    The admin's save and delete hooks are its service layer: targets, baselines, milestones,
    projects and initiatives changed or deleted here recompute what they count for (before
    and after the edit: a milestone or KPI may move to another project).
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj._status_affected = affected_in_db(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        refresh_affected(getattr(obj, "_status_affected", Affected()) | affected_by(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        affected = affected_by(obj)
        super().delete_model(request, obj)
        refresh_affected(affected)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            affected = Affected()
            for obj in queryset:
                affected = affected | affected_by(obj)
            super().delete_queryset(request, queryset)
            refresh_affected(affected)


class AuditedAdmin(ReadModelAdmin, SimpleHistoryAdmin):  # type: ignore[misc]  # simple_history has no types
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        names = {f.name for f in self.model._meta.fields}
        return [*fields, "version"] if "version" in names else fields

    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool
    ) -> None:
        _mark_admin_edit(obj, change=change)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        obj._change_reason = ADMIN_REASON  # type: ignore[attr-defined]
        super().delete_model(request, obj)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Any],
        formset: BaseModelFormSet[Any, Any],
        change: bool,
    ) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._change_reason = ADMIN_REASON
            obj.delete()
        for obj in instances:
            _mark_admin_edit(obj, change=obj.pk is not None)
            obj.save()
        formset.save_m2m()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "is_comparison"]
    list_filter = ["level", "is_comparison"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Initiative)
class InitiativeAdmin(ReadModelAdmin):
    list_display = ["order", "code", "name_zh", "lead_department_zh"]
    list_display_links = ["code", "name_zh"]


class MembershipInline(admin.TabularInline[Membership, Project]):
    model = Membership
    fk_name = "project"
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


class MilestoneInline(admin.TabularInline[Milestone, Project]):
    model = Milestone
    extra = 0
    fields = ["title_zh", "due_date", "status", "percent_complete", "completed_on", "weight"]


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "initiative", "region", "phase", "owner_org"]
    list_filter = ["initiative", "phase", "region"]
    search_fields = ["code", "name_zh", "name_en", "owner_org"]
    inlines = [MembershipInline, MilestoneInline]
    # Completed investment is reported month by month (InvestmentReport) and summed by the
    # read model; the old static field would be a second, diverging figure.
    exclude = ["actual_investment_yuan"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "role", "project", "initiative", "created_at"]
    list_filter = ["role", "initiative"]
    autocomplete_fields = ["user", "project"]


@admin.register(Milestone)
class MilestoneAdmin(AuditedAdmin):
    list_display = ["title_zh", "project", "due_date", "status", "percent_complete"]
    list_filter = ["status", "project__initiative"]
    search_fields = ["title_zh", "project__name_zh"]


class KpiTargetInline(admin.TabularInline[KpiTarget, Kpi]):
    model = KpiTarget
    extra = 0


@admin.register(Kpi)
class KpiAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "unit", "initiative", "project", "direction", "is_headline"]
    list_filter = ["initiative", "is_headline", "direction"]
    search_fields = ["code", "name_zh"]
    inlines = [KpiTargetInline]


# Data-quality flags are set by the owner-entry check and resolved on the data-quality page.
QUALITY_FIELDS = [
    "quality_flags",
    "quality_status",
    "quality_resolved_by",
    "quality_resolved_at",
    "quality_note",
]


@admin.register(KpiValue)
class KpiValueAdmin(AuditedAdmin):
    list_display = ["kpi", "period", "value", "approved_value", "state", "entered_by"]
    list_filter = ["state", "kpi__initiative", "quality_status"]
    readonly_fields = QUALITY_FIELDS


@admin.register(FundingSource)
class FundingSourceAdmin(ReadModelAdmin):
    """The list of funding channels: the admin adds channels or retires them (kept on rows);
    a renamed channel is renamed in the projects' stored funding splits at once."""

    list_display = ["code", "name_zh", "name_en", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(InvestmentPlan)
class InvestmentPlanAdmin(AuditedAdmin):
    list_display = ["project", "year", "quarter", "amount_yuan"]
    list_filter = ["year", "project__initiative"]


@admin.register(InvestmentReport)
class InvestmentReportAdmin(AuditedAdmin):
    list_display = ["project", "period", "entered_as", "amount_yuan", "approved_amount_yuan"]
    list_filter = ["state", "year", "project__initiative", "quality_status"]
    readonly_fields = QUALITY_FIELDS


@admin.register(ProjectFunding)
class ProjectFundingAdmin(AuditedAdmin):
    list_display = ["project", "source", "planned_yuan", "arrived_yuan"]
    list_filter = ["source", "project__initiative"]


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin[WorkerPing]):
    list_display = ["source", "requested_at", "done_at", "worker"]


class EvidenceInline(admin.TabularInline[Evidence, MilestoneUpdate]):
    model = Evidence
    extra = 0
    fields = ["original_name", "content_type", "size_bytes", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "content_type", "size_bytes", "uploaded_by", "uploaded_at"]
    can_delete = False


@admin.register(MilestoneUpdate)
class MilestoneUpdateAdmin(admin.ModelAdmin[MilestoneUpdate]):
    """Read-only list of owner submissions; approving goes through the same service as forms."""

    list_display = ["milestone", "state", "status", "percent_complete", "submitted_by"]
    list_filter = ["state", "milestone__project__initiative"]
    readonly_fields = [f.name for f in MilestoneUpdate._meta.fields]
    inlines = [EvidenceInline]
    actions = ["approve_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("审核通过所选更新申请"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[MilestoneUpdate]) -> None:
        done = 0
        for update in queryset:
            try:
                milestone_update_approve(
                    actor=signed_in(request), update_id=update.pk, channel="admin"
                )
                done += 1
            except PolicyError as exc:
                self.message_user(request, f"{update}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("已审核通过 %(n)d 条。") % {"n": done})


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are created here with the plaintext shown once in a message; revoke by action."""

    list_display = [
        "prefix",
        "name",
        "user",
        "read_only",
        "expires_at",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "read_only"]
    search_fields = ["name", "prefix", "user__username"]
    fields = [
        "user",
        "name",
        "read_only",
        "expires_at",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [*self.readonly_fields, "user"] if obj else list(self.readonly_fields)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            **super().get_changeform_initial_data(request),
            "expires_at": api_token_default_expiry(),
        }

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[ApiToken], change: bool
    ) -> None:
        if change:
            # Name, expiry and read-only may change; the secret and its user never do.
            ApiToken.objects.filter(pk=obj.pk).update(
                name=obj.name, expires_at=obj.expires_at, read_only=obj.read_only
            )
            return
        token, plaintext = api_token_create(
            user=obj.user, name=obj.name, expires_at=obj.expires_at, read_only=obj.read_only
        )
        obj.pk, obj.prefix, obj.digest = token.pk, token.prefix, token.digest
        messages.warning(request, f"令牌只显示这一次，请立即复制保存：{plaintext}")

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token)
        messages.success(request, f"已吊销 {queryset.count()} 个令牌。")
