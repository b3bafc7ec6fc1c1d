from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox cluster: no models, only the `sandbox` management command."""

    name = "opsconsole.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox cluster"
