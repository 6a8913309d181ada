from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from policy.demo import DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Create the demo program, users and indicator figures (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=None,
            help="password for new demo users (default: DEMO_PASSWORD setting)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or settings.DEMO_PASSWORD
        report = demo_seed(password=password)
        for line in report.lines():
            self.stdout.write(line)
        if report.created.get("user"):
            names = ", ".join(u[0] for u in DEMO_USERS)
            self.stdout.write(self.style.SUCCESS(f"demo users {names} — password: {password}"))
