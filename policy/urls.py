"""Root URLconf: pages of both apps, auth, i18n and admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import briefings, overview, system

policy_patterns = [
    path("", overview.overview, name="overview"),
    path("system/", system.system, name="system"),
    path("briefings/", briefings.briefing_list, name="briefing-list"),
    path("briefings/generate/", briefings.briefing_generate, name="briefing-generate"),
    path("briefings/subscription/", briefings.briefing_subscribe, name="briefing-subscribe"),
    path("briefings/<int:pk>/download/", briefings.briefing_download, name="briefing-download"),
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
