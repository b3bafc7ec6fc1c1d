"""Watch history compacts by itself on a timer, as the API server has etcd do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, watch

from tests.helpers.cluster import error_body
from tests.helpers.sandbox import SandboxHandle, start_sandbox

PERIOD = 0.5


@pytest.fixture
def compacting(tmp_path: Path) -> Iterator[SandboxHandle]:
    """A bare cluster that compacts every half second instead of every five minutes."""
    handle = start_sandbox(tmp_path, seed=None, compact_seconds=PERIOD)
    yield handle
    handle.cluster.shutdown_thread()


def test_a_watch_resumed_from_before_two_compactions_meets_410_and_a_relist_recovers(
    compacting,
):
    core = client.CoreV1Api(compacting.api_client())
    core.create_namespace({"metadata": {"name": "old"}})
    rv = core.list_namespaced_config_map("old").metadata.resource_version
    core.create_namespaced_config_map("old", {"metadata": {"name": "a"}})
    time.sleep(PERIOD * 2.5)  # no test asks for it: the timer compacts past rv
    with pytest.raises(client.ApiException) as gone:
        for _ in watch.Watch().stream(
            core.list_namespaced_config_map, "old", resource_version=rv, timeout_seconds=2
        ):
            pass
    assert gone.value.status == 410
    # What an informer does next: list again and watch from the list's resourceVersion.
    listed = core.list_namespaced_config_map("old")
    assert "a" in [c.metadata.name for c in listed.items]
    fresh = listed.metadata.resource_version
    core.create_namespaced_config_map("old", {"metadata": {"name": "b"}})
    seen = [
        (e["type"], e["object"].metadata.name)
        for e in watch.Watch().stream(
            core.list_namespaced_config_map, "old", resource_version=fresh, timeout_seconds=1
        )
    ]
    assert ("ADDED", "b") in seen


def test_recent_history_survives_one_compaction(compacting):
    """Compaction goes to the revision noted at the previous run, as the API server's does."""
    core = client.CoreV1Api(compacting.api_client())
    core.create_namespace({"metadata": {"name": "recent"}})
    compacted = compacting.cluster.store.compacted_rv
    compacting.wait_for(lambda: compacting.cluster.store.compacted_rv > compacted, timeout=5)
    rv = core.list_namespaced_config_map("recent").metadata.resource_version
    core.create_namespaced_config_map("recent", {"metadata": {"name": "kept"}})
    seen = [
        e["object"].metadata.name
        for e in watch.Watch().stream(
            core.list_namespaced_config_map, "recent", resource_version=rv, timeout_seconds=1
        )
    ]
    assert seen == ["kept"]


def test_a_continue_token_from_before_compaction_is_410_expired(compacting):
    core = client.CoreV1Api(compacting.api_client())
    core.create_namespace({"metadata": {"name": "paged"}})
    for i in range(3):
        core.create_namespaced_config_map("paged", {"metadata": {"name": f"cm-{i}"}})
    token = core.list_namespaced_config_map("paged", limit=1).metadata._continue
    core.create_namespaced_config_map("paged", {"metadata": {"name": "later"}})
    time.sleep(PERIOD * 2.5)
    with pytest.raises(client.ApiException) as gone:
        core.list_namespaced_config_map("paged", limit=1, _continue=token)
    assert gone.value.status == 410
    assert error_body(gone.value)["reason"] == "Expired"
