"""The briefing pages, mounted in the `policy` namespace (policy:briefing-list, ...)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("briefings/", views.briefing_list, name="briefing-list"),
    path("briefings/generate/", views.briefing_generate, name="briefing-generate"),
    path("briefings/subscription/", views.briefing_subscribe, name="briefing-subscribe"),
    path("briefings/<int:pk>/download/", views.briefing_download, name="briefing-download"),
    path("briefings/<int:pk>/status.json", views.briefing_status, name="briefing-status"),
]
