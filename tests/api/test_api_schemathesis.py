"""schemathesis generates requests from our OpenAPI document and runs every check it has.

In-process against the WSGI app and the test database: status codes, content types, headers
and bodies must all conform to the document, and auth must never be ignored.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from policy.services.api_tokens import api_token_create
from tests.conftest import make_user

load_all_checks()
ALL_CHECKS = CHECKS.get_all()

# Every check is on. One setting states our contract: 400 answers a request of the right shape
# that a business rule refuses (a completion date in the future, a KPI period that has not
# started, a value ten times the last one without confirmation) — documented on each write.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
            }
        }
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def token(db: Any, settings: Any) -> Any:
    # The fuzzer sends thousands of requests, bad tokens among them (ignored_auth) from one
    # address: the throttles are tested on their own (test_api_tokens_throttling.py).
    settings.API_THROTTLE_BAD_TOKENS = settings.API_THROTTLE_WRITES = "1000000/m"
    call_command("seed_demo", "--password", "pw-demo-1", stdout=StringIO())
    _, plaintext = api_token_create(user=make_user("machine", "official"), name="schemathesis")
    # Django closes the connection after each request when it is not in autocommit, as the
    # test transaction is; its test client unhooks that, and we must too for raw WSGI calls.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield plaintext
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_check_is_enabled() -> None:
    names = {getattr(c, "__name__", type(c).__name__) for c in ALL_CHECKS}
    for required in ("status_code_conformance", "content_type_conformance", "ignored_auth"):
        assert required in names


# Derandomized: the same examples on every run, so this in-process test is a regression gate
# that cannot fail by chance; the random exploration is the live fuzzing of scripts/api-fuzz.sh.
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_openapi_document(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS)
