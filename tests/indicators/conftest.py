import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Assert on the English source messages even once zh-hans translations exist."""
    with translation.override("en"):
        yield
