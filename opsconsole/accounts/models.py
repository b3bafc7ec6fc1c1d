from django.db import models


class AccountPermissions(models.Model):  # noqa: DJ008 - no rows, nothing to print
    """Holds the accounts app's named permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (
            ("view_console", "Sign in and read every page (never secret values)"),
            ("manage_users", "Create users, change their roles, deactivate them"),
        )
