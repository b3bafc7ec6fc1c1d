"""A scheduler that can say no: requests against allocatable, taints, affinity, cordon."""

from __future__ import annotations

import ipaddress
from collections import Counter
from pathlib import Path

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, kubectl
from tests.helpers.sandbox import start_sandbox

NS = "sched"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


@pytest.fixture
def core(bare_sandbox):
    api = client.CoreV1Api(bare_sandbox.api_client())
    api.create_namespace({"metadata": {"name": NS}})
    return api


def pod(name, requests=None, **spec):
    container: dict[str, object] = {"name": "c", "image": "registry.local/app:1"}
    if requests:
        container["resources"] = {"requests": requests, "limits": dict(requests)}
    return {"metadata": {"name": name}, "spec": {"containers": [container], **spec}}


def refusal(sandbox, core, name):
    """The PodScheduled=False message once the scheduler has given up on the pod."""

    def check():
        p = core.read_namespaced_pod(name, NS)
        for c in p.status.conditions or []:
            if c.type == "PodScheduled" and c.status == "False":
                return c.message
        return None

    return sandbox.wait_for(check)


def node_of(sandbox, core, name):
    return sandbox.wait_for(lambda: core.read_namespaced_pod(name, NS).spec.node_name)


def test_a_gpu_pod_without_a_toleration_fits_nowhere(bare_sandbox, core):
    core.create_namespaced_pod(NS, pod("gpu", {"nvidia.com/gpu": "1"}))
    assert refusal(bare_sandbox, core, "gpu") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, "
        "3 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: "
        "1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod."
    )
    assert core.read_namespaced_pod("gpu", NS).status.phase == "Pending"


def test_too_many_gpus_and_too_much_cpu_are_insufficient(bare_sandbox, core):
    core.create_namespaced_pod(
        NS, pod("greedy", {"nvidia.com/gpu": "8"}, tolerations=[GPU_TOLERATION])
    )
    core.create_namespaced_pod(NS, pod("hungry", {"cpu": "20"}))
    assert refusal(bare_sandbox, core, "greedy") == (
        "0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are "
        "available: 4 No preemption victims found for incoming pod."
    )
    assert refusal(bare_sandbox, core, "hungry") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, "
        "3 Insufficient cpu. preemption: 0/4 nodes are available: "
        "1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod."
    )


def test_a_pod_that_fits_gets_a_gpu_node_and_the_failed_one_an_event(bare_sandbox, core):
    core.create_namespaced_pod(
        NS,
        pod(
            "trainer",
            {"nvidia.com/gpu": "2"},
            tolerations=[GPU_TOLERATION],
            nodeSelector={"nvidia.com/gpu.present": "true"},
        ),
    )
    assert node_of(bare_sandbox, core, "trainer") == "sandbox-gpu-1"
    core.create_namespaced_pod(NS, pod("gpu", {"nvidia.com/gpu": "1"}))
    message = refusal(bare_sandbox, core, "gpu")
    events = bare_sandbox.wait_for(
        lambda: [
            e
            for e in core.list_namespaced_event(NS, field_selector="involvedObject.name=gpu").items
            if e.reason == "FailedScheduling"
        ]
    )
    assert events[0].message == message
    assert events[0].type == "Warning"
    assert events[0].source.component == "default-scheduler"


def test_requests_of_bound_pods_are_subtracted_and_freed(bare_sandbox, core):
    for i in range(3):
        core.create_namespaced_pod(NS, pod(f"big-{i}", {"cpu": "10"}))
    placed = {node_of(bare_sandbox, core, f"big-{i}") for i in range(3)}
    assert placed == {"sandbox-cpu-1", "sandbox-cpu-2", "sandbox-cpu-3"}
    core.create_namespaced_pod(NS, pod("one-too-many", {"cpu": "10"}))
    assert refusal(bare_sandbox, core, "one-too-many").startswith(
        "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, "
        "3 Insufficient cpu."
    )
    core.delete_namespaced_pod("big-1", NS, grace_period_seconds=0)
    # Freed room wakes the waiting pod at once, not at its next back-off.
    freed = bare_sandbox.wait_for(
        lambda: core.read_namespaced_pod("one-too-many", NS).spec.node_name, timeout=4
    )
    assert freed in placed


def test_cordon_shows_scheduling_disabled_and_keeps_pods_off(bare_sandbox, core):
    kc = bare_sandbox.kubeconfig
    for n in (1, 2, 3):
        kubectl(kc, "cordon", f"sandbox-cpu-{n}")
    out = kubectl(kc, "get", "nodes", "--no-headers").stdout
    status = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert status["sandbox-cpu-1"] == "Ready,SchedulingDisabled"
    assert status["sandbox-gpu-1"] == "Ready"
    node = core.read_node("sandbox-cpu-2")
    assert node.spec.unschedulable is True
    assert [(t.key, t.effect) for t in node.spec.taints] == [
        ("node.kubernetes.io/unschedulable", "NoSchedule")
    ]
    core.create_namespaced_pod(NS, pod("waiting"))
    assert refusal(bare_sandbox, core, "waiting") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, "
        "3 node(s) were unschedulable. preemption: 0/4 nodes are available: "
        "4 Preemption is not helpful for scheduling."
    )
    kubectl(kc, "uncordon", "sandbox-cpu-3")
    assert node_of(bare_sandbox, core, "waiting") == "sandbox-cpu-3"
    assert core.read_node("sandbox-cpu-3").spec.taints is None


def test_unschedulable_affinity_and_resources_together(bare_sandbox, core):
    """The example of the issue, reason by reason."""
    kubectl(bare_sandbox.kubeconfig, "cordon", "sandbox-cpu-1")
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "kubernetes.io/hostname",
                                "operator": "In",
                                "values": ["sandbox-cpu-1", "sandbox-gpu-1"],
                            }
                        ]
                    }
                ]
            }
        }
    }
    core.create_namespaced_pod(
        NS, pod("picky", {"nvidia.com/gpu": "5"}, tolerations=[GPU_TOLERATION], affinity=affinity)
    )
    assert refusal(bare_sandbox, core, "picky") == (
        "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, "
        "1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, "
        "3 Preemption is not helpful for scheduling."
    )
    described = kubectl(bare_sandbox.kubeconfig, "describe", "pod", "picky", "-n", NS).stdout
    assert "FailedScheduling" in described
    assert "0/4 nodes are available: 1 Insufficient nvidia.com/gpu" in described


def test_pod_ips_come_from_the_node_pod_cidr_and_are_unique(bare_sandbox, core):
    apps = client.AppsV1Api(bare_sandbox.api_client())
    apps.create_namespaced_deployment(NS, deployment("many", replicas=40))
    cidrs = {n.metadata.name: ipaddress.ip_network(n.spec.pod_cidr) for n in core.list_node().items}

    def running():
        pods = core.list_namespaced_pod(NS, label_selector="app=many").items
        return len(pods) == 40 and all(p.status.pod_ip for p in pods) and pods

    pods = bare_sandbox.wait_for(running)
    ips = [p.status.pod_ip for p in pods]
    assert len(set(ips)) == 40
    for p in pods:
        assert ipaddress.ip_address(p.status.pod_ip) in cidrs[p.spec.node_name]
        node = core.read_node(p.spec.node_name)
        internal = [a.address for a in node.status.addresses if a.type == "InternalIP"]
        assert p.status.host_ip == internal[0]


def test_the_synthetic_filler_stays_within_capacity(tmp_path: Path):
    handle = start_sandbox(tmp_path, seed=None, pods=1200)
    try:
        core = client.CoreV1Api(handle.api_client())
        nodes = {n.metadata.name: n for n in core.list_node().items}
        pods = core.list_pod_for_all_namespaces().items
        per_node = Counter(p.spec.node_name for p in pods)
        assert len(pods) == 1200
        for name, count in per_node.items():
            assert count <= int(nodes[name].status.allocatable["pods"]), name
        assert sorted(n for n in nodes if n.startswith("sandbox-synthetic-")) == [
            f"sandbox-synthetic-{i:03d}" for i in range(5)
        ]
        ips = [p.status.pod_ip for p in pods]
        assert len(set(ips)) == len(ips)
        for p in pods:
            cidr = ipaddress.ip_network(nodes[p.spec.node_name].spec.pod_cidr)
            assert ipaddress.ip_address(p.status.pod_ip) in cidr
        # The filler leaves the base nodes free for real workloads.
        core.create_namespace({"metadata": {"name": NS}})
        core.create_namespaced_pod(NS, pod("after", {"cpu": "1"}))
        assert node_of(handle, core, "after").startswith("sandbox-")
    finally:
        handle.cluster.shutdown_thread()


def test_no_execute_taints_keep_pods_off_unless_tolerated(bare_sandbox, core):
    kc = bare_sandbox.kubeconfig
    kubectl(kc, "taint", "nodes", "sandbox-cpu-1", "dedicated=db:NoExecute")
    kubectl(kc, "taint", "nodes", "sandbox-cpu-2", "dedicated=db:NoExecute")
    core.create_namespaced_pod(NS, pod("plain"))
    assert node_of(bare_sandbox, core, "plain") == "sandbox-cpu-3"
    tolerant = {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute"}
    core.create_namespaced_pod(
        NS,
        pod(
            "db",
            tolerations=[tolerant],
            nodeSelector={"kubernetes.io/hostname": "sandbox-cpu-1"},
        ),
    )
    assert node_of(bare_sandbox, core, "db") == "sandbox-cpu-1"
    core.create_namespaced_pod(
        NS, pod("elsewhere", nodeSelector={"kubernetes.io/hostname": "sandbox-cpu-2"})
    )
    assert refusal(bare_sandbox, core, "elsewhere") == (
        # Taints are checked before affinity: both tainted nodes say so.
        "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint {nvidia.com/gpu: present}, "
        "2 node(s) had untolerated taint {dedicated: db}. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
    )
