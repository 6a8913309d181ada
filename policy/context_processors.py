"""Navigation for the base layout, by role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import user_scope

# (url name, label, who sees it): "read" any role, "edit" owners/leads/admins, "review" leads
# and admins, "admin" admins.
NAV_ITEMS = [
    ("policy:overview", _("总览"), "read"),
    ("policy:map", _("地图"), "read"),
    ("indicators:catalogue", _("指标"), "read"),
    ("indicators:quality", _("数据质量"), "review"),
    ("analytics:power", _("电费测算"), "read"),
    ("policy:briefing-list", _("简报"), "read"),
    ("policy:my-work", _("我的工作"), "edit"),
    ("admin:index", _("管理后台"), "admin"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    scope = user_scope(request.user)
    allowed = {
        "read": scope.can_read,
        "edit": scope.can_edit_anything,
        "review": scope.is_admin or bool(scope.led_initiative_ids),
        "admin": scope.is_admin,
    }
    items = []
    for name, label, who in NAV_ITEMS:
        if not allowed[who]:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a page another part of the app has not added yet
            continue
        items.append(
            {
                "url": url,
                "label": label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    # Only the most specific item is current ("/indicators/quality/" is not also "/indicators/").
    current = [i for i in items if i["active"]]
    if len(current) > 1:
        best = max(current, key=lambda i: len(str(i["url"])))
        for item in current:
            item["active"] = item is best
    return {"nav_items": items, "user_scope": scope}
