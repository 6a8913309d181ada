"""Create the periodic tasks of policy/schedules.py that beat's database lacks; change none."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policy.schedules import BEAT_SCHEDULE, beat_schedules_seed


class Command(BaseCommand):
    help = "Seed missing beat schedules (never overwrites an existing one; migrate does this too)"

    def handle(self, *args: Any, **options: Any) -> None:
        created = beat_schedules_seed()
        kept = len(BEAT_SCHEDULE) - len(created)
        names = f": {', '.join(created)}" if created else ""
        self.stdout.write(
            f"created {len(created)} periodic task(s){names}; kept {kept} existing as they are"
        )
