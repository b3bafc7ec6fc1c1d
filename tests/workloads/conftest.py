"""A cluster sync running in threads against a sandbox of the test's own, into the test Redis."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from kubernetes import client

from opsconsole.cluster.kinds import KINDS
from opsconsole.cluster.sync import KindSync, plan, start
from opsconsole.workloads import cache
from tests.fixtures.sandbox import SandboxHandle

NAMESPACE = "trading-system"


@dataclass
class SyncRun:
    sandbox: SandboxHandle
    api: client.ApiClient
    syncs: list[KindSync]
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def wait_listed(self, times: int = 1) -> None:
        self.sandbox.wait_for(lambda: all(s.relists >= times for s in self.syncs), timeout=30)

    def sync_of(self, plural: str) -> KindSync:
        return next(s for s in self.syncs if s.kind.plural == plural)

    def halt(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


def run_sync(sandbox: SandboxHandle, namespaces: list[str], watch_seconds: int = 0) -> SyncRun:
    """watch_seconds: end every watch that soon (the sync then watches again from its
    resourceVersion), so a test can slip a fault or a compaction in between."""
    cfg = client.Configuration()
    cfg.host = sandbox.url
    cfg.api_key = {"authorization": "Bearer sandbox"}
    cfg.connection_pool_maxsize = 32  # one open watch per kind
    cfg.retries = 0  # as the console's own client: a dropped connection is seen, not retried
    api = client.ApiClient(cfg)
    stop = threading.Event()
    syncs = plan(api, KINDS, namespaces, cache.RedisSink(), stop)
    for s in syncs:
        s.watch_seconds = watch_seconds or s.watch_seconds
    run = SyncRun(sandbox, api, syncs, stop)
    run.threads = start(syncs)
    run.wait_listed()
    return run


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
