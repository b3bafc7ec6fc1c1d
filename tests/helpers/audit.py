"""Reading the audit log, running audit_verify, and SQL behind the application's back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection

from opsconsole.audit.models import AuditEvent


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
    out = StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()
