from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The page shell: navigation, overview, health probe, shared request helpers."""

    name = "opsconsole.core"
    label = "core"
