"""Nodes as kubelets keep them: heartbeats (a Lease each, fresh conditions)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.helpers.sandbox import SandboxHandle, start_sandbox

NODES = ["sandbox-cpu-1", "sandbox-cpu-2", "sandbox-cpu-3", "sandbox-gpu-1"]


@pytest.fixture
def beating(tmp_path: Path) -> Iterator[SandboxHandle]:
    """A bare cluster whose kubelets post every 0.3 s instead of every 10 s."""
    handle = start_sandbox(tmp_path, seed=None, heartbeat_seconds=0.3)
    yield handle
    handle.cluster.shutdown_thread()


def test_every_node_holds_a_lease_in_kube_node_lease(bare_sandbox):
    leases = client.CoordinationV1Api(bare_sandbox.api_client())
    got = bare_sandbox.wait_for(
        lambda: (
            (items := leases.list_namespaced_lease("kube-node-lease").items)
            and len(items) == len(NODES)
            and items
        )
    )
    assert sorted(lease.metadata.name for lease in got) == NODES
    for lease in got:
        assert lease.spec.holder_identity == lease.metadata.name
        assert lease.spec.lease_duration_seconds == 40
        assert lease.spec.renew_time is not None
        (owner,) = lease.metadata.owner_references
        assert (owner.kind, owner.name) == ("Node", lease.metadata.name)


def test_leases_and_node_conditions_are_renewed(beating):
    leases = client.CoordinationV1Api(beating.api_client())
    core = client.CoreV1Api(beating.api_client())
    first = beating.wait_for(
        lambda: leases.read_namespaced_lease("sandbox-cpu-1", "kube-node-lease")
    )
    node = core.read_node("sandbox-cpu-1")
    beat = {c.type: c.last_heartbeat_time for c in node.status.conditions}
    assert set(beat) == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    beating.wait_for(
        lambda: (
            leases.read_namespaced_lease("sandbox-cpu-1", "kube-node-lease").spec.renew_time
            > first.spec.renew_time
        )
    )
    beating.wait_for(
        lambda: (
            next(
                c.last_heartbeat_time
                for c in core.read_node("sandbox-cpu-1").status.conditions
                if c.type == "Ready"
            )
            > beat["Ready"]
        ),
        timeout=5,
    )
    transitions = {c.type: c.last_transition_time for c in node.status.conditions}
    after = {
        c.type: c.last_transition_time for c in core.read_node("sandbox-cpu-1").status.conditions
    }
    assert after == transitions  # a heartbeat is not a transition


def test_heartbeats_are_a_few_writes_per_period(beating):
    """Eight writes (four leases, four nodes) a period, however many pods run."""
    core = client.CoreV1Api(beating.api_client())
    leases = client.CoordinationV1Api(beating.api_client())
    beating.wait_for(lambda: len(leases.list_namespaced_lease("kube-node-lease").items) == 4)
    rv = int(core.list_node().metadata.resource_version)
    time.sleep(1.0)
    rv2 = int(core.list_node().metadata.resource_version)
    periods = 1.0 / 0.3
    assert rv2 - rv <= 8 * (periods + 1)
