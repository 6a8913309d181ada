"""Trigram indexes for the search box and the project list's text filter (PostgreSQL only).

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%q%')``; a GIN index with
``gin_trgm_ops`` on ``UPPER(col)`` serves it for queries of three characters or more, Chinese
included. SQLite has no such index and scans, which is sound at its scale. Where the database
user may not create the pg_trgm extension, the indexes are skipped with a warning: search
still works, only without the index.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = {
    "policy_project": ("name_zh", "name_en", "code", "owner_org"),
    "policy_milestone": ("title_zh", "title_en"),
    "policy_kpi": ("name_zh", "name_en", "code"),
}


def _name(table: str, column: str) -> str:
    return f"{table.removeprefix('policy_')}_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # no right to create extensions: search works unindexed
        logger.warning("pg_trgm is not available: search runs without trigram indexes")
        return
    for table, columns in INDEXES.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" ON "{table}" '
                f'USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in INDEXES.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0009_kpi_plausible_range"),
    ]

    operations = [migrations.RunPython(create, drop)]
