"""The benchmark's non-load measurements: cold renders, visibility, ingestion vs COPY, PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import time
from typing import Any

import requests
from django.db import connection

from indicators.models import Indicator
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


def ingestion_vs_copy(rows: int, log: Any) -> dict[str, float]:
    """The same rows through the real ingest service and through a raw COPY into a bare table."""
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
    payload = buffer.getvalue().encode()
    log(f"ingest {written:,} rows ({len(payload) / 1e6:.0f} MB of CSV) through the service")
    started = time.perf_counter()
    run = ingest(
        IngestRequest(
            kind="csv",
            options={"max_bytes": len(payload) + 1},
            label="benchmark",
            payload=payload,
            trigger="manual",
        )
    )
    service_s = time.perf_counter() - started
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
    return {
        "rows": written,
        "inserted": run.inserted,
        "service_seconds": round(service_s, 2),
        "copy_seconds": round(copy_s, 2),
        "service_rows_per_s": round(written / service_s),
        "copy_rows_per_s": round(written / copy_s),
        "ratio": round(copy_s / service_s, 3),
    }


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
