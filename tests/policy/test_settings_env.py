"""Settings switch on environment variables: SQLite vs PostgreSQL, file broker vs Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'name': str(settings.DATABASES['default']['NAME']), 'broker': settings.CELERY_BROKER_URL,"
    " 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE}))"
)


def _settings_with(**env: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="policy.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode:
        return {"error": result.stderr}
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_use_sqlite_and_a_file_broker(tmp_path: Path) -> None:
    got = _settings_with(SECRET_KEY="x", DATA_DIR=str(tmp_path))
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(tmp_path / "db.sqlite3")
    assert got["broker"] == "filesystem://"
    assert (got["lang"], got["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_urls_switch_to_postgresql_and_redis() -> None:
    got = _settings_with(
        SECRET_KEY="x",
        DATABASE_URL="postgres://u@127.0.0.1:5432/dbname",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/3",
    )
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "dbname"
    assert got["broker"] == "redis://127.0.0.1:6379/3"


def test_secret_key_is_required_when_debug_is_off() -> None:
    got = _settings_with()
    assert "SECRET_KEY" in got["error"]
    assert "engine" in _settings_with(DEBUG="1")


def test_a_bad_boolean_is_refused_with_its_name() -> None:
    got = _settings_with(SECRET_KEY="x", DEBUG="perhaps")
    assert "DEBUG must be a boolean" in got["error"]


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert "engine" in _settings_with(SECRET_KEY_FILE=str(secret))


@pytest.mark.django_db
def test_the_test_run_uses_the_database_it_was_given() -> None:
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_the_production_example_passes_check_deploy_without_warnings() -> None:
    """.env.production.example is a complete production configuration (HSTS, secure cookies,
    SSL redirect, the proxy header...): `check --deploy --fail-level WARNING` passes with it."""
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "check-deploy.sh")],
        cwd=REPO,
        env={**os.environ, "VENV": str(Path(sys.executable).parents[1])},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
