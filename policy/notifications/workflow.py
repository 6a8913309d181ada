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
from django.utils.translation import override

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
        lines = "\n".join(changes)
        notification_send(
            recipients=[u for u in initiative_leads(initiative_id) if u.pk != submitter.pk],
            kind=NotificationKind.SUBMITTED,
            title=_("待审核：%(who)s 提交了“%(item)s”") % {"who": _who(submitter), "item": item},
            body=_("项目：%(project)s\n%(changes)s\n\n请审核：通过或写明原因退回。")
            % {"project": project or "—", "changes": lines},
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
        if approved:
            kind = NotificationKind.APPROVED
            title = _("已审核通过：%(item)s") % {"item": item}
            body = _("%(who)s 已审核通过您的提交，总览与简报即日起使用新数据。") % {
                "who": _who(reviewer)
            }
            if reason:
                body += "\n" + _("审核意见：%(note)s") % {"note": reason}
        else:
            kind = NotificationKind.RETURNED
            title = _("被退回：%(item)s") % {"item": item}
            body = _(
                "%(who)s 退回了您的提交。\n退回原因：%(reason)s\n\n"
                "打开链接即可在退回的内容基础上修改后重新提交。"
            ) % {"who": _who(reviewer), "reason": reason}
        notification_send(recipients=[submitter], kind=kind, title=title, body=body, link=link)
