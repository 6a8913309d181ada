"""Daily reminder emails: owners about their milestones, leads a digest of overdue items.

Owners hear about open milestones of their projects due within MILESTONE_DUE_SOON_DAYS and
overdue ones; leads get the overdue milestones of their initiative. Each person gets at most
one email of each kind per day (`ReminderSent`), so running the job twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from ..models import Membership, Milestone, MilestoneStatus, ReminderSent, Role
from ..notifications.models import NotificationKind
from ..notifications.services import email_opted_out
from ..notifications.workflow import send_templated
from ..types import User

OPEN = (MilestoneStatus.NOT_STARTED, MilestoneStatus.IN_PROGRESS)
KIND_OWNER = "owner"
KIND_LEAD = "lead_digest"
KIND_LEAD_INBOX = "lead_inbox"  # the in-app notice of the digest


@dataclass
class ReminderItem:
    project: str
    title: str
    due_date: dt.date
    days: int  # days overdue (> 0) or days left (<= 0 as negative)
    url: str

    @property
    def overdue(self) -> bool:
        return self.days > 0

    @property
    def days_left(self) -> int:
        return -self.days


@dataclass
class ReminderReport:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (username, kind)
    skipped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"sent": len(self.sent), "skipped": self.skipped}


def _item(m: Milestone, today: dt.date) -> ReminderItem:
    return ReminderItem(
        project=m.project.name_zh,
        title=m.title_zh,
        due_date=m.due_date,
        days=(today - m.due_date).days,
        url=settings.SITE_URL.rstrip("/") + reverse("policy:milestone-detail", args=[m.pk]),
    )


Recipients = dict[User, list[ReminderItem]]


def _recipients(today: dt.date) -> tuple[Recipients, Recipients, Recipients]:
    horizon = today + dt.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS)
    milestones = list(
        Milestone.objects.filter(status__in=OPEN, due_date__lte=horizon)
        .select_related("project")
        .order_by("due_date", "pk")
    )
    by_project: dict[int, list[ReminderItem]] = defaultdict(list)
    overdue_by_initiative: dict[int, list[ReminderItem]] = defaultdict(list)
    for m in milestones:
        by_project[m.project_id].append(_item(m, today))
        if m.due_date < today:
            overdue_by_initiative[m.project.initiative_id].append(_item(m, today))
    owners: Recipients = defaultdict(list)
    leads: Recipients = defaultdict(list)
    inbox: Recipients = defaultdict(list)  # every lead, e-mail or not: told in the app
    memberships = Membership.objects.filter(user__is_active=True).select_related("user")
    opted_out = email_opted_out({ms.user_id for ms in memberships})
    for ms in memberships:
        mailed = bool(ms.user.email) and ms.user_id not in opted_out
        if ms.role == Role.OWNER and ms.project_id in by_project and mailed:
            owners[ms.user].extend(by_project[ms.project_id])
        elif ms.role == Role.LEAD and ms.initiative_id in overdue_by_initiative:
            inbox[ms.user].extend(overdue_by_initiative[ms.initiative_id])
            if mailed:
                leads[ms.user].extend(overdue_by_initiative[ms.initiative_id])
    return owners, leads, inbox


def _tell_leads_in_app(inbox: Recipients, today: dt.date) -> None:
    """One in-app notice a day per lead with overdue items (the digest is its e-mail copy)."""
    with translation.override(settings.LANGUAGE_CODE):
        for user, items in sorted(inbox.items(), key=lambda kv: kv[0].pk):
            lines = [
                translation.gettext("%(project)s · %(title)s：已逾期 %(days)d 天")
                % {"project": i.project, "title": i.title, "days": i.days}
                for i in sorted(items, key=lambda i: i.due_date)
            ]
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        user=user, kind=KIND_LEAD_INBOX, day=today, item_count=len(items)
                    )
                    send_templated(
                        recipients=[user],
                        kind=NotificationKind.OVERDUE,
                        title=gettext_noop("您牵头的任务方向有 %(n)d 个逾期里程碑"),
                        body=[gettext_noop("%(lines)s")],
                        params={"n": len(items), "lines": "\n".join(lines)},
                        link=reverse("policy:my-work"),
                        email=False,
                    )
            except IntegrityError:
                continue  # told today already


def _send_once(
    user: User, kind: str, items: list[ReminderItem], today: dt.date, report: ReminderReport
) -> None:
    try:
        with transaction.atomic():
            ReminderSent.objects.create(user=user, kind=kind, day=today, item_count=len(items))
            context = {
                "user": user,
                "name": user.get_full_name() or user.username,
                "items": sorted(items, key=lambda i: i.due_date),
                "overdue": [i for i in items if i.overdue],
                "due_soon": [i for i in items if not i.overdue],
                "today": today,
                "days": settings.MILESTONE_DUE_SOON_DAYS,
                "site_url": settings.SITE_URL,
            }
            with translation.override(settings.LANGUAGE_CODE):
                subject = render_to_string(f"emails/reminder_{kind}_subject.txt", context)
                body = render_to_string(f"emails/reminder_{kind}.txt", context)
            # Inside the transaction: if sending fails, the "sent" mark is rolled back too,
            # and tomorrow's (or a retried) run tries again.
            send_mail(" ".join(subject.split()), body, None, [user.email])
    except IntegrityError:
        report.skipped += 1  # already sent today
        return
    report.sent.append((user.username, kind))


def reminders_send(*, today: dt.date) -> ReminderReport:
    """Send today's reminder emails (email backend from settings). Safe to run twice a day."""
    owners, leads, inbox = _recipients(today)
    _tell_leads_in_app(inbox, today)
    report = ReminderReport()
    for user, items in sorted(owners.items(), key=lambda kv: kv[0].pk):
        _send_once(user, KIND_OWNER, items, today, report)
    for user, items in sorted(leads.items(), key=lambda kv: kv[0].pk):
        _send_once(user, KIND_LEAD, items, today, report)
    return report


@shared_task(base=DjangoTask, name="policy.tasks.reminders_send_task", soft_time_limit=300)
def reminders_send_task(day: str | None = None) -> dict[str, object]:
    """Send the daily reminder emails (owners: due soon and overdue; leads: overdue digest)."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    return reminders_send(today=today).as_dict()
