"""Who is told what when something fails: administrators, in the app and by e-mail.

Each alert is sent once per failure streak, never once per failure: a source that fails
every ten minutes for a day sends one alert (at its second failure in a row), and another only
after it has succeeded again. An alert never breaks the work that triggered it: any error
while alerting is logged and swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import NotificationKind
from .services import admins, notification_send

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])
FAILURES_IN_A_ROW = 2


def _never_raises(alert: F) -> F:
    @wraps(alert)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            alert(*args, **kwargs)
        except Exception:  # the failure being reported matters more than its alert
            logger.exception("alert %s could not be sent", alert.__name__)

    return guarded  # type: ignore[return-value]


@_never_raises
def source_failure_alert(*, source: Any, statuses: list[str], error: str) -> None:
    """Tell the administrators when ``source`` has just failed a second time in a row.

    ``statuses`` are the source's latest run statuses, newest first, the failed run included.
    """
    streak = 0
    for status in statuses:
        if status != "failed":
            break
        streak += 1
    if streak != FAILURES_IN_A_ROW:
        return
    with override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=admins(),
            kind=NotificationKind.SOURCE_FAILING,
            title=_("数据来源“%(name)s”连续 %(n)d 次采集失败")
            % {"name": source.name, "n": FAILURES_IN_A_ROW},
            body=_(
                "最近一次的错误：%(error)s\n\n请在“采集来源”页面查看运行记录，修正后可立即重新运行。"
            )
            % {"error": error},
            link=reverse("indicators:sources"),
        )


@_never_raises
def briefing_failure_alert(*, briefing: Any, reason: str, attempts: int) -> None:
    """Tell the administrators that a briefing failed for good (its retries are used up)."""
    with override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=admins(),
            kind=NotificationKind.BRIEFING_FAILED,
            title=_("简报生成失败：%(briefing)s") % {"briefing": briefing},
            body=_(
                "已尝试 %(n)d 次，均未成功。原因：%(reason)s\n\n"
                "排除问题后，可在简报页面重新生成；此前已生成的文件仍可下载。"
            )
            % {"n": attempts, "reason": reason},
            link=reverse("policy:briefing-list"),
        )
