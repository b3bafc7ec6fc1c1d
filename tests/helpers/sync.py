"""A cluster sync running in threads against a sandbox, into the test Redis (the fixtures
that start one are in tests/workloads/conftest.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from kubernetes import client

from opsconsole.cluster.kinds import KINDS
from opsconsole.cluster.sync import KindSync, plan, start
from opsconsole.sandbox.auth import token_for
from opsconsole.workloads import cache
from tests.helpers.sandbox import SandboxHandle

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


def run_sync(
    sandbox: SandboxHandle, namespaces: list[str], watch_seconds: int = 0, identity: str = "admin"
) -> SyncRun:
    """watch_seconds: end every watch that soon (the sync then watches again from its
    resourceVersion), so a test can slip a fault or a compaction in between. identity: whom
    the sync acts as (see SandboxHandle.api_client)."""
    cfg = client.Configuration()
    cfg.host = sandbox.url
    cfg.api_key = {"authorization": f"Bearer {token_for(identity)}"}
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
