from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    """Prometheus metrics, alert status and Alertmanager silences."""

    name = "opsconsole.observability"
    label = "observability"
