"""API authentication: the browser's session (with CSRF on writes) or a bearer token.

Every operation also needs a role (README "REST API"): a signed-in user or a token whose user
has none is refused here with 403, once for all operations, before the request is parsed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from ..permissions import require_read
from ..services.api_tokens import api_token_authenticate
from .throttling import SAFE_METHODS, bad_tokens


class CsrfRejected(PermissionDenied):
    """A signed-in browser session sent a write without a valid CSRF token."""

    code = "csrf_failed"


class ReadOnlyToken(PermissionDenied):
    """A read-only token was sent with a write."""

    code = "read_only_token"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from admin or `create_api_token`.

    A client address that sent too many bad tokens is answered 429 first (see throttling.py);
    an expired or revoked token is a bad token; a read-only token may only read.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        bad_tokens.check(request)
        found = api_token_authenticate(token)
        if found is None:
            bad_tokens.record_failure(request)
            return None
        user = found.user
        request.user = user
        require_read(user)
        if found.read_only and request.method not in SAFE_METHODS:
            raise ReadOnlyToken(_("该接口令牌为只读令牌，不能执行写操作；请使用可写令牌。"))
        return user


class ActiveSessionAuth(SessionAuth):
    """Django's session; writes must carry the CSRF token (``X-CSRFToken`` header).

    The CSRF check runs only for a signed-in session: a request with no session (or a bad
    token) is unauthenticated (401), not a CSRF failure — ninja's stock cookie auth checks
    CSRF first and so answered an anonymous write with 403.
    """

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfRejected(
                _(
                    "CSRF 校验失败：浏览器会话的写操作须在 X-CSRFToken 请求头中带上 "
                    "csrftoken Cookie 的值（请刷新页面后重试）；"
                    "其他系统请改用 Authorization: Bearer <token>。"
                )
            )
        require_read(user)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        return self(request)


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
