from django.contrib import admin

from .models import Notification, NotificationSetting


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "recipient__username"]
    readonly_fields = ["created_at", "emailed_at"]
    list_select_related = ["recipient"]


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin[NotificationSetting]):
    list_display = ["user", "email", "updated_at"]
    list_filter = ["email"]
    search_fields = ["user__username"]
