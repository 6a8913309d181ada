"""API fixtures: bearer tokens for the role actors of tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from policy.services.api_tokens import api_token_create


def bearer(user: Any) -> dict[str, str]:
    _, plaintext = api_token_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


class TokenClient(Client):
    """A test client that sends one user's bearer token with every request (no session)."""

    def __init__(self, user: Any, **defaults: Any) -> None:
        super().__init__(**bearer(user), **defaults)


@pytest.fixture
def api_official(official: Any) -> TokenClient:
    return TokenClient(official)
