"""Shared fixtures: a user per role, plus one without a role (the outsider), and the sandbox
cluster. `sandbox` is shared by the whole session: create what you need in a namespace of your
own. Tests that change the cluster in ways others would notice (faults that are not consumed,
compaction) use `fresh_sandbox` (seeded, its own) or `bare_sandbox` (nothing applied), which
start in well under a second. Helpers live in tests/helpers/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from opsconsole.accounts.users import save_user
from tests.helpers import live_objects
from tests.helpers.sandbox import SandboxHandle, start_sandbox
from tests.helpers.web import PASSWORD


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


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield handle
    handle.cluster.shutdown_thread()


@pytest.fixture
def fresh_sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    handle = start_sandbox(tmp_path)
    yield handle
    handle.cluster.shutdown_thread()


@pytest.fixture
def bare_sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    """A cluster of its own with nothing applied (nodes and namespaces only): fastest."""
    handle = start_sandbox(tmp_path, seed=None)
    yield handle
    handle.cluster.shutdown_thread()


# -- objects of every kind the detail pages show (tests/helpers/live_objects.py) ---------------


@pytest.fixture(scope="session")
def workspace(sandbox: SandboxHandle) -> live_objects.Workspace:
    live_objects.kubectl(sandbox, "apply", "-f", "-", stdin=live_objects.MANIFESTS)
    space = live_objects.Workspace(sandbox)
    space.running_pod("app=web")
    space.running_pod("app=crashy")
    return space


@pytest.fixture
def console(workspace: live_objects.Workspace, settings: Any) -> Iterator[live_objects.Workspace]:
    """The console pointed at the sandbox, showing the trading system and the test namespace."""
    settings.KUBECONFIG = str(workspace.sandbox.kubeconfig)
    settings.OPSCONSOLE_NAMESPACES = ["trading-system", live_objects.NAMESPACE]
    cache.clear()  # the shell's cached cluster status belongs to whatever ran before
    yield workspace
    workspace.sandbox.clear_faults()
    cache.clear()
