from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import PowerScenario


@admin.register(PowerScenario)
class PowerScenarioAdmin(admin.ModelAdmin[PowerScenario]):
    """Read-only: scenarios are saved on the power-cost page (the service checks and computes
    them there); an administrator may look them up here and delete one (history keeps it)."""

    list_display = ["name", "area", "include_in_briefing", "author", "created_at"]
    list_filter = ["include_in_briefing", "area"]
    search_fields = ["name", "note"]
    readonly_fields = [
        "name",
        "note",
        "area",
        "compare_area",
        "inputs",
        "result",
        "include_in_briefing",
        "author",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PowerScenario | None = None
    ) -> bool:
        return False
