"""Errors raised while fetching and parsing external indicator data.

Every message is an English sentence wrapped in ``gettext`` that says what is wrong, where (row,
field path, sheet, URL) and what to do about it, because the message is what an analyst sees on
the failed ingestion run. The class says whether retrying can help: Celery retries only
``TransientFetchError`` (STYLE.md section 8); everything else is recorded and left for a person.
"""

from __future__ import annotations

from policy.exceptions import PolicyError


class IngestionError(PolicyError):
    """Base of every ingestion failure."""

    code = "ingestion_error"


class ConnectorError(IngestionError):
    """The payload or the source options are wrong; retrying the same input cannot help."""

    code = "parse_error"


class FetchError(IngestionError):
    """The download was refused for good: 4xx, host not allowed, private address, too large."""

    code = "fetch_error"


class TransientFetchError(FetchError):
    """Timeout, connection failure, 429 or 5xx: the same request may succeed later."""

    code = "fetch_transient"
