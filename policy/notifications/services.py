"""Sending notifications: rows in the app and one e-mail per recipient with an address."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..permissions import ROLE_GROUPS
from ..queue import enqueue_on_commit
from .models import Notification, NotificationSetting

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
    template: dict[str, Any] | None = None,
) -> list[Notification]:
    """Notify each recipient (once, even if listed twice); returns the rows.

    Rows are written in the caller's transaction; e-mails go out after it commits, through
    ``notification_email_task`` (SMTP errors are retried there). ``link`` is a path inside the
    app; e-mails carry it as an absolute address under SITE_URL. ``template`` keeps the
    untranslated messages (see ``Notification.template``) so the inbox reads in any language.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body,
            link=link[:500],
            template=template or {},
        )
        for user in people.values()
    ]
    opted_out = email_opted_out(people)
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        mailed = [
            n.pk
            for n in created
            if email and n.recipient.email and n.recipient_id not in opted_out
        ]
        if mailed:
            enqueue_on_commit(notification_email_task, mailed)
        _forget_unread(people)
        transaction.on_commit(lambda: _forget_unread(people))
    return created


def email_opted_out(user_ids: Iterable[Any]) -> set[int]:
    """Of these users, those who turned notification e-mail off."""
    return set(
        NotificationSetting.objects.filter(user_id__in=list(user_ids), email=False).values_list(
            "user_id", flat=True
        )
    )


def notification_email_enabled(user: Any) -> bool:
    return not email_opted_out([user.pk])


def notification_email_set(*, user: Any, enabled: bool) -> NotificationSetting:
    """Turn the e-mail copy of this person's notifications on or off (the inbox stays)."""
    setting, _created = NotificationSetting.objects.update_or_create(
        user=user, defaults={"email": enabled}
    )
    return setting


# --- Unread counts: on every page's navigation, so kept in the shared cache ---------------------

UNREAD_TIMEOUT = 600


def _unread_key(user_id: object) -> str:
    return f"notifications:unread:{user_id}"


def _forget_unread(user_ids: Iterable[Any]) -> None:
    try:
        cache.delete_many([_unread_key(pk) for pk in user_ids])
    except Exception:  # a cache that is down: counts come from the database
        logger.warning("cache unavailable", exc_info=True)


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (cached; one query on a miss)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _unread_key(user.pk)
    found = cache.get(key)
    if isinstance(found, int):
        return found
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    cache.set(key, count, UNREAD_TIMEOUT)
    return count


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (only theirs; all unread when ``ids`` is None).

    Returns how many changed; reading one twice is not an error.
    """
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        # Only ids a bigint can hold: others name nothing (and would make the database fail).
        qs = qs.filter(pk__in=[i for i in ids if 0 < i < 2**63][:1000])
    changed = qs.update(read_at=timezone.now())
    _forget_unread([user.pk])
    return changed


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
