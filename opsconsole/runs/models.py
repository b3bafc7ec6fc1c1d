from django.db import models


class RunPermissions(models.Model):  # noqa: DJ008 - no rows, nothing to print
    """Holds the runs app's named permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (
            ("launch_training", "Launch a model training Job"),
            ("launch_backtest", "Launch a backtest Job"),
            ("launch_dataset_download", "Launch a dataset download Job"),
            ("cancel_run", "Stop a running Job"),
        )
