"""Types the annotations share: who is asking, and the requests that carry them.

The project uses Django's own user model (no AUTH_USER_MODEL setting), so `User` is that
model; if it ever changes, this alias is the one place to follow it.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

# Whoever a selector answers or a permission rule judges: a signed-in user, or nobody
# (request.user before sign-in, or the reader a scheduled briefing is written for).
AnyUser: TypeAlias = User | AnonymousUser


class AuthenticatedRequest(HttpRequest):
    """The request of a page behind @login_required: its `user` is signed in."""

    user: User


class ApiRequest(HttpRequest):
    """The request of an API operation: the API's authentication put its user in `auth`."""

    auth: User


def signed_in(request: HttpRequest) -> User:
    """The user of a request only signed-in users reach (the admin, @login_required pages)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
