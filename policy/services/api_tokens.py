"""API tokens: created (plaintext shown once), revoked; only digests are stored."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ValidationFailed
from ..models import ApiToken
from ..models.api import token_digest
from ..types import User

TOKEN_PREFIX = "fpo_"  # noqa: S105 — a public marker, not a secret


def api_token_default_expiry(now: dt.datetime | None = None) -> dt.datetime | None:
    """When a new token expires unless its creator says otherwise (API_TOKEN_DEFAULT_DAYS)."""
    days = settings.API_TOKEN_DEFAULT_DAYS
    return (now or timezone.now()) + dt.timedelta(days=days) if days > 0 else None


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    expires_at: dt.datetime | None = None,
    read_only: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plaintext, which is never stored.

    ``expires_at`` None means no expiry (callers pass ``api_token_default_expiry()`` for the
    configured default); a read-only token is refused every write whatever its user's role.
    """
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写令牌用途（例如“统计局对接”）。", fields={"name": "required"})
    if not user.is_active:
        raise ValidationFailed(f"用户 {user.username} 已停用，不能为其创建令牌。")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(
            _("有效期必须晚于现在。"), fields={"expires_at": [_("请填写将来的日期。")]}
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=plaintext[:12],
        digest=token_digest(plaintext),
        expires_at=expires_at,
        read_only=read_only,
    )
    token.full_clean()
    token.save()
    return token, plaintext


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; idempotent (revoking twice keeps the first time)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The valid token (with its user) for ``plaintext``, or None.

    Valid: not revoked, not expired, its user active. Records the last use at most once a
    minute.
    """
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
