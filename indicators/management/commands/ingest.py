"""``manage.py ingest``: the ingestion service from the command line.

    manage.py ingest --source CODE
    manage.py ingest --kind KIND (--file PATH | --url URL) [--indicator CODE] [--area CODE]
                     [--mapping JSON] [--create-missing] [--dry-run]

Prints one summary line ``inserted=N updated=N unchanged=N rejected=N``. On bad input it exits
non-zero with the service's message and the database is exactly as before: no observation and
no run row is kept (the scheduled task, unlike the command, keeps failed runs in the log).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.connectors import CONNECTORS
from indicators.exceptions import IngestionError
from indicators.models import Source
from indicators.services import IngestRequest, ingest, source_ingest

PROGRESS_FROM_ROWS = 5000


class Command(BaseCommand):
    help = "Ingest a configured source, or a file/URL of a given kind, into the indicators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", help="code of a configured source")
        parser.add_argument("--kind", choices=sorted(CONNECTORS), help="connector kind")
        parser.add_argument("--file", help="path of the payload to read")
        parser.add_argument("--url", help="URL to fetch (allowed hosts apply)")
        parser.add_argument("--indicator", help="indicator code for rows that name none")
        parser.add_argument("--area", help="area code for rows that name none")
        parser.add_argument("--mapping", help="connector options as a JSON object")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create unknown indicator and area codes from the payload's labels",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="parse, validate and count; keep nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            run = self._run(opts)
        except IngestionError as exc:
            raise CommandError(exc.message) from None
        prefix = "dry run: " if opts["dry_run"] else ""
        self.stdout.write(
            f"{prefix}inserted={run.inserted} updated={run.updated} "
            f"unchanged={run.unchanged} rejected={run.rejected}"
        )

    def _run(self, opts: dict[str, Any]) -> Any:
        common = {
            "dry_run": opts["dry_run"],
            "create_missing": opts["create_missing"],
            "keep_failed_run": False,
            "progress": self._progress,
        }
        if opts["source"]:
            if opts["kind"] or opts["file"] or opts["url"] or opts["mapping"]:
                raise CommandError(
                    "--source cannot be combined with --kind/--file/--url/--mapping."
                )
            source = Source.objects.filter(code=opts["source"]).first()
            if source is None:
                known = ", ".join(Source.objects.values_list("code", flat=True)) or "none"
                raise CommandError(f'No source "{opts["source"]}". Configured sources: {known}.')
            return source_ingest(source=source, trigger="command", **common)
        return ingest(IngestRequest(**self._adhoc(opts), trigger="command", **common))

    def _adhoc(self, opts: dict[str, Any]) -> dict[str, Any]:
        if not opts["kind"]:
            raise CommandError("Give --source CODE, or --kind KIND with --file PATH or --url URL.")
        if bool(opts["file"]) == bool(opts["url"]):
            raise CommandError("Give exactly one of --file PATH and --url URL.")
        options = self._mapping(opts["mapping"])
        for name in ("indicator", "area"):
            if opts[name]:
                options[name] = opts[name]
        request: dict[str, Any] = {"kind": opts["kind"], "options": options}
        if opts["file"]:
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(f"File not found: {path}")
            request.update(payload=path.read_bytes(), label=path.name)
        else:
            request.update(url=opts["url"], label=opts["url"])
        return request

    @staticmethod
    def _mapping(text: str | None) -> dict[str, Any]:
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--mapping is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise CommandError('--mapping must be a JSON object, e.g. {"columns": {...}}.')
        return value

    def _progress(self, done: int, total: int) -> None:
        if total >= PROGRESS_FROM_ROWS:
            end = "\n" if done >= total else ""
            self.stderr.write(f"\r{done}/{total} rows ({done * 100 // total}%)", ending=end)
            self.stderr.flush()
