from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit log and its review page."""

    name = "opsconsole.audit"
    label = "audit"

    def ready(self) -> None:
        from opsconsole.audit import signals

        signals.connect()
