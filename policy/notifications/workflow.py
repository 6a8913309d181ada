"""Who is told what in the review workflow: leads of each submission, owners of each decision.

Called by the services inside their transaction, so a notification exists exactly when the
change it reports was committed. Texts are written in the site's language (Chinese) like the
alerts: they are stored and mailed, and read by people who may use either language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from ..models import Role
from .models import NotificationKind
from .services import notification_send


def initiative_leads(initiative_id: int) -> QuerySet[Any]:
    """Active users who lead the initiative."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.LEAD,
            memberships__initiative_id=initiative_id,
        )
        .distinct()
    )


def _who(user: Any) -> str:
    if user is None:
        return _("系统")
    return str(user.get_full_name() or user.get_username())


def send_templated(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: Iterable[str],
    params: dict[str, Any],
    link: str = "",
    email: bool = True,
) -> None:
    """Send with untranslated msgids (marked with gettext_noop) and their parameters: stored
    and mailed in the site's language, shown in the inbox in the reader's."""
    parts = list(body)
    with override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=recipients,
            kind=kind,
            title=_(title) % params,
            body="\n\n".join(_(part) % params for part in parts),
            link=link,
            email=email,
            template={"title": title, "body": parts, "params": params},
        )


def submission_notify(
    *,
    initiative_id: int,
    submitter: Any,
    item: str,
    project: str,
    changes: Iterable[str],
    link: str,
) -> None:
    """Tell the initiative's leads that ``submitter`` sent ``item`` for review."""
    with override(settings.LANGUAGE_CODE):
        who = _who(submitter)
    send_templated(
        recipients=[u for u in initiative_leads(initiative_id) if u.pk != submitter.pk],
        kind=NotificationKind.SUBMITTED,
        title=gettext_noop("待审核：%(who)s 提交了“%(item)s”"),
        body=[gettext_noop("项目：%(project)s\n%(changes)s\n\n请审核：通过或写明原因退回。")],
        params={
            "who": who,
            "item": item,
            "project": project or "—",
            "changes": "\n".join(changes),
        },
        link=link,
    )


def decision_notify(
    *,
    submitter: Any,
    reviewer: Any,
    approved: bool,
    item: str,
    reason: str,
    link: str,
) -> None:
    """Tell the person who submitted ``item`` that it was approved or returned (with why)."""
    if submitter is None or submitter.pk == reviewer.pk:
        return
    with override(settings.LANGUAGE_CODE):
        who = _who(reviewer)
    params = {"who": who, "item": item, "reason": reason, "note": reason}
    if approved:
        body = [gettext_noop("%(who)s 已审核通过您的提交，总览与简报即日起使用新数据。")]
        if reason:
            body.append(gettext_noop("审核意见：%(note)s"))
        send_templated(
            recipients=[submitter],
            kind=NotificationKind.APPROVED,
            title=gettext_noop("已审核通过：%(item)s"),
            body=body,
            params=params,
            link=link,
        )
        return
    send_templated(
        recipients=[submitter],
        kind=NotificationKind.RETURNED,
        title=gettext_noop("被退回：%(item)s"),
        body=[
            gettext_noop(
                "%(who)s 退回了您的提交。\n退回原因：%(reason)s\n\n"
                "打开链接即可在退回的内容基础上修改后重新提交。"
            )
        ],
        params=params,
        link=link,
    )
