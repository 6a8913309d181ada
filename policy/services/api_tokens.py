"""API tokens: created (plaintext shown once), revoked; only digests are stored."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from ..exceptions import ValidationFailed
from ..models import ApiToken
from ..models.api import token_digest
from ..types import User

TOKEN_PREFIX = "fpo_"  # noqa: S105 — a public marker, not a secret


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plaintext, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写令牌用途（例如“统计局对接”）。", fields={"name": "required"})
    if not user.is_active:
        raise ValidationFailed(f"用户 {user.username} 已停用，不能为其创建令牌。")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=plaintext[:12], digest=token_digest(plaintext))
    token.full_clean()
    token.save()
    return token, plaintext


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; idempotent (revoking twice keeps the first time)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    """The active user behind a token, or None. Records the last use at most once a minute."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
