"""The Celery application and the one beat schedule of the project.

Every task is defined right below the service it calls (pretix's `invoice_pdf_task` sits in
`services/invoices.py` the same way), so a service can queue a task, and a task can run a
service, without an import cycle. Every task is built on Celery's `DjangoTask` base class
(`base=DjangoTask`) and queued with its `delay_on_commit()`: the worker never looks for a row
that is not committed yet (pretix's TransactionAwareTask idea, which Celery now ships).

Task names are pinned with `name=` to the names beat's rows and queued messages already carry
(`policy.tasks.*`, `indicators.tasks.*`), from when each app kept its tasks in a tasks.py.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policy.settings")

app = Celery(
    "policy",
    # The modules that define tasks: a worker imports them at start to register every task.
    include=[
        "policy.services.system",
        "policy.readmodel",
        "policy.services.reminders",
        "policy.briefings.services",
        "indicators.services",
    ],
)
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _ensure_broker_dirs(sender: Celery, **_: object) -> None:
    # kombu's file-system transport does not create its folders itself.
    if sender.conf.broker_url == "filesystem://":
        for key in ("data_folder_in", "data_folder_out", "processed_folder"):
            os.makedirs(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]), exist_ok=True)


# Periodic tasks only fan out per-object tasks; each entry spells its schedule in words.
app.conf.beat_schedule = {
    # Every 5 minutes: record that beat and a worker are alive (shown on the system page).
    "heartbeat": {
        "task": "policy.tasks.heartbeat_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every day at 00:05 (Asia/Shanghai): recompute every stored status not computed for
    # today (overdue milestones and passed target dates move with the calendar).
    "status-refresh-stale": {
        "task": "policy.tasks.status_refresh_stale_task",
        "schedule": crontab(hour=0, minute=5),
    },
    # Every day at 08:00 (Asia/Shanghai): milestone reminders to owners, overdue digest to leads.
    "milestone-reminders": {
        "task": "policy.tasks.reminders_send_task",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every 10 minutes: queue an ingestion for each indicator source whose own cron schedule
    # (Source.schedule, editable in the admin) has fired since its last run.
    "indicators-due-sources": {
        "task": "indicators.tasks.ingest_due_sources_task",
        "schedule": crontab(minute="*/10"),
    },
    # Every Monday at 07:00: the briefing of the ISO week that ended on Sunday.
    "briefing-weekly": {
        "task": "policy.tasks.briefing_schedule_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
        "args": ("weekly",),
    },
    # On the 1st of every month at 07:30: the briefing of the month that just ended.
    "briefing-monthly": {
        "task": "policy.tasks.briefing_schedule_task",
        "schedule": crontab(minute=30, hour=7, day_of_month="1"),
        "args": ("monthly",),
    },
}
