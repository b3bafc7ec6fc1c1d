"""kubectl autoscale, and HPAs through autoscaling/v1 as well as v2."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, kubectl

NS = "scaled"


@pytest.fixture
def apis(bare_sandbox):
    api = bare_sandbox.api_client()
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NS}})
    client.AppsV1Api(api).create_namespaced_deployment(NS, deployment("web", replicas=2))
    return client.AutoscalingV1Api(api), client.AutoscalingV2Api(api)


def test_kubectl_autoscale_creates_an_hpa(bare_sandbox, apis):
    v1, v2 = apis
    out = kubectl(
        bare_sandbox.kubeconfig,
        "autoscale",
        "deployment",
        "web",
        "-n",
        NS,
        "--min=2",
        "--max=5",
        "--cpu-percent=80",
    )
    assert "horizontalpodautoscaler.autoscaling/web autoscaled" in out.stdout
    hpa = v2.read_namespaced_horizontal_pod_autoscaler("web", NS)
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 5)
    assert hpa.spec.scale_target_ref.kind == "Deployment"
    (metric,) = hpa.spec.metrics
    assert (metric.resource.name, metric.resource.target.average_utilization) == ("cpu", 80)
    bare_sandbox.wait_for(
        lambda: v1.read_namespaced_horizontal_pod_autoscaler("web", NS).status.current_replicas == 2
    )
    listed = kubectl(bare_sandbox.kubeconfig, "get", "hpa", "-n", NS, "--no-headers").stdout
    assert listed.split()[:2] == ["web", "Deployment/web"]


def test_an_autoscaling_v1_hpa_is_served_in_both_versions(bare_sandbox, apis):
    v1, v2 = apis
    body = {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 4,
            "targetCPUUtilizationPercentage": 70,
        },
    }
    created = v1.create_namespaced_horizontal_pod_autoscaler(NS, body)
    assert created.api_version == "autoscaling/v1"
    assert created.spec.target_cpu_utilization_percentage == 70
    stored = v2.read_namespaced_horizontal_pod_autoscaler("web", NS)
    (metric,) = stored.spec.metrics
    assert (metric.type, metric.resource.target.average_utilization) == ("Resource", 70)
    (listed,) = v1.list_namespaced_horizontal_pod_autoscaler(NS).items
    assert listed.spec.max_replicas == 4
    assert listed.api_version is None or listed.api_version == "autoscaling/v1"
    raw = json.loads(v1.list_namespaced_horizontal_pod_autoscaler(NS, _preload_content=False).data)
    assert raw["apiVersion"] == "autoscaling/v1"
    assert raw["items"][0]["spec"]["targetCPUUtilizationPercentage"] == 70
    assert "metrics" not in raw["items"][0]["spec"]


def test_v2_metrics_v1_cannot_express_survive_a_v1_update(bare_sandbox, apis):
    v1, v2 = apis
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 3,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 60},
                    },
                },
                {
                    "type": "Resource",
                    "resource": {
                        "name": "memory",
                        "target": {"type": "AverageValue", "averageValue": "500Mi"},
                    },
                },
            ],
        },
    }
    v2.create_namespaced_horizontal_pod_autoscaler(NS, body)
    old = v1.read_namespaced_horizontal_pod_autoscaler("web", NS)
    assert old.spec.target_cpu_utilization_percentage == 60
    assert "autoscaling.alpha.kubernetes.io/metrics" in old.metadata.annotations
    v1.patch_namespaced_horizontal_pod_autoscaler("web", NS, {"spec": {"maxReplicas": 6}})
    after = v2.read_namespaced_horizontal_pod_autoscaler("web", NS)
    assert after.spec.max_replicas == 6
    assert [m.resource.name for m in after.spec.metrics] == ["cpu", "memory"]
    assert after.metadata.annotations in (None, {})


def test_discovery_prefers_v2_and_serves_v1(bare_sandbox):
    groups = client.ApisApi(bare_sandbox.api_client()).get_api_versions().groups
    autoscaling = next(g for g in groups if g.name == "autoscaling")
    assert autoscaling.preferred_version.version == "v2"
    assert [v.version for v in autoscaling.versions] == ["v2", "v1"]
