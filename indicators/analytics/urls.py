"""The analytics pages (namespace ``analytics``)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("power/", views.power, name="power"),
    path("power/scenarios/", views.scenario_save, name="scenario-save"),
    path("power/scenarios/<int:pk>/briefing/", views.scenario_include, name="scenario-include"),
    path("power/scenarios/<int:pk>/delete/", views.scenario_delete, name="scenario-delete"),
]
