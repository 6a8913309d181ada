"""The active language, asked where a text is chosen: nothing passes a `lang` around.

Pages and the API run in the request's language (LocaleMiddleware, Chinese unless the user
chose English); briefings and e-mails run inside `translation.override(...)` of their own
language. Models show their name in it through their display methods (`display_name()`).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language


def english() -> bool:
    """True when the active language is English (zh-hans is the default and the fallback)."""
    return (get_language() or "").startswith("en")


def language() -> str:
    """The active language code ("zh-hans" or "en"), for cache keys and chart metadata."""
    return get_language() or settings.LANGUAGE_CODE
