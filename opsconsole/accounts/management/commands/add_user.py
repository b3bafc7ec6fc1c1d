from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opsconsole.accounts.roles import ROLES
from opsconsole.accounts.users import command_actor, save_user


class Command(BaseCommand):
    help = (
        "Create a console user or update one's role. The password comes from "
        "OPSCONSOLE_PASSWORD or a prompt; an existing user keeps theirs when neither gives one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)

    def handle(self, *args: Any, username: str, role: str, **options: Any) -> None:
        password = os.environ.get("OPSCONSOLE_PASSWORD") or self._prompt(username)
        try:
            user, created = save_user(
                username, role, password, actor_name=command_actor("add_user")
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} user {user.username} with role {role}."))

    def _prompt(self, username: str) -> str | None:
        if not os.isatty(0):
            return None
        first = getpass.getpass(f"Password for {username} (empty keeps the current one): ")
        if first and getpass.getpass("Again: ") != first:
            raise CommandError("The passwords differ; nothing was changed.")
        return first or None
