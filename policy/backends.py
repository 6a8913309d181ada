"""Authentication backend that reads the signed-in user from the shared cache.

A warm page is served from the page cache (policy.revision), so what is left of its cost is
the session, the user and the user's role scope. The session is read from the cache
(`cached_db`, settings.py), and this backend reads the user from it too, with its role scope
already attached (`policy.permissions.user_scope` finds it on the object): one cache GET
instead of three database queries per request.

The entry is dropped whenever the user row, its groups or its memberships change
(`policy.permissions.scope_changed`, connected to their signals), so Django's session-hash
check still logs a session out after a password change. A cache that fails is skipped (the
database answers), never an error page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from .permissions import user_cache_key, user_scope

logger = logging.getLogger(__name__)

USER_TIMEOUT = 300  # seconds; a safety net for writes that send no signal (update(), SQL)


class CachedUserBackend(ModelBackend):
    """ModelBackend whose `get_user` asks the cache before the database."""

    def get_user(self, user_id: Any) -> Any:
        try:
            user = cache.get(user_cache_key(user_id))
        except Exception:  # a cache that is down: the database answers
            logger.warning("user cache unavailable", exc_info=True)
            user = None
        if user is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            user_scope(user)  # attached to the object, so cached with it
            try:
                cache.set(user_cache_key(user_id), user, USER_TIMEOUT)
            except Exception:
                logger.warning("user cache unavailable", exc_info=True)
        return user if self.user_can_authenticate(user) else None
