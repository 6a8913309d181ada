"""``manage.py ingest``: the ingestion service from the command line.

    manage.py ingest --source CODE
    manage.py ingest --kind KIND (--file PATH | --url URL) [--indicator CODE] [--area CODE]
                     [--mapping JSON] [--create-missing] [--dry-run]

Prints one summary line ``inserted=N updated=N unchanged=N rejected=N flagged=N`` (flagged: values
kept but marked doubtful by a data-quality rule). On bad input it exits non-zero with the
service's message and the database is exactly as before: no observation and no run row is
kept (the scheduled task, unlike the command, keeps failed runs in the log).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from indicators.connectors import CONNECTORS
from indicators.exceptions import IngestionError
from indicators.models import Source
from indicators.progress import STAGES
from indicators.services import IngestRequest, ingest, source_ingest

PROGRESS_FROM_ROWS = 5000
BAR = 30  # characters of the terminal progress bar
PLAIN_EVERY = 2.0  # seconds between two progress lines written to a file or pipe


class Command(BaseCommand):
    help = "采集一个已配置的来源，或按给定格式导入一个文件或地址。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", help="已配置来源的代码")
        parser.add_argument("--kind", choices=sorted(CONNECTORS), help="数据格式")
        parser.add_argument("--file", help="要读取的文件路径")
        parser.add_argument("--url", help="要获取的地址（受允许主机列表限制）")
        parser.add_argument("--indicator", help="未写明指标的行所用的指标代码")
        parser.add_argument("--area", help="未写明地区的行所用的地区代码")
        parser.add_argument("--mapping", help="来源映射选项（JSON 对象）")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="按数据中的名称创建未知的指标与地区代码",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只解析、校验和计数，不保存任何内容"
        )

    _started = 0.0
    _last_line = 0.0
    _last: tuple[int, str] = (-1, "")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            run = self._run(opts)
        except IngestionError as exc:
            raise CommandError(exc.message) from None
        prefix = _("试运行：") if opts["dry_run"] else ""
        self.stdout.write(
            f"{prefix}inserted={run.inserted} updated={run.updated} "
            f"unchanged={run.unchanged} rejected={run.rejected} flagged={run.flagged}"
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
                raise CommandError(_("--source 不能与 --kind/--file/--url/--mapping 同时使用。"))
            source = Source.objects.filter(code=opts["source"]).first()
            if source is None:
                known = ", ".join(Source.objects.values_list("code", flat=True)) or _("（无）")
                raise CommandError(
                    _("没有来源“%(code)s”。已配置的来源：%(known)s。")
                    % {"code": opts["source"], "known": known}
                )
            return source_ingest(source=source, trigger="command", **common)
        return ingest(IngestRequest(**self._adhoc(opts), trigger="command", **common))

    def _adhoc(self, opts: dict[str, Any]) -> dict[str, Any]:
        if not opts["kind"]:
            raise CommandError(
                _("请给出 --source 代码，或 --kind 格式加 --file 路径或 --url 地址。")
            )
        if bool(opts["file"]) == bool(opts["url"]):
            raise CommandError(_("--file 路径与 --url 地址只能且必须给出一个。"))
        options = self._mapping(opts["mapping"])
        for name in ("indicator", "area"):
            if opts[name]:
                options[name] = opts[name]
        request: dict[str, Any] = {"kind": opts["kind"], "options": options}
        if opts["file"]:
            path = Path(opts["file"])
            if not path.is_file():
                raise CommandError(_("找不到文件：%(path)s") % {"path": path})
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
            raise CommandError(
                _("--mapping 不是有效的 JSON：%(error)s") % {"error": exc}
            ) from None
        if not isinstance(value, dict):
            raise CommandError(_('--mapping 必须是 JSON 对象，例如 {"columns": {...}}。'))
        return value

    def _progress(self, done: int, total: int, stage: str) -> None:
        """A bar on a terminal; on a file or pipe a plain line every few seconds and per stage.

        Stages: rows staged (COPY), then the one comparing write, then done.
        """
        if total < PROGRESS_FROM_ROWS or (done, stage) == self._last:
            return
        now = time.monotonic()
        self._started = self._started or now
        rate = int(done / (now - self._started)) if now > self._started else 0
        new_stage = stage != self._last[1]
        self._last = (done, stage)
        line = _("%(stage)s %(done)s/%(total)s 行（%(percent)s%%），%(rate)s 行/秒") % {
            "stage": STAGES.get(stage, stage),
            "done": f"{done:,}",
            "total": f"{total:,}",
            "percent": done * 100 // total,
            "rate": f"{rate:,}",
        }
        if self.stderr.isatty():
            filled = BAR * done // total
            bar = "█" * filled + "░" * (BAR - filled)
            end = "\n" if stage == "done" else ""
            self.stderr.write(f"\r\x1b[K[{bar}] {line}", ending=end)
            self.stderr.flush()
        elif new_stage or stage == "done" or now - self._last_line >= PLAIN_EVERY:
            self._last_line = now
            self.stderr.write(line)
