"""Every periodic task of the project, declared once, and how it gets into beat's database.

Beat runs django-celery-beat's database scheduler, whose rows administrators edit in the admin
(周期任务). A code-side ``beat_schedule`` would be written over those rows at every beat start,
so an edit would be lost at the next restart. Instead the entries below are *seeded*: after each
``migrate`` (and by ``manage.py policy_seed_schedules``) every entry whose name is not in the
database yet is created; an existing row is never changed, whatever its schedule or whether it
is enabled. To stop a job, disable its row in the admin (a deleted row comes back at the next
migrate).

To add a periodic job: define the task next to its service (``@shared_task(name=...)``), make
sure its module is in ``policy.celery``'s ``include`` list, and add one ``Periodic`` here with a
comment spelling the cron out in words. Existing installations get it at their next migrate.
Periodic tasks only fan out per-object tasks (STYLE.md section 8).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask


@dataclass(frozen=True)
class Periodic:
    """One beat entry: a unique name, the registered task name, a 5-field cron and arguments.

    ``cron`` is "minute hour day-of-month month day-of-week", evaluated in TIME_ZONE.
    """

    name: str
    task: str
    cron: str
    args: tuple[Any, ...] = ()

    def crontab_fields(self) -> dict[str, str]:
        minute, hour, day_of_month, month_of_year, day_of_week = self.cron.split()
        return {
            "minute": minute,
            "hour": hour,
            "day_of_month": day_of_month,
            "month_of_year": month_of_year,
            "day_of_week": day_of_week,
        }


BEAT_SCHEDULE: list[Periodic] = [
    # Every 5 minutes: record that beat and a worker are alive (shown on the system page).
    Periodic("heartbeat", "policy.tasks.heartbeat_task", "*/5 * * * *"),
    # Every day at 00:05: recompute every stored status not computed for today (overdue
    # milestones and passed target dates move with the calendar alone).
    Periodic("status-refresh-stale", "policy.tasks.status_refresh_stale_task", "5 0 * * *"),
    # Every day at 08:00: milestone reminders to owners, overdue digest to leads.
    Periodic("milestone-reminders", "policy.tasks.reminders_send_task", "0 8 * * *"),
    # Every 10 minutes: mark runs whose worker died as failed, then queue an ingestion for each
    # source whose own cron schedule (Source.schedule, editable in the admin) has fired since
    # its last run.
    Periodic("indicators-due-sources", "indicators.tasks.ingest_due_sources_task", "*/10 * * * *"),
    # Every Monday at 07:00: the briefing of the ISO week that ended on Sunday.
    Periodic("briefing-weekly", "policy.tasks.briefing_schedule_task", "0 7 * * mon", ("weekly",)),
    # On the 1st of every month at 07:30: the briefing of the month that just ended.
    Periodic(
        "briefing-monthly", "policy.tasks.briefing_schedule_task", "30 7 1 * *", ("monthly",)
    ),
    # Every 10 minutes (at minute 5, 15, …): queue again briefings left pending for 10 minutes
    # (a message lost, or never sent because the broker was down when it was requested).
    Periodic("briefing-requeue", "policy.tasks.briefing_requeue_task", "5-59/10 * * * *"),
    # Every day at 03:30: delete expired sessions (Django's clearsessions).
    Periodic("sessions-clear", "policy.tasks.sessions_clear_task", "30 3 * * *"),
]


def beat_schedules_seed() -> list[str]:
    """Create the ``BEAT_SCHEDULE`` entries missing from the database; returns their names.

    Idempotent and never overwrites: a row that exists (edited, disabled) is left as it is.
    """
    existing = set(
        PeriodicTask.objects.filter(name__in=[p.name for p in BEAT_SCHEDULE]).values_list(
            "name", flat=True
        )
    )
    created = []
    for entry in BEAT_SCHEDULE:
        if entry.name in existing:
            continue
        crontab, _new = CrontabSchedule.objects.get_or_create(
            **entry.crontab_fields(), timezone=settings.TIME_ZONE
        )
        PeriodicTask.objects.create(
            name=entry.name, task=entry.task, crontab=crontab, args=json.dumps(list(entry.args))
        )
        created.append(entry.name)
    return created
