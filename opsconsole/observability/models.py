from django.db import models


class ObservabilityPermissions(models.Model):  # noqa: DJ008 - no rows, nothing to print
    """Holds the observability app's named permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (("manage_silences", "Create and expire Alertmanager silences"),)
