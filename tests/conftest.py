"""Shared fixtures: a user per role, plus one without a role (the outsider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from opsconsole.accounts.users import save_user

PASSWORD = "correct-horse-battery-staple"

pytest_plugins = ["tests.fixtures.sandbox"]


@pytest.fixture
def viewer(db: None) -> User:
    return save_user("vera", "viewer", PASSWORD)[0]


@pytest.fixture
def operator(db: None) -> User:
    return save_user("otto", "operator", PASSWORD)[0]


@pytest.fixture
def admin(db: None) -> User:
    return save_user("ada", "admin", PASSWORD)[0]


@pytest.fixture
def outsider(db: None) -> User:
    """Signed up, but given no role: may sign in and sign out, nothing else."""
    return User.objects.create_user("oscar", password=PASSWORD)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_triggers() -> Iterator[None]:
    """Transactional tests end with a flush (TRUNCATE of every table), which the audit log's
    append-only triggers refuse. The test database's superuser flushes with triggers off,
    the same switch a test uses to tamper with the log behind the application's back."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: Any) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]
    yield
    DatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]
