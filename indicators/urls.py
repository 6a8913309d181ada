from __future__ import annotations

from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:pk>/run/", views.source_run, name="source-run"),
    path("runs/<int:pk>/payload/", views.run_payload, name="run-payload"),
    path("quality/", views.quality, name="quality"),
    path("quality/<int:pk>/resolve/", views.quality_resolve, name="quality-resolve"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/download.csv", views.download_csv, name="download-csv"),
    path("<str:code>/download.xlsx", views.download_xlsx, name="download-xlsx"),
]
