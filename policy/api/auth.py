"""API authentication: the browser's session (with CSRF on writes) or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from ..services.api_tokens import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from admin or `create_api_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Django's session; ninja checks the CSRF token on unsafe methods for cookie auth."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated and user.is_active else None


API_AUTH = [TokenAuth(), ActiveSessionAuth()]
