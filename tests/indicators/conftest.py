import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Assert on the English source messages even once zh-hans translations exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def http_server():
    """A live HTTP server on 127.0.0.1; set ``http_server.routes[path] = Reply(...)``."""
    from tests.indicators.http_server import LocalServer

    server = LocalServer()
    yield server
    server.close()
