"""Reads of notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from .models import Notification


def notification_list(user: Any, *, limit: int = 50) -> QuerySet[Notification]:
    """The user's latest notifications, newest first (their own only)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit]


def notification_inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, unread first, then newest first (their own only)."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return qs.order_by(unread.desc(), "-created_at", "-pk")
