from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from opsconsole.accounts.roles import ROLES
from opsconsole.accounts.users import command_actor, save_user


class Command(BaseCommand):
    help = (
        "Create one demo user per role with a random password kept in var/demo-users.txt, "
        "and print the names and passwords. For the demo only."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = Path(settings.VAR_DIR) / "demo-users.txt"
        known = (
            dict(line.split(" ", 1) for line in store.read_text().splitlines() if " " in line)
            if store.exists()
            else {}
        )
        lines = []
        for role in ROLES:
            password = known.get(role) or secrets.token_urlsafe(12)
            save_user(role, role, password, actor_name=command_actor("demo_users"))
            lines.append(f"{role} {password}")
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text("\n".join(lines) + "\n")
        store.chmod(0o600)
        self.stdout.write("Demo users (user name = role):")
        for line in lines:
            name, password = line.split(" ", 1)
            self.stdout.write(f"  {name:<9} password: {password}")
