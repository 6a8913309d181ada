"""Queueing a task from a request without turning a broker outage into a bare 500.

``task.delay_on_commit()`` publishes after the transaction commits; when the broker is down the
publish raises kombu's English ``OperationalError`` after the write is already saved, and the
person sees a 500 while a row waits for a worker that will never hear of it. ``enqueue_on_commit``
publishes at the same moment but raises ``QueueUnavailable`` with a Chinese message instead, so
a view shows it next to what was saved; the rows it leaves (a pending briefing) are re-queued by
a beat job once the broker is back (see ``policy.briefings.services.briefing_requeue_stale``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from .exceptions import QueueUnavailable

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached (kombu wraps socket errors, but
# some transports let OSError through).
BROKER_ERRORS: tuple[type[BaseException], ...] = (OperationalError, OSError)


def queue_unavailable(task_name: str) -> QueueUnavailable:
    return QueueUnavailable(
        _(
            "后台任务队列暂时无法连接，任务未能排队（%(task)s）。已保存的内容不受影响；"
            "请稍后重试，如持续出现请联系系统管理员检查任务队列服务（CELERY_BROKER_URL）。"
        )
        % {"task": task_name.rsplit(".", 1)[-1]}
    )


def enqueue(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Publish ``task`` now; raises ``QueueUnavailable`` when the broker cannot be reached."""
    try:
        task.delay(*args, **kwargs)
    except BROKER_ERRORS as exc:
        logger.error("could not queue %s: %s", task.name, exc)
        raise queue_unavailable(task.name) from exc


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Publish ``task`` once the current transaction commits (at once outside one).

    Raises ``QueueUnavailable`` from the commit (or from this call outside a transaction) when
    the broker refuses: the caller's rows are committed by then, so a view tells the person that
    the work is recorded but not queued.
    """
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
