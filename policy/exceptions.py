"""Domain exceptions. Services raise these; views and the API turn them into responses."""

from __future__ import annotations

from typing import Any


class PolicyError(Exception):
    """Base of every domain error: a message a person can act on, plus a stable code."""

    code = "policy_error"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(PolicyError):
    code = "invalid"


class PermissionDeniedError(PolicyError):
    code = "forbidden"


class ConflictError(PolicyError):
    """Optimistic-locking conflict: someone saved the object after it was loaded."""

    code = "conflict"


class QueueUnavailable(PolicyError):
    """The task broker refused a message: what was saved stays saved, the work is not queued."""

    code = "queue_unavailable"
