"""Fixtures for the list pages and the overview: an empty cache, and a sync of a fresh
sandbox into it (tests/helpers/sync.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsconsole.workloads import cache
from tests.helpers.sandbox import SandboxHandle
from tests.helpers.sync import NAMESPACE, SyncRun, run_sync


@pytest.fixture
def empty_cache() -> Iterator[None]:
    cache.flush()
    yield
    cache.flush()


@pytest.fixture
def synced(fresh_sandbox: SandboxHandle, empty_cache: None) -> Iterator[SyncRun]:
    """The seeded trading system, listed and watched into the cache, once its pods are up
    (a fresh cluster's Deployments are Degraded for a second or so)."""
    run = run_sync(fresh_sandbox, [NAMESPACE])
    rows = cache.Cache()
    fresh_sandbox.wait_for(
        lambda: (
            set(rows.counts("deployments", NAMESPACE)) == {"Healthy"}
            and set(rows.counts("statefulsets", NAMESPACE)) == {"Healthy"}
        )
    )
    yield run
    run.halt()
