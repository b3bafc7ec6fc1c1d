"""Helpers for the audit tests: a checkpoint file per test, and SQL behind the app's back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.fixtures import Settings

from opsconsole.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def checkpoint_file(tmp_path: Path, settings: Settings) -> Path:
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_FILE = path
    return path


@pytest.fixture(autouse=True)
def _no_refusal_windows_left() -> None:
    """Lock windows counted in Redis by an earlier test would be swept into this one's log."""
    import redis
    from django.conf import settings

    from opsconsole.audit.refusals import PREFIX

    store = redis.Redis.from_url(settings.REDIS_URL)
    for key in store.scan_iter(match=PREFIX + "*"):
        store.delete(key)


@contextmanager
def behind_the_apps_back() -> Iterator[Any]:
    """A cursor with triggers off, as the database superuser could do (the test database
    role is a superuser); the application's own code never does this."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def verify(*args: str) -> str:
    """Runs audit_verify; returns its output (raises CommandError when the chain is broken)."""
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()
