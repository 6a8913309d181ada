"""Root URLconf: pages of both apps, auth, i18n and admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api
from .briefings import urls as briefing_urls
from .views import dashboard, health, investment, lists, overview, review, system, work

policy_patterns = [
    path("", overview.overview, name="overview"),
    path("initiatives/<slug:code>/", dashboard.initiative, name="initiative-detail"),
    path("projects/", lists.project_list_view, name="project-list"),
    path("projects/<int:pk>/", dashboard.project, name="project-detail"),
    path("search/", lists.search_view, name="search"),
    path("map/", dashboard.map_view, name="map"),
    path(
        "investment/download.<str:fmt>",
        overview.investment_download,
        name="investment-download",
    ),
    path("system/", system.system, name="system"),
    path("work/", work.my_work_view, name="my-work"),
    path("milestones/<int:pk>/", work.milestone_detail, name="milestone-detail"),
    path("milestones/<int:pk>/edit/", work.milestone_edit, name="milestone-edit"),
    path(
        "milestone-updates/<int:pk>/review/",
        review.milestone_update_review,
        name="milestone-update-review",
    ),
    path("kpis/<int:pk>/report/", work.kpi_value_edit, name="kpi-value-edit"),
    path("kpi-values/<int:pk>/review/", review.kpi_value_review, name="kpi-value-review"),
    path("review/batch/", review.review_batch, name="review-batch"),
    path(
        "projects/<int:pk>/investment/report/",
        work.investment_report_edit,
        name="investment-report",
    ),
    path(
        "projects/<int:pk>/investment/plans/",
        investment.investment_plans_edit,
        name="investment-plans",
    ),
    path(
        "investment-reports/<int:pk>/review/",
        review.investment_report_review,
        name="investment-report-review",
    ),
    path("evidence/<int:pk>/", work.evidence_download, name="evidence-download"),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    *briefing_urls.urlpatterns,
]

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links: send them to the static icon.
    path("favicon.ico", health.favicon, name="favicon"),
    path("", include((policy_patterns, "policy"))),
    path("indicators/", include("indicators.urls")),
    path("analytics/", include("indicators.analytics.urls")),
    path("notifications/", include("policy.notifications.urls")),
    path("api/v1/", api.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "policy.views.errors.server_error"
