"""Trigram indexes on indicator names and codes for the search box (PostgreSQL only; see
policy/migrations/0010_search_trigram_indexes.py, which creates the pg_trgm extension)."""

from django.db import migrations

COLUMNS = ("name_zh", "name_en", "code")


def _has_trgm(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _has_trgm(schema_editor):
        return
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "indicator_{column}_trgm" ON "indicators_indicator" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "indicator_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0006_data_quality_flags_and_rules"),
        ("policy", "0010_search_trigram_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
