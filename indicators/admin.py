from __future__ import annotations

from django.contrib import admin

from .models import Indicator, IngestionRun, Observation, Source


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "unit", "category", "frequency", "qualifier", "confidence"]
    list_filter = ["category", "frequency", "confidence"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "enabled", "confidence"]
    list_filter = ["kind", "enabled"]
    search_fields = ["code", "name"]


@admin.register(IngestionRun)
class IngestionRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "source",
        "status",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "duration_ms",
    ]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in IngestionRun._meta.fields]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["indicator", "area", "period", "dimension", "value", "run"]
    list_filter = ["indicator__category", "indicator"]
    search_fields = ["indicator__code", "area__code", "area__name_zh"]
    raw_id_fields = ["run"]
