"""plotly.min.js is served from the installed plotly package, never from a copy or a CDN."""

from __future__ import annotations

from pathlib import Path

import plotly
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

PACKAGE_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@pytest.fixture(autouse=True)
def _no_partial_bundle(settings, tmp_path: Path) -> None:
    """These tests are about the Python package's file: the fallback when npm's partial bundle
    is absent (tests/test_frontend_bundle.py covers the partial bundle)."""
    settings.NODE_MODULES_DIR = str(tmp_path / "no-node-modules")


def test_the_finder_returns_the_package_file() -> None:
    assert Path(finders.find("vendor/plotly/plotly.min.js")) == PACKAGE_FILE


def test_only_listed_files_are_exposed() -> None:
    assert not finders.find("vendor/plotly/widgetbundle.js")


def test_collectstatic_copies_it(tmp_path: Path, settings) -> None:
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", "-v0")
    copied = tmp_path / "vendor" / "plotly" / "plotly.min.js"
    assert copied.read_bytes() == PACKAGE_FILE.read_bytes()


@pytest.mark.django_db
def test_the_dev_server_serves_it(client) -> None:
    response = client.get("/static/vendor/plotly/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()
