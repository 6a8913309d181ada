"""The benchmark's non-load measurements: cold renders, visibility, ingestion vs COPY, PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import requests
from django.db import connection, connections

from indicators.connectors import get_connector
from indicators.connectors.tabular import LineTable
from indicators.models import Indicator, Observation
from indicators.services import IngestRequest, ingest
from policy.briefings.periods import parse_period
from policy.briefings.render import render_period
from policy.models import Initiative, Region
from policy.revision import program_changed


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def cold_overview(base: str, cookie: str, samples: int = 10) -> dict[str, float]:
    """Overview latency right after a write invalidated the cached body (p50/p95 in ms)."""

    session = requests.Session()
    times = []
    for _ in range(samples):
        program_changed()
        started = time.perf_counter()
        response = session.get(f"{base}/", headers={"Cookie": cookie}, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return {
        "samples": samples,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
    }


def change_visible(base: str, cookie: str) -> bool:
    """Rename an initiative the way an admin edit does; the very next overview must show it."""

    session = requests.Session()
    session.get(f"{base}/", headers={"Cookie": cookie}, timeout=120)  # warm the cache
    initiative = Initiative.objects.order_by("order").first()
    if initiative is None:
        return False
    original = initiative.name_zh
    initiative.name_zh = f"{original}（基准变更检查 {dt.datetime.now():%H%M%S%f}）"
    initiative.save()
    try:
        body = session.get(f"{base}/", headers={"Cookie": cookie}, timeout=120).text
        return initiative.name_zh in body
    finally:
        initiative.name_zh = original
        initiative.save()


def ingestion_payload(rows: int) -> bytes:
    """A CSV of ``rows`` monthly observations over the prefectures and cities (indicators made)."""
    areas = list(
        Region.objects.filter(level__in=["prefecture", "city"]).values_list("code", flat=True)
    )
    months = [f"{y}-{m:02d}" for y in range(2016, 2026) for m in range(1, 13)]
    per_indicator = len(areas) * len(months)
    n_indicators = -(-rows // per_indicator)
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"bench-ing-{i:03d}", name_zh=f"基准导入 {i:03d}", unit="P", frequency="M"
            )
            for i in range(n_indicators)
        ],
        ignore_conflicts=True,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["indicator", "area", "period", "value"])
    written = 0
    for i in range(n_indicators):
        for area in areas:
            for month in months:
                if written >= rows:
                    break
                writer.writerow([f"bench-ing-{i:03d}", area, month, f"{written * 0.25:.2f}"])
                written += 1
    return buffer.getvalue().encode()


def ingestion_vs_copy(rows: int, log: Any) -> dict[str, Any]:
    """The same rows through the real ingest service (a first run into no stored rows, then a
    rerun) and through a raw COPY into a bare table; peak RSS of the ingesting process."""
    payload = ingestion_payload(rows)
    written = payload.count(b"\n") - 1
    Observation.objects.filter(indicator__code__startswith="bench-ing-").delete()
    # Rows an earlier run deleted stay as dead tuples in the table and its indexes until a
    # vacuum (this machine's PostgreSQL runs without autovacuum); measure a table in shape.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Observation._meta.db_table}")
    log(f"ingest {written:,} rows ({len(payload) / 1e6:.0f} MB of CSV) through the service")
    figures = _in_child(lambda: _ingest_twice(payload))
    log("raw COPY of the same rows into a bare table")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_raw_copy "
            "(indicator text, area text, period text, value double precision)"
        )
        started = time.perf_counter()
        with cursor.copy("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(payload)
        copy_s = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_copy")
    service_s, rerun_s = figures["service_seconds"], figures["rerun_seconds"]
    return {
        "rows": written,
        **figures,
        "copy_seconds": round(copy_s, 2),
        "service_rows_per_s": round(written / service_s),
        "rerun_rows_per_s": round(written / rerun_s),
        "copy_rows_per_s": round(written / copy_s),
        "ratio": round(copy_s / service_s, 3),
        "rerun_ratio": round(copy_s / rerun_s, 3),
        "parse_ratio": round(copy_s / figures["parse_seconds"], 3),
        "engines": csv_engines(payload),
    }


def _ingest_twice(payload: bytes) -> dict[str, Any]:
    options = {"max_bytes": len(payload) + 1}
    started = time.perf_counter()
    get_connector("csv", options).parse(payload)
    parse_s = time.perf_counter() - started
    runs = []
    for _attempt in range(2):
        started = time.perf_counter()
        run = ingest(
            IngestRequest(
                kind="csv", options=options, label="benchmark", payload=payload, trigger="manual"
            )
        )
        runs.append((time.perf_counter() - started, run))
    (first_s, first), (rerun_s, rerun) = runs
    return {
        "parse_seconds": round(parse_s, 2),
        "service_seconds": round(first_s, 2),
        "rerun_seconds": round(rerun_s, 2),
        "inserted": first.inserted,
        "rerun_counts": [rerun.inserted, rerun.updated, rerun.unchanged],
    }


def _in_child(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked process; its result plus that process's peak RSS in MiB.

    A process of its own, so the peak is the ingestion's and not the dataset build's.
    """
    connections.close_all()  # the child opens its own connection
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        start_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            done = {"ok": True, **work(), "rss_at_start_mib": round(start_rss / 1024)}
        except Exception as exc:  # reported to the parent, which raises it
            done = {"ok": False, "error": repr(exc)}
        with os.fdopen(write_end, "w") as out:
            json.dump(done, out)
        connections.close_all()
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        result: dict[str, Any] = json.load(answer)
    _pid, _status, usage = os.wait4(pid, 0)
    if not result.pop("ok"):
        raise RuntimeError(f"the ingestion failed: {result['error']}")
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024)
    return result


def _line_columns(text: str) -> list[Any]:
    body = LineTable(text, ",").body(1)
    keep = np.ones(len(body.counts), dtype=bool)
    return [body.column(i, keep) for i in range(4)]


def csv_engines(payload: bytes) -> dict[str, float]:
    """Seconds to read the payload as text columns with each CSV reader that is installed.

    The reason the CSV connector splits quote-free text with pyarrow (README "Benchmark").
    """
    text = payload.decode("utf-8")
    readers: dict[str, Any] = {
        "csv.reader": lambda: list(zip(*csv.reader(io.StringIO(text, newline="")), strict=True)),
        "pandas (C)": lambda: pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False),
        "pandas (pyarrow)": lambda: pd.read_csv(
            io.BytesIO(payload), dtype=str, keep_default_na=False, engine="pyarrow"
        ),
        "pyarrow.csv": lambda: pa_csv.read_csv(
            io.BytesIO(payload),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(["indicator", "area", "period", "value"], pa.string())
            ),
        ),
        "pyarrow lines (ours)": lambda: _line_columns(text),
    }
    try:
        # Local: measured only where installed (polars is not a dependency).
        import polars as pl

        readers["polars"] = lambda: pl.read_csv(io.BytesIO(payload), infer_schema=False)
    except ImportError:
        pass
    timings = {}
    for name, read in readers.items():
        started = time.perf_counter()
        read()
        timings[name] = round(time.perf_counter() - started, 2)
    return timings


def monthly_briefing_seconds() -> dict[str, float | str | int]:
    """Render last month's briefing twice (the first starts the chart browser)."""
    today = dt.date.today()
    last = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    period = parse_period("monthly", last)
    timings = []
    pages = 0
    for _ in range(2):
        started = time.perf_counter()
        rendered = render_period(period, language="zh-hans", kind_label="月报")
        timings.append(time.perf_counter() - started)
        pages = rendered.page_count
    return {
        "period": last,
        "cold_s": round(timings[0], 2),
        "warm_s": round(timings[1], 2),
        "pages": pages,
    }
