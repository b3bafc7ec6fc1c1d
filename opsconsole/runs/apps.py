from django.apps import AppConfig


class RunsConfig(AppConfig):
    """Training, backtest and dataset-download Jobs launched from the k8s/ templates."""

    name = "opsconsole.runs"
    label = "runs"
