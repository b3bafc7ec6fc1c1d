"""Defaulting as the real API server does it: what is stored is what was sent plus the
fields the server fills in (SetDefaults_* of the v1 APIs and the Pod admission plugins)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.helpers.cluster import REPO, kubectl, raw

NS = "defaults"


@pytest.fixture(scope="module")
def api(sandbox: Any) -> client.ApiClient:
    api_client = sandbox.api_client()
    client.CoreV1Api(api_client).create_namespace({"metadata": {"name": NS}})
    return api_client


def manifest(path: str, kind: str) -> dict[str, Any]:
    docs = yaml.safe_load_all((REPO / "k8s" / path).read_text())
    doc: dict[str, Any] = next(d for d in docs if d and d.get("kind") == kind)
    doc["metadata"]["namespace"] = NS
    return doc


def stored(api_client: client.ApiClient, path: str) -> dict[str, Any]:
    """The stored JSON as the server sends it (the typed models would add their own Nones)."""
    status, body = raw(api_client.configuration.host + path)
    assert status == 200, body
    return dict(body)


def added(sent: Any, got: Any, path: str = "") -> dict[str, Any]:
    """Every leaf the server added or changed, by field path."""
    out: dict[str, Any] = {}
    if isinstance(got, dict) and isinstance(sent, dict):
        for key, value in got.items():
            sub = f"{path}.{key}" if path else key
            if key not in sent:
                out[sub] = value
            else:
                out.update(added(sent[key], value, sub))
    elif isinstance(got, list) and isinstance(sent, list):
        for i, value in enumerate(got):
            if i < len(sent):
                out.update(added(sent[i], value, f"{path}[{i}]"))
            else:
                out[f"{path}[{i}]"] = value
    elif sent != got:
        out[path] = got
    return out


def test_a_deployment_from_k8s_is_stored_with_exactly_the_real_defaults(api):
    sent = manifest("api-service-deployment.yaml", "Deployment")
    client.AppsV1Api(api).create_namespaced_deployment(NS, sent)
    got = stored(api, f"/apis/apps/v1/namespaces/{NS}/deployments/trading-api-service")
    c = "template.spec.containers[0]"
    assert added(sent["spec"], got["spec"]) == {
        "progressDeadlineSeconds": 600,
        "template.spec.dnsPolicy": "ClusterFirst",
        "template.spec.restartPolicy": "Always",
        "template.spec.schedulerName": "default-scheduler",
        f"{c}.terminationMessagePath": "/dev/termination-log",
        f"{c}.terminationMessagePolicy": "File",
        f"{c}.ports[0].protocol": "TCP",
        f"{c}.ports[1].protocol": "TCP",
        f"{c}.livenessProbe.httpGet.scheme": "HTTP",
        f"{c}.livenessProbe.successThreshold": 1,
        f"{c}.readinessProbe.httpGet.scheme": "HTTP",
        f"{c}.readinessProbe.successThreshold": 1,
        # Quantities come back in their canonical form.
        f"{c}.resources.limits.cpu": "1",
    }


def test_a_pod_gets_the_pod_only_defaults_and_the_admission_tolerations(api):
    core = client.CoreV1Api(api)
    sent: dict[str, Any] = {
        "metadata": {"name": "defaulted"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.local/app",
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
                    "readinessProbe": {"tcpSocket": {"port": 8080}},
                    "env": [
                        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
                    ],
                }
            ],
            "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "x"}}],
        },
    }
    core.create_namespaced_pod(NS, sent)
    got = stored(api, f"/api/v1/namespaces/{NS}/pods/defaulted")
    spec = got["spec"]
    ctr = spec["containers"][0]
    # SetDefaults_Pod: requests taken from limits (never on templates).
    assert ctr["resources"]["requests"] == {"cpu": "500m", "memory": "256Mi"}
    assert got["status"]["qosClass"] == "Guaranteed"
    # An image with no tag is :latest, pulled Always.
    assert ctr["imagePullPolicy"] == "Always"
    assert ctr["readinessProbe"] == {
        "tcpSocket": {"port": 8080},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert ctr["env"][0]["valueFrom"]["fieldRef"] == {
        "apiVersion": "v1",
        "fieldPath": "metadata.name",
    }
    assert spec["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "x", "defaultMode": 420}},
    ]
    # DefaultTolerationSeconds, Priority and ServiceAccount admission.
    assert spec["tolerations"] == [
        {
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
    ]
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert (spec["serviceAccountName"], spec["enableServiceLinks"]) == ("default", True)
    assert spec["securityContext"] == {}
    assert spec["terminationGracePeriodSeconds"] == 30


def test_pods_a_deployment_creates_carry_the_pod_defaults(api, sandbox):
    apps = client.AppsV1Api(api)
    core = client.CoreV1Api(api)
    labels = {"app": "limits-only"}
    apps.create_namespaced_deployment(
        NS,
        {
            "metadata": {"name": "limits-only"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": "registry.local/app:1",
                                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                            }
                        ]
                    },
                },
            },
        },
    )
    template = apps.read_namespaced_deployment("limits-only", NS).spec.template
    assert template.spec.containers[0].resources.requests is None
    assert template.spec.tolerations is None
    pods = sandbox.wait_for(
        lambda: core.list_namespaced_pod(NS, label_selector="app=limits-only").items
    )
    pod = pods[0]
    assert pod.spec.containers[0].resources.requests == {"cpu": "1", "memory": "1Gi"}
    assert {t.key for t in pod.spec.tolerations} == {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    }
    assert pod.status.qos_class == "Guaranteed"


def test_a_service_gets_its_families_policies_and_target_ports(api):
    core = client.CoreV1Api(api)
    sent = manifest("api-service-deployment.yaml", "Service")
    core.create_namespaced_service(NS, sent)
    got = stored(api, f"/api/v1/namespaces/{NS}/services/trading-api-service")
    extra = added(sent["spec"], got["spec"])
    assert extra.pop("clusterIP") == extra.pop("clusterIPs")[0]
    assert extra == {
        "sessionAffinity": "None",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster",
        "ports[0].protocol": "TCP",
        "ports[1].protocol": "TCP",
    }
    node_port = core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "np"},
            "spec": {"type": "NodePort", "selector": {"a": "b"}, "ports": [{"port": 80}]},
        },
    )
    assert node_port.spec.external_traffic_policy == "Cluster"
    assert node_port.spec.ports[0].target_port == 80


def test_jobs_and_cronjobs_get_the_batch_defaults(api):
    batch = client.BatchV1Api(api)
    sent = manifest("download-datasets-job.yaml", "CronJob")
    batch.create_namespaced_cron_job(NS, sent)
    got = stored(api, f"/apis/batch/v1/namespaces/{NS}/cronjobs/{sent['metadata']['name']}")
    spec = got["spec"]
    for key, value in (
        ("concurrencyPolicy", "Allow"),
        ("suspend", False),
        ("successfulJobsHistoryLimit", 3),
        ("failedJobsHistoryLimit", 1),
    ):
        assert spec[key] == sent["spec"].get(key, value)
    # SetDefaults_Job is not run on a jobTemplate: what was not sent stays absent.
    job_spec = sent["spec"]["jobTemplate"]["spec"]
    for key in ("backoffLimit", "completions", "parallelism", "completionMode"):
        assert (key in spec["jobTemplate"]["spec"]) == (key in job_spec)
    job = batch.create_namespaced_job(
        NS,
        {
            "metadata": {"name": "one-off"},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "run", "image": "registry.local/etl:2"}],
                    }
                }
            },
        },
    )
    assert (job.spec.completions, job.spec.parallelism, job.spec.backoff_limit) == (1, 1, 6)
    assert (job.spec.completion_mode, job.spec.suspend) == ("NonIndexed", False)
    assert job.spec.pod_replacement_policy == "TerminatingOrFailed"
    assert job.metadata.labels["batch.kubernetes.io/job-name"] == "one-off"


def test_an_hpa_without_metrics_scales_on_cpu_at_80_percent(api):
    hpa = client.AutoscalingV2Api(api).create_namespaced_horizontal_pod_autoscaler(
        NS,
        {
            "metadata": {"name": "bare"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
                "maxReplicas": 3,
            },
        },
    )
    assert hpa.spec.min_replicas == 1
    metric = hpa.spec.metrics[0]
    assert (metric.type, metric.resource.name) == ("Resource", "cpu")
    assert (metric.resource.target.type, metric.resource.target.average_utilization) == (
        "Utilization",
        80,
    )


def test_server_dry_run_shows_the_defaults_and_stores_nothing(api, sandbox, tmp_path):
    doc = manifest("api-service-deployment.yaml", "Deployment")
    doc["metadata"]["name"] = "dry-run-preview"
    file = tmp_path / "dry-run-preview.yaml"
    file.write_text(yaml.safe_dump(doc))
    out = kubectl(
        sandbox.kubeconfig, "apply", "--dry-run=server", "-f", str(file), "-o", "json"
    ).stdout
    preview = json.loads(out)
    assert preview["spec"]["progressDeadlineSeconds"] == 600
    assert preview["spec"]["template"]["spec"]["schedulerName"] == "default-scheduler"
    gone = kubectl(
        sandbox.kubeconfig, "get", "deployment", "dry-run-preview", "-n", NS, check=False
    )
    assert gone.returncode != 0
    assert 'deployments.apps "dry-run-preview" not found' in gone.stderr
