"""The write stage of an ingestion: validated rows in, only the changed observations written.

On PostgreSQL the rows go through COPY, in chunks, into a temporary staging table, and one
statement compares them with the stored observations and inserts or updates only the rows
that differ (``INSERT … ON CONFLICT``). A rerun of the same payload therefore writes nothing:
no row, no ``run_id`` or ``updated_at`` change. Elsewhere (SQLite) the same comparison is a
pandas merge and the changed rows go through ``bulk_create``.

A stored value counts as unchanged when it is within 1e-12 (relative, or absolute near 0) of
the new one and its ``period_start`` and ``note`` are equal.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection
from django.utils import timezone

from indicators.models import Indicator, Observation
from policy.models import Region
from policy.revision import program_changed


class Progress(Protocol):
    """Told the rows staged so far, and when the comparing write starts (``stage``)."""

    def __call__(self, done: int, total: int) -> None: ...

    def stage(self, stage: str, done: int = 0, total: int = 0) -> None: ...


CHUNK = 100_000
BATCH = 1000
KEY = ["indicator", "area", "period", "dimension"]
STAGED = ("indicator_id", "area_id", "period", "period_start", "dimension", "value", "note")
TOLERANCE = 1e-12


def same_value(old: float, new: float) -> bool:
    """The unchanged test of one value, as the staged comparison makes it."""
    return math.isclose(old, new, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert(
    rows: pd.DataFrame, *, run_id: int | None, progress: Progress | None, dry_run: bool = False
) -> Counts:
    """Write ``rows`` (validated, ``ParseResult.rows`` shape) and count what changed.

    ``progress(done, total)`` is called as rows are staged, ``progress.stage("write")`` when
    the comparing write starts and ``progress.stage("done")`` at the end. With ``dry_run`` only
    the counts are computed.
    """
    total = len(rows)
    if not total:
        return Counts()
    staged = _with_ids(rows)
    if connection.vendor == "postgresql":
        counts = _upsert_staged(staged, run_id, progress, dry_run=dry_run)
    else:
        counts = _upsert_merged(staged, run_id, progress, dry_run=dry_run)
    counts.unchanged = total - counts.inserted - counts.updated
    if counts.inserted or counts.updated:
        program_changed()  # bulk writes send no signals: tell the page caches ourselves
    if progress:
        progress.stage("done", total, total)
    return counts


def _with_ids(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with database ids instead of codes (per distinct code, then spread)."""

    def ids(column: str, model: Any) -> np.ndarray:
        categories = list(rows[column].cat.categories)
        known = dict(model.objects.filter(code__in=categories).values_list("code", "pk"))
        lookup = np.asarray([known.get(c, -1) for c in categories], dtype=np.int64)
        return lookup[rows[column].cat.codes.to_numpy()]

    return pd.DataFrame(
        {
            "indicator_id": ids("indicator", Indicator),
            "area_id": ids("area", Region),
            "period": rows["period"].astype(object).to_numpy(),
            "period_start": rows["period_start"].to_numpy(),
            "dimension": rows["dimension"].astype(object).to_numpy(),
            "value": rows["value"].to_numpy(),
            "note": rows["note"].astype(object).to_numpy(),
        }
    )


# -- PostgreSQL: COPY into a staging table, one comparing statement -----------------------------

_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_staged "
    "(indicator_id bigint, area_id bigint, period varchar(10), period_start date, "
    "dimension varchar(80), value double precision, note varchar(300)) ON COMMIT DROP"
)
# Rows that are new or differ from the stored observation; ``is_new`` tells insert from update.
_CHANGED = (
    "SELECT s.*, o.id IS NULL AS is_new FROM ingest_staged s "
    "LEFT JOIN {table} o ON o.indicator_id = s.indicator_id AND o.area_id = s.area_id "
    "AND o.period = s.period AND o.dimension = s.dimension "
    "WHERE o.id IS NULL OR NOT (abs(o.value - s.value) <= greatest(%(tol)s * "
    "greatest(abs(o.value), abs(s.value)), %(tol)s) "
    "AND o.period_start = s.period_start AND o.note = s.note)"
)
_COUNT = "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new) FROM changed"
# Fixed names of our own (no user input); values go as parameters. ``changed`` is read once,
# so PostgreSQL streams it into the INSERT instead of materialising a million rows; an insert
# is told from an update by xmax (0 for a row version this statement created).
_WRITE = (
    "WITH changed AS ({changed}), written AS ("
    "INSERT INTO {table} (indicator_id, area_id, period, period_start, dimension, value, note, "
    "run_id, updated_at) SELECT indicator_id, area_id, period, period_start, dimension, value, "
    "note, %(run)s, %(now)s FROM changed "
    "ON CONFLICT (indicator_id, area_id, period, dimension) DO UPDATE SET "
    "value = EXCLUDED.value, period_start = EXCLUDED.period_start, note = EXCLUDED.note, "
    "run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at RETURNING xmax = 0 AS is_new) "
    "SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new) FROM written"
)


def _upsert_staged(
    staged: pd.DataFrame, run_id: int | None, progress: Progress | None, *, dry_run: bool
) -> Counts:
    table = Observation._meta.db_table
    changed = _CHANGED.format(table=table)
    total = len(staged)
    with connection.cursor() as cursor:
        cursor.execute(_STAGE)
        cursor.execute("TRUNCATE ingest_staged")
        for start in range(0, total, CHUNK):
            # One COPY per chunk: the connection is free again when progress is reported.
            with cursor.copy("COPY ingest_staged FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(_csv_chunk(staged.iloc[start : start + CHUNK]))
            if progress:
                progress(min(start + CHUNK, total), total)
        cursor.execute("ANALYZE ingest_staged")
        if progress:
            progress.stage("write", total, total)
        # The table name is our model's, not user input; values go as parameters.
        if dry_run:
            sql = f"WITH changed AS ({changed}) {_COUNT}"
            cursor.execute(sql, {"tol": TOLERANCE})
        else:
            sql = _WRITE.format(changed=changed, table=table)
            cursor.execute(sql, {"tol": TOLERANCE, "run": run_id, "now": timezone.now()})
        inserted, updated = cursor.fetchone()
        cursor.execute("DROP TABLE ingest_staged")
    return Counts(inserted=inserted, updated=updated)


def _csv_chunk(chunk: pd.DataFrame) -> bytes:
    """Rows as PostgreSQL CSV: texts quoted ("" is an empty text), floats round-trip exactly."""
    table = pa.table(
        {
            "indicator_id": pa.array(chunk["indicator_id"].to_numpy(), pa.int64()),
            "area_id": pa.array(chunk["area_id"].to_numpy(), pa.int64()),
            "period": pa.array(chunk["period"].to_numpy(), pa.string()),
            "period_start": pa.array(chunk["period_start"].to_numpy(), pa.date32()),
            "dimension": pa.array(chunk["dimension"].to_numpy(), pa.string()),
            "value": pa.array(chunk["value"].to_numpy(), pa.float64()),
            "note": pa.array(chunk["note"].to_numpy(), pa.string()),
        }
    )
    out = io.BytesIO()
    pa_csv.write_csv(table, out, write_options=pa_csv.WriteOptions(include_header=False))
    return out.getvalue()


# -- other databases: compare with a merge, write with bulk_create ------------------------------


def _upsert_merged(
    staged: pd.DataFrame, run_id: int | None, progress: Progress | None, *, dry_run: bool
) -> Counts:
    existing = pd.DataFrame.from_records(
        list(
            Observation.objects.filter(
                indicator_id__in=set(staged["indicator_id"].tolist()),
                area_id__in=set(staged["area_id"].tolist()),
            ).values_list(
                "indicator_id", "area_id", "period", "dimension", "value", "period_start", "note"
            )
        ),
        columns=["indicator_id", "area_id", "period", "dimension", "old", "old_start", "old_note"],
    )
    key = ["indicator_id", "area_id", "period", "dimension"]
    merged = staged.merge(existing, on=key, how="left", indicator=True)
    is_new = (merged["_merge"] == "left_only").to_numpy()
    old = merged["old"].to_numpy(dtype=np.float64, na_value=np.nan)
    new = merged["value"].to_numpy()
    close = np.abs(old - new) <= np.maximum(
        TOLERANCE * np.maximum(np.abs(old), np.abs(new)), TOLERANCE
    )
    same = (
        close
        & (merged["old_start"] == merged["period_start"]).to_numpy()
        & (merged["old_note"] == merged["note"]).to_numpy()
    )
    changed = is_new | ~same
    counts = Counts(inserted=int(is_new.sum()), updated=int((changed & ~is_new).sum()))
    if not dry_run:
        rows = merged.loc[changed, list(STAGED)]
        if progress:
            progress.stage("write", 0, len(staged))
        for start in range(0, len(rows), BATCH):
            batch = rows.iloc[start : start + BATCH]
            Observation.objects.bulk_create(
                [Observation(**record, run_id=run_id) for record in batch.to_dict("records")],
                update_conflicts=True,
                unique_fields=KEY,
                update_fields=["value", "period_start", "run", "note", "updated_at"],
            )
            if progress:
                progress(start + len(batch), len(staged))
    return counts
