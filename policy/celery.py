"""The Celery application of the project (its periodic tasks: policy/schedules.py).

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
        "policy.notifications.services",
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


# Periodic tasks are declared in policy/schedules.py and seeded into beat's database (never
# a beat_schedule here: beat would write it over the admin's edits at every start).
