"""Sending notifications: rows in the app and one e-mail per recipient with an address."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..permissions import ROLE_GROUPS
from ..queue import enqueue_on_commit
from .models import Notification

logger = logging.getLogger(__name__)


def admins() -> QuerySet[Any]:
    """Active administrators: superusers and members of the "admin" group."""
    admin_group = ROLE_GROUPS[-1]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=admin_group))
        .distinct()
    )


def notification_send(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each recipient (once, even if listed twice); returns the rows.

    Rows are written in the caller's transaction; e-mails go out after it commits, through
    ``notification_email_task`` (SMTP errors are retried there). ``link`` is a path inside the
    app; e-mails carry it as an absolute address under SITE_URL.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    rows = [
        Notification(recipient=user, kind=kind, title=title[:200], body=body, link=link[:500])
        for user in people.values()
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        mailed = [n.pk for n in created if email and n.recipient.email]
        if mailed:
            enqueue_on_commit(notification_email_task, mailed)
    return created


def _message(notification: Notification) -> EmailMessage:
    body = notification.body
    if notification.link:
        body += f"\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
    return EmailMessage(
        f"【4+1】{notification.title}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [notification.recipient.email],
    )


def notification_email(*, notification_ids: list[int]) -> int:
    """Mail the notifications not mailed yet; returns how many were sent. Safe to run twice."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    if not pending:
        return 0
    get_connection().send_messages([_message(n) for n in pending])
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(pending)


@shared_task(
    base=DjangoTask,
    name="policy.tasks.notification_email_task",
    soft_time_limit=120,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def notification_email_task(notification_ids: list[int]) -> dict[str, object]:
    """E-mail notifications (SMTP errors are retried with backoff)."""
    return {"sent": notification_email(notification_ids=notification_ids)}
