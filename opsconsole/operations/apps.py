from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Changes to the cluster: deploy, roll back, restart, scale."""

    name = "opsconsole.operations"
    label = "operations"
