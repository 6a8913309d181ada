from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["title", "recipient__username"]
    readonly_fields = ["created_at", "emailed_at"]
    list_select_related = ["recipient"]
