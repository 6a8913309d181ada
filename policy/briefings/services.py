"""Briefing writes: request, generate (claim → render → store atomically), mail, subscribe.

A briefing row is unique per kind, period and language; asking again re-queues the same row
and its new file replaces the old one only once the new one is completely written. A failure
is recorded on the row with its reason (the previous file stays downloadable) and the task
retries it. The tasks are at the end of this module, next to the services they run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import tempfile
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..exceptions import PermissionDeniedError, ValidationFailed
from ..notifications.alerts import briefing_failure_alert
from ..permissions import ROLE_GROUPS, user_scope
from ..queue import enqueue_on_commit
from ..types import User
from .exceptions import BriefingError, ChartExportError
from .models import (
    Briefing,
    BriefingKind,
    BriefingLanguage,
    BriefingStatus,
    BriefingSubscription,
)
from .periods import last_complete, parse_period
from .render import RenderedBriefing, briefing_render

logger = logging.getLogger(__name__)

# A RUNNING row older than this is taken to belong to a worker that died; it may be claimed.
STUCK_AFTER = dt.timedelta(minutes=15)


def briefing_request(
    *,
    kind: str,
    period: str,
    language: str = BriefingLanguage.ZH,
    user: User | None = None,
    trigger: str = "manual",
    enqueue: bool = True,
) -> Briefing:
    """Create or re-queue the briefing of (kind, period, language) and enqueue its generation.

    `user` is None for the schedule and the command; a person must be a lead or an admin.
    A row already being generated is returned as it is (no second run of the same work).
    Raises PermissionDeniedError or ValidationFailed (bad kind, period or language).
    """
    if user is not None and not user_scope(user).can_generate_briefings:
        raise PermissionDeniedError(_("只有牵头部门和管理员可以生成简报。"))
    if language not in BriefingLanguage.values:
        raise ValidationFailed(
            _("不支持的语言“%(lang)s”，应为 zh-hans 或 en。") % {"lang": language},
            fields={"language": language},
        )
    parsed = parse_period(kind, period)
    if parsed.start > timezone.localdate():
        raise ValidationFailed(
            _("期间 %(period)s 尚未开始，无法生成简报。") % {"period": parsed.code},
            fields={"period": period},
        )
    now = timezone.now()
    with transaction.atomic():
        briefing, created = Briefing.objects.select_for_update().get_or_create(
            kind=kind,
            period=parsed.code,
            language=language,
            defaults={
                "period_start": parsed.start,
                "period_end": parsed.end,
                "requested_by": user,
                "requested_at": now,
                "trigger": trigger,
            },
        )
        running = (
            briefing.status == BriefingStatus.RUNNING
            and briefing.started_at
            and briefing.started_at > now - STUCK_AFTER
        )
        if running:
            return briefing
        if not created:
            briefing.status = BriefingStatus.PENDING
            briefing.requested_by, briefing.requested_at, briefing.trigger = user, now, trigger
            briefing.error, briefing.attempts = "", 0
            briefing.save(
                update_fields=[
                    "status",
                    "requested_by",
                    "requested_at",
                    "trigger",
                    "error",
                    "attempts",
                ]
            )
        if enqueue:
            # A broker outage raises QueueUnavailable after the commit: the row stays pending
            # and briefing_requeue_stale queues it once the broker is back.
            enqueue_on_commit(briefing_generate_task, briefing.pk)
    return briefing


# A pending row this old was never picked up (its message was lost, or never sent because the
# broker was down): beat queues it again. Claiming is idempotent, so a slow queue costs nothing.
REQUEUE_AFTER = dt.timedelta(minutes=10)


def briefing_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again every briefing still pending ``REQUEUE_AFTER`` after it was requested."""
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    stale = list(
        Briefing.objects.filter(status=BriefingStatus.PENDING, requested_at__lt=cutoff)
        .order_by("requested_at")
        .values_list("pk", flat=True)
    )
    for pk in stale:
        enqueue_on_commit(briefing_generate_task, pk)
    return stale


def _claim(briefing_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status__in=[BriefingStatus.PENDING, BriefingStatus.FAILED]) | Q(
        status=BriefingStatus.RUNNING, started_at__lt=now - STUCK_AFTER
    )
    return bool(
        Briefing.objects.filter(claimable, pk=briefing_id).update(
            status=BriefingStatus.RUNNING, started_at=now, attempts=F("attempts") + 1
        )
    )


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ChartExportError):
        return _("图表导出失败：%(why)s") % {"why": exc}
    if isinstance(exc, BriefingError):
        return str(exc)
    return _("生成失败（%(type)s）：%(why)s") % {"type": type(exc).__name__, "why": exc}


def _write_atomically(storage: Storage, name: str, data: bytes) -> str:
    """Write the whole file under a temporary name, then rename it into place.

    A reader (or a crash) can never see half a PDF: until the rename, the name does not exist.
    """
    if not isinstance(storage, FileSystemStorage):
        return storage.save(name, ContentFile(data))
    path = storage.path(name)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, storage.file_permissions_mode or 0o640)  # mkstemp makes it 0600
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return name


def _store(briefing: Briefing, rendered: RenderedBriefing) -> None:
    storage = briefing.file.storage
    token = secrets.token_hex(4)
    name = f"briefings/{briefing.kind}/{briefing.period}-{briefing.language}-{token}.pdf"
    name = _write_atomically(storage, name, rendered.pdf)
    old = briefing.file.name
    try:
        with transaction.atomic():
            Briefing.objects.filter(pk=briefing.pk).update(
                file=name,
                status=BriefingStatus.READY,
                generated_at=timezone.now(),
                page_count=rendered.page_count,
                size_bytes=len(rendered.pdf),
                summary=rendered.summary,
                error="",
            )
    except BaseException:
        storage.delete(name)
        raise
    if old and old != name:
        storage.delete(old)


def briefing_generate(*, briefing_id: int, mail_subscribers: bool = True) -> Briefing | None:
    """Claim the briefing, render it and store its PDF; None when there is nothing to do.

    Safe to run twice: only a pending, failed or stuck row is claimed. On any failure the
    row is marked failed with the reason, no file is written or replaced, and BriefingError
    is raised (the task retries it). A weekly or monthly briefing is then mailed to its
    subscribers after commit; on-demand ones never are, and `make_briefing` passes
    `mail_subscribers=False` (it archives a document, it does not send it).
    """
    if not _claim(briefing_id):
        return None
    briefing = Briefing.objects.get(pk=briefing_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            rendered = briefing_render(briefing)
        _store(briefing, rendered)
    except Exception as exc:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _failure_reason(exc)
        Briefing.objects.filter(pk=briefing_id).update(
            status=BriefingStatus.FAILED, error=reason[:4000]
        )
        logger.warning("briefing %s failed: %s", briefing_id, reason, exc_info=True)
        if briefing.attempts > settings.BRIEFING_MAX_RETRIES:  # the task will not retry it
            briefing_failure_alert(briefing=briefing, reason=reason, attempts=briefing.attempts)
        raise BriefingError(reason) from exc
    briefing.refresh_from_db()
    if mail_subscribers and briefing.kind != BriefingKind.ON_DEMAND:
        briefing_mail_task.delay_on_commit(briefing.pk)
    return briefing


def briefing_schedule(*, kind: str, today: dt.date | None = None) -> list[int]:
    """Queue the briefings of the last complete week or month (what beat calls).

    One per configured language and per language a subscriber asked for. A period already
    generated, or being generated, is left alone, so beat firing twice does no extra work.
    """
    period = last_complete(kind, today or timezone.localdate())
    wanted = set(settings.BRIEFING_LANGUAGES) & set(BriefingLanguage.values)
    flag = {"weekly": True} if kind == BriefingKind.WEEKLY else {"monthly": True}
    wanted |= set(BriefingSubscription.objects.filter(**flag).values_list("language", flat=True))
    done = set(
        Briefing.objects.filter(kind=kind, period=period.code)
        .exclude(status=BriefingStatus.FAILED)
        .values_list("language", flat=True)
    )
    return [
        briefing_request(kind=kind, period=period.code, language=lang, trigger="schedule").pk
        for lang in sorted(wanted - done)
    ]


def _recipients(briefing: Briefing) -> list[str]:
    flag = "weekly" if briefing.kind == BriefingKind.WEEKLY else "monthly"
    has_role = (
        Q(user__is_superuser=True)
        | Q(user__groups__name__in=ROLE_GROUPS)
        | Q(user__memberships__isnull=False)
    )
    rows = (
        BriefingSubscription.objects.filter(has_role, **{flag: True})
        .filter(language=briefing.language, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(set(rows))


def _message(briefing: Briefing, address: str, pdf: bytes) -> EmailMessage:
    with translation.override(briefing.language):
        label = parse_period(briefing.kind, briefing.period).label()
        subject = _("【4+1 简报】%(kind)s · %(period)s") % {
            "kind": briefing.get_kind_display(),
            "period": label,
        }
        body = _(
            "您订阅的《四个大后方+一个创新探索 进展简报》（%(kind)s，%(period)s）已生成，"
            "PDF 见附件。\n\n历次简报：%(url)s\n\n退订：在简报页面取消勾选即可。"
        ) % {
            "kind": briefing.get_kind_display(),
            "period": label,
            "url": settings.SITE_URL.rstrip("/") + "/briefings/",
        }
        sentences = briefing.summary.get("executive_summary") or []
        if sentences:
            body += "\n\n" + "\n".join(f"· {line}" for line in sentences)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    message.attach(briefing.download_name, pdf, "application/pdf")
    return message


def briefing_mail_subscribers(*, briefing_id: int) -> int:
    """Email a ready weekly or monthly briefing to its subscribers, once; returns the count.

    Each subscriber gets their own message (addresses are not shared). If sending fails the
    briefing is marked unsent again, so a retry sends it.
    """
    claimed = (
        Briefing.objects.filter(
            pk=briefing_id, status=BriefingStatus.READY, mailed_at__isnull=True
        )
        .exclude(kind=BriefingKind.ON_DEMAND)
        .update(mailed_at=timezone.now())
    )
    if not claimed:
        return 0
    briefing = Briefing.objects.get(pk=briefing_id)
    addresses = _recipients(briefing)
    if not addresses:
        return 0
    try:
        with briefing.file.open("rb") as handle:
            pdf = handle.read()
        messages = [_message(briefing, address, pdf) for address in addresses]
        get_connection().send_messages(messages)
    except Exception:
        Briefing.objects.filter(pk=briefing_id).update(mailed_at=None)
        raise
    return len(messages)


def briefing_subscription_set(
    *, user: User, weekly: bool, monthly: bool, language: str
) -> BriefingSubscription:
    """Opt the user in or out of emailed briefings (any role may)."""
    if not user_scope(user).can_read:
        raise PermissionDeniedError(_("该账号尚未分配角色，不能订阅简报。"))
    if language not in BriefingLanguage.values:
        raise ValidationFailed(
            _("不支持的语言“%(lang)s”，应为 zh-hans 或 en。") % {"lang": language},
            fields={"language": language},
        )
    subscription, _created = BriefingSubscription.objects.update_or_create(
        user=user, defaults={"weekly": weekly, "monthly": monthly, "language": language}
    )
    return subscription


# --- Tasks: thin adapters, each right below the service it runs ----------------------------


@shared_task(
    base=DjangoTask,
    name="policy.tasks.briefing_generate_task",
    bind=True,
    soft_time_limit=300,
    time_limit=360,
    acks_late=True,
)
def briefing_generate_task(self: DjangoTask[Any, Any], briefing_id: int) -> dict[str, object]:
    """Generate one briefing; a failure is recorded on the row and retried with backoff."""
    try:
        briefing = briefing_generate(briefing_id=briefing_id)
    except BriefingError as exc:
        raise self.retry(
            exc=exc,
            countdown=60 * 2**self.request.retries,
            max_retries=settings.BRIEFING_MAX_RETRIES,
        ) from exc
    if briefing is None:
        return {"id": briefing_id, "status": "skipped"}
    return {"id": briefing_id, "status": briefing.status, "pages": briefing.page_count}


@shared_task(base=DjangoTask, name="policy.tasks.briefing_requeue_task", soft_time_limit=60)
def briefing_requeue_task() -> dict[str, object]:
    """From beat: queue again the briefings left pending (a lost message, a broker outage)."""
    return {"queued": briefing_requeue_stale()}


@shared_task(base=DjangoTask, name="policy.tasks.briefing_schedule_task", soft_time_limit=60)
def briefing_schedule_task(kind: str) -> dict[str, object]:
    """From beat: queue the last complete week's or month's briefings (fans out per language)."""
    return {"kind": kind, "queued": briefing_schedule(kind=kind)}


@shared_task(
    base=DjangoTask,
    name="policy.tasks.briefing_mail_task",
    soft_time_limit=120,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def briefing_mail_task(briefing_id: int) -> dict[str, object]:
    """Email a ready briefing to its subscribers once (SMTP errors are retried)."""
    return {"id": briefing_id, "sent": briefing_mail_subscribers(briefing_id=briefing_id)}
