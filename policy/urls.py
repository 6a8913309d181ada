"""Root URLconf: pages of both apps, auth, i18n and admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import dashboard, overview, system

policy_patterns = [
    path("", overview.overview, name="overview"),
    path("initiatives/<slug:code>/", dashboard.initiative, name="initiative-detail"),
    path("projects/<int:pk>/", dashboard.project, name="project-detail"),
    path("map/", dashboard.map_view, name="map"),
    path("system/", system.system, name="system"),
]

urlpatterns = [
    path("", include((policy_patterns, "policy"))),
    path("indicators/", include("indicators.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
