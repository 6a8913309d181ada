"""Create an API token for a user and print it once (only its digest is stored)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from policy.exceptions import PolicyError
from policy.services.api_tokens import api_token_create, api_token_default_expiry


class Command(BaseCommand):
    help = (
        "Create an API token: create_api_token USERNAME [--name PURPOSE] [--days N | --expires "
        "YYYY-MM-DD | --no-expiry] [--read-only]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建", help="what the token is for")
        when = parser.add_mutually_exclusive_group()
        when.add_argument(
            "--days",
            type=int,
            default=None,
            help="valid for N days (default: API_TOKEN_DEFAULT_DAYS, 365 unless configured)",
        )
        when.add_argument("--expires", help="valid until the end of this day (YYYY-MM-DD)")
        when.add_argument("--no-expiry", action="store_true", help="never expires")
        parser.add_argument(
            "--read-only", action="store_true", help="the token may only read, never write"
        )

    def _expires_at(self, options: dict[str, Any]) -> dt.datetime | None:
        if options["no_expiry"]:
            return None
        if options["expires"]:
            try:
                day = dt.date.fromisoformat(options["expires"])
            except ValueError:
                raise CommandError(
                    f"--expires 应为 YYYY-MM-DD 格式的日期，收到 {options['expires']!r}。"
                ) from None
            end = dt.datetime.combine(day, dt.time.max)
            return timezone.make_aware(end, timezone.get_current_timezone())
        days = options["days"]
        if days is None:
            return api_token_default_expiry()
        if days <= 0:
            raise CommandError(f"--days 必须大于 0（收到 {days}）；长期有效请用 --no-expiry。")
        return timezone.now() + dt.timedelta(days=days)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']!r}；请先在管理后台创建该用户。")
        try:
            token, plaintext = api_token_create(
                user=user,
                name=options["name"],
                expires_at=self._expires_at(options),
                read_only=options["read_only"],
            )
        except PolicyError as exc:
            raise CommandError(str(exc)) from None
        until = (
            f"有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
            if token.expires_at
            else "长期有效"
        )
        kind = "只读" if token.read_only else "可读写"
        self.stderr.write(
            f"已为 {user.username} 创建{kind}令牌 {token.prefix}…（用途：{token.name}，{until}）。"
            "令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(plaintext)
