from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    """Sign-in, sessions and the three roles."""

    name = "opsconsole.accounts"
    label = "accounts"

    def ready(self) -> None:
        from opsconsole.accounts import sessions
        from opsconsole.accounts.roles import sync_roles_after_migrate

        sessions.connect()

        # Permissions exist only after every app migrated, so roles are synced then.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
