"""Recompute every stored status (projects, initiatives, KPIs) from the records."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from policy.models import InitiativeStatus, KpiStatus, ProjectStatus, StatusChange
from policy.readmodel import rebuild_all, refresh_stale


class Command(BaseCommand):
    help = (
        "Recompute every stored status from the records (idempotent: unchanged rows keep "
        "their revision). --stale: only rows not computed for today, like the nightly job."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale", action="store_true", help="only rows whose as-of date is not today"
        )

    def _progress(self, done: int, total: int) -> None:
        # A bar on a terminal; plain lines every batch in a file or a pipe.
        if sys.stderr.isatty():
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(f"\r项目 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        else:
            self.stderr.write(f"项目 {done}/{total}")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        job = refresh_stale if options["stale"] else rebuild_all
        counts = job(progress=self._progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"computed {counts.computed} rows, {counts.changed} changed, "
            f"{counts.history} status changes recorded in {seconds:.2f} s"
        )
        self.stdout.write(
            f"stored: {ProjectStatus.objects.count()} projects, "
            f"{InitiativeStatus.objects.count()} initiatives, {KpiStatus.objects.count()} KPIs; "
            f"history: {StatusChange.objects.count()} entries"
        )
