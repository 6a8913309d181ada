"""Errors of indicator ingestion. Each message says what is wrong, where, and what to do."""

from __future__ import annotations

from policy.exceptions import PolicyError


class IngestionError(PolicyError):
    code = "ingestion_error"


class ConnectorError(IngestionError):
    """The payload cannot be read: permanent, not retried."""

    code = "parse_error"


class FetchError(IngestionError):
    """The payload could not be fetched for a reason retrying won't fix (4xx, host refused)."""

    code = "fetch_error"


class TransientFetchError(FetchError):
    """Timeouts, connection errors, 429 and 5xx: worth retrying with backoff."""

    code = "fetch_transient"
