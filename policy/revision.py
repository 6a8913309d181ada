"""One revision token for everything the dashboards show, so cached pages are never stale.

Pages cache their rendered body under a key that includes the revision; any write to the
program or the indicators replaces the token after its transaction commits, so the next
request renders afresh ("a change is visible on the next request"). Saves and deletes are
caught by signals (see `connect`) because admin edits, services, commands and history all
write through `save()` and one forgotten call would serve a stale page; bulk writes
(`bulk_create`, `update()`, COPY) call `program_changed()` themselves.

The token lives in the shared cache (Redis in production, the file cache by default), so
every web process sees the same one; if the cache loses it, a new token simply means misses.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from .i18n import language

REVISION_KEY = "program:revision"
FRAGMENT_TIMEOUT = 24 * 3600  # keys carry the revision and the date: old ones just expire

# Models whose rows no page shows: writing them must not throw the page caches away.
# Observations are written only in bulk (ingestion calls program_changed itself), and a
# receiver on them would make Django delete an indicator's million rows one by one, with a
# signal each, instead of in one statement; deleting the indicator itself still signals.
IGNORED = {"WorkerPing", "ApiToken", "Observation"}


def program_revision() -> str:
    token = cache.get(REVISION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(REVISION_KEY, token, None):  # another process won the race
            token = cache.get(REVISION_KEY) or token
    return str(token)


def _bump() -> None:
    cache.set(REVISION_KEY, uuid.uuid4().hex, None)


def program_changed() -> None:
    """Invalidate every cached page now and again once the current transaction commits.

    Now, so the writing request itself (and a test's transaction) sees the change; again at
    commit, because a page rendered by another request in between saw the old rows and may
    have been cached under the new token.
    """
    _bump()
    transaction.on_commit(_bump)


def is_revision_bump(callback: Callable[[], Any]) -> bool:
    """For tests that count on-commit callbacks: tells the cache bump from real work."""
    return callback is _bump


def cached_fragment(name: str, *parts: object, build: Callable[[], str]) -> str:
    """The rendered fragment `name` for these parts at the current revision, built on a miss."""
    # Parts may be long or hold any character (a query string): hash them into a safe key.
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    key = f"fragment:{name}:{program_revision()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, FRAGMENT_TIMEOUT)
    return str(html)


def cached_body(
    request: HttpRequest,
    name: str,
    *parts: object,
    template: str,
    context: Callable[[], dict[str, Any]],
) -> str:
    """A page body rendered from `template` once per revision, language, hour and `parts`.

    For pages every role sees alike: the body holds no form token and nothing per user (the
    surrounding layout, rendered per request, has those). `context` runs only on a miss.
    The hour is in the key because some figures move with the clock alone: overdue days,
    ages, and a source turning stale when its interval passes (shown within the hour).
    """
    html = cached_fragment(
        name,
        language(),
        timezone.localtime().strftime("%Y-%m-%dT%H"),
        *parts,
        build=lambda: render_to_string(template, context(), request=request),
    )
    return mark_safe(html)  # noqa: S308 — our own template's output


def _on_write(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: fixtures, not live edits
        return
    program_changed()


def connect() -> None:
    """Watch every model of the program and indicator apps (history tables included)."""
    for label in ("policy", "indicators"):
        for model in apps.get_app_config(label).get_models():
            if model.__name__ in IGNORED:
                continue
            uid = f"revision:{model._meta.label}"
            post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}:save")
            post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}:delete")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(
                    _on_write,
                    sender=field.remote_field.through,
                    dispatch_uid=f"{uid}:{field.name}",
                )
