"""Create an API token for a user and print it once (only its digest is stored)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.exceptions import PolicyError
from policy.services.api_tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token: create_api_token USERNAME [--name PURPOSE]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="命令行创建", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']!r}；请先在管理后台创建该用户。")
        try:
            token, plaintext = api_token_create(user=user, name=options["name"])
        except PolicyError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            f"已为 {user.username} 创建令牌 {token.prefix}…（用途：{token.name}）。"
            "令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(plaintext)
