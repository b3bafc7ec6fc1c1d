"""EndpointSlices follow each Service's ready pods, as the endpointslice controller keeps them."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, kubectl

NS = "slices"


@pytest.fixture
def apis(bare_sandbox):
    api = bare_sandbox.api_client()
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": NS}})
    spec = deployment("web", replicas=3)
    spec["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"name": "http", "containerPort": 8080}
    ]
    client.AppsV1Api(api).create_namespaced_deployment(NS, spec)
    core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
    )
    return core, client.AppsV1Api(api), client.DiscoveryV1Api(api)


def slices(discovery):
    return discovery.list_namespaced_endpoint_slice(
        NS, label_selector="kubernetes.io/service-name=web"
    ).items


def ready_addresses(discovery):
    return sorted(
        a
        for s in slices(discovery)
        for e in s.endpoints or []
        if e.conditions.ready
        for a in e.addresses
    )


def test_a_service_gets_a_slice_of_its_ready_pods(bare_sandbox, apis):
    core, _, discovery = apis
    addresses = bare_sandbox.wait_for(lambda: len(a := ready_addresses(discovery)) == 3 and a)
    pods = core.list_namespaced_pod(NS, label_selector="app=web").items
    assert addresses == sorted(p.status.pod_ip for p in pods)
    (s,) = slices(discovery)
    assert s.address_type == "IPv4"
    assert s.metadata.labels["endpointslice.kubernetes.io/managed-by"] == (
        "endpointslice-controller.k8s.io"
    )
    assert [(p.name, p.port, p.protocol) for p in s.ports] == [("http", 8080, "TCP")]
    (owner,) = s.metadata.owner_references
    assert (owner.kind, owner.name, owner.controller) == ("Service", "web", True)
    by_pod = {e.target_ref.name: e for e in s.endpoints}
    for p in pods:
        assert by_pod[p.metadata.name].node_name == p.spec.node_name
    out = kubectl(bare_sandbox.kubeconfig, "get", "endpointslices", "-n", NS, "--no-headers")
    assert out.stdout.split()[1:3] == ["IPv4", "8080"]


def test_slices_follow_scaling_and_go_with_the_service(bare_sandbox, apis):
    core, apps, discovery = apis
    bare_sandbox.wait_for(lambda: len(ready_addresses(discovery)) == 3)
    apps.patch_namespaced_deployment_scale("web", NS, {"spec": {"replicas": 1}})
    bare_sandbox.wait_for(
        lambda: len([e for s in slices(discovery) for e in s.endpoints or []]) == 1
    )
    core.delete_namespaced_service("web", NS)
    bare_sandbox.wait_for(lambda: not slices(discovery))


def test_a_terminating_pod_is_serving_but_not_ready(bare_sandbox, apis):
    core, _, discovery = apis
    bare_sandbox.wait_for(lambda: len(ready_addresses(discovery)) == 3)
    victim = core.list_namespaced_pod(NS, label_selector="app=web").items[0].metadata.name
    core.delete_namespaced_pod(victim, NS, grace_period_seconds=600)

    def terminating():
        for s in slices(discovery):
            for e in s.endpoints or []:
                if e.target_ref.name == victim and e.conditions.terminating:
                    return e
        return None

    endpoint = bare_sandbox.wait_for(terminating)
    assert endpoint.conditions.ready is False
    assert endpoint.conditions.serving is True
