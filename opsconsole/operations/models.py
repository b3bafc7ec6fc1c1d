from django.db import models


class OperationPermissions(models.Model):  # noqa: DJ008 - no rows, nothing to print
    """Holds the operations app's named permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (
            ("deploy_image", "Roll a Deployment out to a new image"),
            ("rollback_deployment", "Roll a Deployment back to an earlier revision"),
            ("restart_deployment", "Restart a Deployment's pods"),
            ("scale_deployment", "Change a Deployment's or StatefulSet's replicas"),
            ("approve_action", "Approve a risky action requested by someone else"),
        )
