"""Benchmark at provincial scale (issue #8): build, measure, print a table, write JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from indicators.models import Indicator
from policy.benchmark import dataset, load, measure
from policy.models import Initiative, Region


def _pages() -> dict[str, str]:
    """The measured pages at the current data (codes differ between demo and large sets)."""
    initiative = Initiative.objects.order_by("order").first()
    if initiative is None:
        raise CommandError("No initiatives: run `manage.py migrate` first.")
    indicator = Indicator.objects.filter(observations__isnull=False).order_by("code").first()
    pages = {
        "overview": "/",
        "initiative": f"/initiatives/{initiative.code}/",
        "map": "/map/",
    }
    if indicator is not None:
        pages["indicator"] = f"/indicators/{indicator.code}/"
        areas = ",".join(
            Region.objects.filter(level="prefecture")
            .order_by("code")
            .values_list("code", flat=True)
        )
        start = dt.date.today().replace(day=1) - dt.timedelta(days=3653)
        pages["series_api"] = (
            f"/api/v1/indicators/{indicator.code}/series?areas={areas}&period_from={start:%Y-%m-%d}"
        )
    return pages


TARGETS = {
    "overview_ratio": ">= 0.50 of the trivial view's req/s (warm cache)",
    "cold_p95": "<= 10x the trivial view's p95",
    "series_ratio": ">= 0.30 of the trivial view's req/s",
    "queries": "same at both sizes, <= 15 on the overview",
    "ingestion": ">= 0.5x the raw COPY rate",
    "briefing": "<= 5 s for the monthly briefing",
}


class Command(BaseCommand):
    help = "Provincial-scale benchmark on PostgreSQL (needs a database whose name has 'bench')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=int, default=15, help="wrk time per page")
        parser.add_argument("--projects", type=int, default=1000)
        parser.add_argument("--indicators", type=int, default=300)
        parser.add_argument("--skip-build", action="store_true", help="reuse the large dataset")
        parser.add_argument(
            "--ingest-rows",
            type=int,
            default=1_000_000,
            help="rows for ingestion vs COPY (0: skip)",
        )
        parser.add_argument(
            "--only",
            choices=["ingestion"],
            help="run one measurement alone (no dataset build, no load test, no briefing)",
        )
        parser.add_argument(
            "--out", default=str(Path(settings.DATA_DIR) / "bench" / "results.json")
        )

    def _log(self, text: str) -> None:
        self.stderr.write(f"[{dt.datetime.now():%H:%M:%S}] {text}")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL.")
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise CommandError(
                f"Database {name!r} would be overwritten: use a dedicated one whose name "
                "contains 'bench', e.g. DATABASE_URL=postgres://user@127.0.0.1:5432/fourplusone_bench"
            )
        if options["only"] is None:
            load.wrk_available()
        password = "bench-password-1"  # noqa: S105 — synthetic users of a bench database
        results: dict[str, Any] = {
            "date": dt.date.today().isoformat(),
            "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
            f"{_cpus()} CPU · Python {platform.python_version()} · PostgreSQL "
            f"{connection.cursor().connection.info.server_version}",
        }
        call_command("migrate", verbosity=0)
        if options["only"] == "ingestion":
            self._log("ingestion against COPY (alone)")
            results["ingestion"] = measure.ingestion_vs_copy(options["ingest_rows"], self._log)
            self._print_ingestion(results["ingestion"])
            self._save(results, options["out"])
            self.stdout.write(f"figures written to {options['out']}")
            return
        self._log("collectstatic (gunicorn serves hashed files through WhiteNoise)")
        call_command("collectstatic", interactive=False, verbosity=0)

        self._log("small demo: seed_demo and query counts")
        dataset.clear_program()
        call_command("seed_demo", "--password", password, stdout=StringIO())
        cache.clear()
        official = get_user_model().objects.get(username="official")
        results["queries_demo"] = load.query_counts(official, _pages())

        if not options["skip_build"]:
            self._log("large dataset")
            report = dataset.build(
                dataset.Sizes(projects=options["projects"], indicators=options["indicators"]),
                log=self._log,
            )
            results["dataset"] = {**report.counts, "build_seconds": round(report.seconds, 1)}
        results["queries_large"] = load.query_counts(official, _pages())

        self._log("load: gunicorn -w 2 and wrk")
        with load.gunicorn(workers=2) as base:
            cookie = load.login_cookie(base, "official", password)
            runs = [load.run_wrk("trivial", base, "/healthz/", cookie, options["seconds"])]
            for page, path in _pages().items():
                runs.append(load.run_wrk(page, base, path, cookie, options["seconds"]))
            self._log("cold overview renders after a write")
            results["cold_overview"] = measure.cold_overview(base, cookie)
            results["change_visible_next_request"] = measure.change_visible(base, cookie)
        trivial = runs[0]
        results["load"] = [
            {**asdict(r), "ratio_rps": round(r.rps / trivial.rps, 3) if trivial.rps else None}
            for r in runs
        ]
        results["cold_overview"]["ratio_to_trivial_p95"] = round(
            results["cold_overview"]["p95_ms"] / max(trivial.p95_ms, 0.001), 1
        )
        self._save(results, options["out"])  # keep what is measured if a later step fails
        if options["ingest_rows"]:
            self._log("ingestion against COPY")
            results["ingestion"] = measure.ingestion_vs_copy(options["ingest_rows"], self._log)
        self._save(results, options["out"])
        self._log("monthly briefing")
        results["briefing"] = measure.monthly_briefing_seconds()
        results["targets"] = TARGETS
        self._print(results)
        self._save(results, options["out"])
        self.stdout.write(f"figures written to {options['out']}")

    def _save(self, results: dict[str, Any], path: str) -> None:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )

    def _print(self, results: dict[str, Any]) -> None:
        w = self.stdout.write
        w(f"\nBenchmark {results['date']} on {results['machine']}")
        if "dataset" in results:
            w("dataset: " + ", ".join(f"{k}={v}" for k, v in results["dataset"].items()))
        w(
            f"\n{'page':<12}{'req/s':>9}{'ratio':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'errors':>8}{'q demo':>8}{'q large':>8}"
        )
        for r in results["load"]:
            q_demo = results["queries_demo"].get(r["name"], "")
            q_large = results["queries_large"].get(r["name"], "")
            w(
                f"{r['name']:<12}{r['rps']:>9.1f}{r['ratio_rps'] or 0:>8.2f}{r['p50_ms']:>9.1f}"
                f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}{q_demo!s:>8}{q_large!s:>8}"
            )
        cold = results["cold_overview"]
        w(
            f"\ncold overview (after a write): p50 {cold['p50_ms']} ms, p95 {cold['p95_ms']} ms "
            f"= {cold['ratio_to_trivial_p95']}x the trivial view's p95"
        )
        w(f"a change is visible on the next request: {results['change_visible_next_request']}")
        if "ingestion" in results:
            self._print_ingestion(results["ingestion"])
        b = results["briefing"]
        w(f"monthly briefing {b['period']}: {b['warm_s']} s warm, {b['cold_s']} s cold")
        w("\ntargets:")
        for name, text in results["targets"].items():
            w(f"  {name:<16}{text}")

    def _print_ingestion(self, ing: dict[str, Any]) -> None:
        w = self.stdout.write
        w(
            f"ingestion of {ing['rows']:,} rows: service {ing['service_seconds']} s "
            f"({ing['service_rows_per_s']:,}/s), raw COPY {ing['copy_seconds']} s "
            f"({ing['copy_rows_per_s']:,}/s): ratio {ing['ratio']}"
        )
        w(
            f"  rerun of the same payload: {ing['rerun_seconds']} s, ratio {ing['rerun_ratio']}, "
            f"inserted/updated/unchanged {ing['rerun_counts']}"
        )
        w(f"  parse + clean-up alone: {ing['parse_seconds']} s, ratio {ing['parse_ratio']}")
        w(
            f"  peak RSS of the ingesting process: {ing['peak_rss_mib']} MiB "
            f"({ing['rss_at_start_mib']} MiB at its start)"
        )
        w("  CSV readers (s): " + ", ".join(f"{k} {v}" for k, v in ing["engines"].items()))
        w(f"  load average during the run: {os.getloadavg()}")


def _cpus() -> int:
    return os.cpu_count() or 0
