from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsconsole.accounts.users import command_actor, deactivate_user


class Command(BaseCommand):
    help = (
        "Deactivate a console user: they can no longer sign in and their sessions end at "
        "once. `add_user NAME --role ROLE` reactivates them (they must sign in again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            deactivate_user(username, actor_name=command_actor("deactivate_user"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Deactivated user {username}; sessions ended."))
