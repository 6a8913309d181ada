from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("read/", views.notification_mark_read, name="mark-read"),
    path("settings/", views.notification_settings, name="settings"),
]
