from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The page shell: navigation, overview, cluster status. The top layer: it may import
    every app, and none imports it."""

    name = "opsconsole.shell"
    label = "shell"

    def ready(self) -> None:
        # Every Django process (web, commands, tests) creates the Celery app, so tasks it
        # sends reach our broker; the sandbox, which imports no Django, never loads Celery.
        import opsconsole.celery  # noqa: F401
