from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Initiative,
    Kpi,
    KpiTarget,
    KpiValue,
    Membership,
    Milestone,
    Project,
    Region,
    WorkerPing,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "is_comparison"]
    list_filter = ["level", "is_comparison"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["order", "code", "name_zh", "lead_department_zh"]
    list_display_links = ["code", "name_zh"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "project"
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title_zh", "due_date", "status", "percent_complete", "completed_on", "weight"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "initiative", "region", "phase", "owner_org"]
    list_filter = ["initiative", "phase", "region"]
    search_fields = ["code", "name_zh", "name_en", "owner_org"]
    inlines = [MembershipInline, MilestoneInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "project", "initiative", "created_at"]
    list_filter = ["role", "initiative"]
    autocomplete_fields = ["user", "project"]


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title_zh", "project", "due_date", "status", "percent_complete"]
    list_filter = ["status", "project__initiative"]
    search_fields = ["title_zh", "project__name_zh"]


class KpiTargetInline(admin.TabularInline):
    model = KpiTarget
    extra = 0


@admin.register(Kpi)
class KpiAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "unit", "initiative", "project", "direction", "is_headline"]
    list_filter = ["initiative", "is_headline", "direction"]
    search_fields = ["code", "name_zh"]
    inlines = [KpiTargetInline]


@admin.register(KpiValue)
class KpiValueAdmin(SimpleHistoryAdmin):
    list_display = ["kpi", "period", "value", "approved_value", "state", "entered_by"]
    list_filter = ["state", "kpi__initiative"]


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ["source", "requested_at", "done_at", "worker"]
