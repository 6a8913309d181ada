from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(plaintext: str) -> str:
    """SHA-256 of a token: tokens are long random strings, so a plain hash is enough."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


class ApiToken(models.Model):
    """A machine credential for the REST API, sent as ``Authorization: Bearer <token>``.

    Only the SHA-256 digest is stored; the plaintext is shown once when created. `prefix` (the
    first characters) lets an admin tell tokens apart without revealing them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("用户"),
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, editable=False)
    digest = models.CharField(_("摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("有效期至"), null=True, blank=True, help_text=_("过期后令牌失效；留空为长期有效")
    )
    read_only = models.BooleanField(
        _("只读"), default=False, help_text=_("只读令牌只能调用读取接口，任何写操作都会被拒绝")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.name} · {self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
