"""Reads of notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notification_list(user: Any, *, limit: int = 50) -> QuerySet[Notification]:
    """The user's latest notifications, newest first (their own only)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit]
