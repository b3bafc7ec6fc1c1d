from django.apps import AppConfig


class WorkloadsConfig(AppConfig):
    """The cluster browser: lists, details, logs and the cache the sync keeps."""

    name = "opsconsole.workloads"
    label = "workloads"
