"""Every CELERY_* setting is one Celery reads: a misspelt or invented name would be silently
ignored, and the behaviour it promises (late acks, a visibility timeout) would not happen."""

from __future__ import annotations

from celery.app.defaults import NAMESPACES, flatten
from django.conf import settings


def test_every_celery_setting_is_a_real_celery_setting() -> None:
    known = {option[0] for option in flatten(NAMESPACES)}
    ours = {
        name.removeprefix("CELERY_").lower() for name in dir(settings) if name.startswith("CELERY_")
    }
    assert ours - known == set()
    assert {"task_acks_late", "task_reject_on_worker_lost", "broker_transport_options"} <= ours
