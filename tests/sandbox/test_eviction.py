"""Eviction honours PodDisruptionBudgets, and kubectl drain works end to end."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, error_body, kubectl

NS = "evict"
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


@pytest.fixture
def apis(bare_sandbox):
    api = bare_sandbox.api_client()
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": NS}})
    return core, client.AppsV1Api(api), client.PolicyV1Api(api)


def ready_pods(sandbox, core, app, count):
    def check():
        pods = core.list_namespaced_pod(NS, label_selector=f"app={app}").items
        live = [p for p in pods if not p.metadata.deletion_timestamp]
        ready = [
            p
            for p in live
            if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
        ]
        return len(ready) == count and ready

    return sandbox.wait_for(check)


def budget(name, app, **spec):
    return {"metadata": {"name": name}, "spec": {"selector": {"matchLabels": {"app": app}}, **spec}}


def eviction(name):
    return {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}


def test_an_eviction_within_budget_deletes_the_pod(bare_sandbox, apis):
    core, apps, policy = apis
    apps.create_namespaced_deployment(NS, deployment("web", replicas=3))
    policy.create_namespaced_pod_disruption_budget(NS, budget("web", "web", maxUnavailable=1))
    victim = ready_pods(bare_sandbox, core, "web", 3)[0].metadata.name
    core.create_namespaced_pod_eviction(victim, NS, eviction(victim))
    assert core.read_namespaced_pod(victim, NS).metadata.deletion_timestamp is not None
    bare_sandbox.wait_for(
        lambda: victim not in [p.metadata.name for p in core.list_namespaced_pod(NS).items]
    )


def test_an_eviction_that_would_violate_the_budget_is_429(bare_sandbox, apis):
    core, apps, policy = apis
    apps.create_namespaced_deployment(NS, deployment("db", replicas=2))
    policy.create_namespaced_pod_disruption_budget(NS, budget("db", "db", minAvailable=2))
    victim = ready_pods(bare_sandbox, core, "db", 2)[0].metadata.name
    with pytest.raises(client.ApiException) as refused:
        core.create_namespaced_pod_eviction(victim, NS, eviction(victim))
    assert refused.value.status == 429
    body = error_body(refused.value)
    assert body["reason"] == "TooManyRequests"
    assert body["message"] == VIOLATION
    assert body["details"]["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget db needs 2 healthy pods and has 2 currently",
        }
    ]
    assert core.read_namespaced_pod(victim, NS).metadata.deletion_timestamp is None

    def synced():
        pdb = policy.read_namespaced_pod_disruption_budget("db", NS)
        return pdb.status and pdb.status.current_healthy == 2 and pdb

    pdb = bare_sandbox.wait_for(synced)
    assert (pdb.status.desired_healthy, pdb.status.disruptions_allowed) == (2, 0)
    out = kubectl(bare_sandbox.kubeconfig, "get", "pdb", "db", "-n", NS, "--no-headers").stdout
    assert out.split()[:4] == ["db", "2", "N/A", "0"]


def test_evictions_in_a_row_count_the_pods_already_going(bare_sandbox, apis):
    core, apps, policy = apis
    apps.create_namespaced_deployment(NS, deployment("api", replicas=4))
    policy.create_namespaced_pod_disruption_budget(NS, budget("api", "api", minAvailable="50%"))
    pods = [p.metadata.name for p in ready_pods(bare_sandbox, core, "api", 4)]
    core.create_namespaced_pod_eviction(pods[0], NS, eviction(pods[0]))
    core.create_namespaced_pod_eviction(pods[1], NS, eviction(pods[1]))
    with pytest.raises(client.ApiException) as refused:
        core.create_namespaced_pod_eviction(pods[2], NS, eviction(pods[2]))
    assert refused.value.status == 429


def test_kubectl_drain_cordons_and_evicts_respecting_the_budget(bare_sandbox, apis):
    core, apps, policy = apis
    kc = bare_sandbox.kubeconfig
    spec = deployment("shop", replicas=6)
    template = spec["spec"]["template"]["spec"]
    template["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    template["containers"][0]["volumeMounts"] = [{"name": "scratch", "mountPath": "/tmp"}]
    apps.create_namespaced_deployment(NS, spec)
    agent = {
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "a", "image": "registry.local/agent:1"}]},
            },
        },
    }
    apps.create_namespaced_daemon_set(NS, agent)
    policy.create_namespaced_pod_disruption_budget(NS, budget("shop", "shop", minAvailable=5))
    ready_pods(bare_sandbox, core, "shop", 6)
    ready_pods(bare_sandbox, core, "agent", 3)
    node = "sandbox-cpu-1"
    on_node = [
        p.metadata.name
        for p in core.list_namespaced_pod(NS, label_selector="app=shop").items
        if p.spec.node_name == node
    ]
    assert len(on_node) == 2  # spread evenly, so the budget has to hold one back

    refused = kubectl(kc, "drain", node, check=False, timeout=60)
    assert refused.returncode == 1
    assert f"node/{node} cordoned" in refused.stdout  # kubectl cordons before it refuses
    assert "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)" in (
        refused.stderr
    )

    drained = kubectl(
        kc, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", timeout=90
    )
    assert f"node/{node} already cordoned" in drained.stdout
    assert f"node/{node} drained" in drained.stdout
    assert f'error when evicting pods/"{on_node[1]}" -n "{NS}"' in drained.stderr or (
        f'error when evicting pods/"{on_node[0]}" -n "{NS}"' in drained.stderr
    )
    assert VIOLATION in drained.stderr
    left = [
        p.metadata.labels["app"]
        for p in core.list_namespaced_pod(NS, field_selector=f"spec.nodeName={node}").items
    ]
    assert left == ["agent"]  # DaemonSet pods stay, as --ignore-daemonsets says
    ready_pods(bare_sandbox, core, "shop", 6)
    status = kubectl(kc, "get", "node", node, "--no-headers").stdout.split()[1]
    assert status == "Ready,SchedulingDisabled"
