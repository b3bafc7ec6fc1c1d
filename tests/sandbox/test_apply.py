"""Server-side apply and managedFields, through kubectl apply --server-side and the official
client's apply patches."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.helpers.cluster import deployment, error_body, kubectl, raw

NS = "ssa"
APPLY = "application/apply-patch+yaml"


@pytest.fixture(scope="module")
def apps(sandbox):
    client.CoreV1Api(sandbox.api_client()).create_namespace({"metadata": {"name": NS}})
    return client.AppsV1Api(sandbox.api_client())


def managers(obj: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(manager, operation, subresource) → fieldsV1, from an object or its dict."""
    if not isinstance(obj, dict):
        obj = client.ApiClient().sanitize_for_serialization(obj)
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
        for e in obj["metadata"].get("managedFields") or []
    }


def apply(apps, body: dict[str, Any], manager: str = "opsconsole", force: bool = False):
    return apps.patch_namespaced_deployment(
        body["metadata"]["name"],
        NS,
        body,
        field_manager=manager,
        force=force,
        _content_type=APPLY,
    )


def manifest(tmp_path, body: dict[str, Any]) -> str:
    path = tmp_path / f"{body['metadata']['name']}.yaml"
    path.write_text(yaml.safe_dump({**body, "metadata": {**body["metadata"], "namespace": NS}}))
    return str(path)


def test_apply_creates_and_owns_exactly_what_it_sent(apps):
    created = apply(apps, deployment("own-fields", replicas=2))
    fields = managers(created)[("opsconsole", "Apply", "")]
    assert fields["f:spec"]["f:replicas"] == {}
    assert fields["f:spec"]["f:selector"] == {}  # a LabelSelector is atomic
    container = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']
    assert container == {".": {}, "f:image": {}, "f:name": {}}
    assert fields["f:metadata"]["f:labels"] == {".": {}, "f:app": {}}
    # Defaults the server added are nobody's.
    assert "f:progressDeadlineSeconds" not in fields["f:spec"]
    assert created.spec.progress_deadline_seconds == 600


def test_ordinary_writes_record_update_managers(sandbox, apps):
    apps.create_namespaced_deployment(NS, deployment("updates", replicas=1))
    got = apps.read_namespaced_deployment("updates", NS)
    # The official client names no fieldManager: its User-Agent's prefix does.
    fields = managers(got)[("OpenAPI-Generator", "Update", "")]
    assert "f:progressDeadlineSeconds" in fields["f:spec"]  # what it sent, defaulted
    kc = kubectl(sandbox.kubeconfig, "-n", NS, "scale", "deployment/updates", "--replicas=3")
    assert "scaled" in kc.stdout
    kubectl(
        sandbox.kubeconfig,
        "-n",
        NS,
        "patch",
        "deployment/updates",
        "-p",
        '{"metadata":{"labels":{"tier":"web"}}}',
    )
    got = apps.read_namespaced_deployment("updates", NS)
    entries = managers(got)
    assert entries[("kubectl", "Update", "scale")] == {"f:spec": {"f:replicas": {}}}
    assert entries[("kubectl-patch", "Update", "")] == {"f:metadata": {"f:labels": {"f:tier": {}}}}
    # scale took spec.replicas from the creator.
    assert "f:replicas" not in entries[("OpenAPI-Generator", "Update", "")]["f:spec"]
    raw_entry = next(
        e for e in got.metadata.managed_fields if e.manager == "kubectl" and e.subresource
    )
    assert (raw_entry.api_version, raw_entry.fields_type) == ("apps/v1", "FieldsV1")
    assert raw_entry.time is not None


def test_two_appliers_that_disagree_conflict_until_forced(apps):
    apply(apps, deployment("shared", replicas=2), manager="team-a")
    with pytest.raises(client.ApiException) as err:
        apply(apps, deployment("shared", replicas=5), manager="team-b")
    assert err.value.status == 409
    body = error_body(err.value)
    assert body["reason"] == "Conflict"
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "team-a": .spec.replicas'
    assert body["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "team-a"',
            "field": ".spec.replicas",
        }
    ]
    assert apps.read_namespaced_deployment("shared", NS).spec.replicas == 2
    # The same value is no conflict: both own it.
    both = apply(apps, deployment("shared", replicas=2), manager="team-b")
    assert "f:replicas" in managers(both)[("team-b", "Apply", "")]["f:spec"]
    assert "f:replicas" in managers(both)[("team-a", "Apply", "")]["f:spec"]
    forced = apply(apps, deployment("shared", replicas=5), manager="team-b", force=True)
    assert forced.spec.replicas == 5
    assert "f:replicas" not in managers(forced)[("team-a", "Apply", "")]["f:spec"]


def test_several_conflicts_are_listed_by_manager(apps):
    apply(apps, deployment("many", replicas=1, image="registry.local/web:1"), manager="a")
    with pytest.raises(client.ApiException) as err:
        apply(apps, deployment("many", replicas=2, image="registry.local/web:2"), manager="b")
    assert error_body(err.value)["message"] == (
        'Apply failed with 2 conflicts: conflicts with "a":\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="web"].image'
    )


def test_fields_a_manager_stops_sending_are_removed_unless_owned_elsewhere(apps):
    body = deployment("prune", replicas=1)
    spec = body["spec"]["template"]["spec"]["containers"][0]
    spec["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    # (the helper shares one labels dict with the selector: give metadata its own)
    body["metadata"]["labels"] = {**body["metadata"]["labels"], "team": "x"}
    apply(apps, body)
    apply(
        apps,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "prune", "labels": {"owner": "ops"}},
        },
        manager="other",
    )
    spec["env"] = [{"name": "A", "value": "1"}]
    del body["metadata"]["labels"]["team"]
    got = apply(apps, body)
    assert [e.name for e in got.spec.template.spec.containers[0].env] == ["A"]
    assert got.metadata.labels == {"app": "prune", "owner": "ops"}
    spec.pop("env")
    got = apply(apps, body)
    assert got.spec.template.spec.containers[0].env is None


def test_lists_merge_by_their_keys(apps):
    body = deployment("lists", replicas=1)
    body["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    body["spec"]["template"]["spec"]["volumes"] = [{"name": "a", "emptyDir": {}}]
    apply(apps, body, manager="web-team")
    sidecar = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "lists"},
        "spec": {
            "selector": {"matchLabels": {"app": "lists"}},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "web", "ports": [{"containerPort": 9090, "name": "metrics"}]},
                        {"name": "proxy", "image": "registry.local/proxy:1"},
                    ],
                    "volumes": [{"name": "b", "emptyDir": {}}],
                }
            },
        },
    }
    got = apply(apps, sidecar, manager="mesh")
    containers = {c.name: c for c in got.spec.template.spec.containers}
    assert set(containers) == {"web", "proxy"}
    assert [p.container_port for p in containers["web"].ports] == [80, 9090]
    assert containers["web"].image == "registry.local/web:1.0"
    assert [v.name for v in got.spec.template.spec.volumes] == ["a", "b"]
    mesh = managers(got)[("mesh", "Apply", "")]["f:spec"]["f:template"]["f:spec"]
    assert (
        'k:{"containerPort":9090,"protocol":"TCP"}'
        in (mesh["f:containers"]['k:{"name":"web"}']["f:ports"])
    )


def test_apply_needs_a_field_manager_and_a_no_op_changes_nothing(sandbox, apps):
    url = f"{sandbox.url}/apis/apps/v1/namespaces/{NS}/deployments/noop"
    status, body = raw(url, "PATCH", deployment("noop"), APPLY)
    assert status == 422
    assert body["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
        "for apply patch"
    )
    status, body = raw(
        f"{sandbox.url}/apis/apps/v1/namespaces/nowhere/deployments/noop?fieldManager=x",
        "PATCH",
        deployment("noop"),
        APPLY,
    )
    assert (status, body["message"]) == (404, 'namespaces "nowhere" not found')
    first = apply(apps, deployment("noop", replicas=1))
    sandbox.wait_for(
        lambda: apps.read_namespaced_deployment("noop", NS).status.available_replicas == 1
    )
    sandbox.cluster.wait_idle()
    settled = apps.read_namespaced_deployment("noop", NS)
    again = apply(apps, deployment("noop", replicas=1))
    assert again.metadata.resource_version == settled.metadata.resource_version
    assert again.metadata.managed_fields[0].time == first.metadata.managed_fields[0].time


def test_kubectl_apply_server_side(sandbox, apps, tmp_path):
    body = deployment("kc-ssa", replicas=2)
    path = manifest(tmp_path, body)
    out = kubectl(sandbox.kubeconfig, "apply", "--server-side", "-f", path).stdout
    assert out.strip() == "deployment.apps/kc-ssa serverside-applied"
    got = json.loads(
        kubectl(
            sandbox.kubeconfig,
            "-n",
            NS,
            "get",
            "deploy/kc-ssa",
            "-o",
            "json",
            "--show-managed-fields",
        ).stdout
    )
    assert ("kubectl", "Apply", "") in managers(got)
    kubectl(sandbox.kubeconfig, "-n", NS, "scale", "deploy/kc-ssa", "--replicas=4")
    proc = kubectl(sandbox.kubeconfig, "apply", "--server-side", "-f", path, check=False)
    assert proc.returncode != 0
    assert (
        'error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" '
        "using apps/v1: .spec.replicas"
    ) in proc.stderr
    assert apps.read_namespaced_deployment("kc-ssa", NS).spec.replicas == 4
    out = kubectl(
        sandbox.kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", path
    ).stdout
    assert "serverside-applied" in out
    assert apps.read_namespaced_deployment("kc-ssa", NS).spec.replicas == 2
    # The official client, as the console would, conflicts with kubectl now.
    with pytest.raises(client.ApiException) as err:
        apply(apps, deployment("kc-ssa", replicas=3))
    assert error_body(err.value)["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    )


def test_status_is_applied_through_its_subresource(sandbox, apps):
    apply(apps, deployment("with-status", replicas=1), manager="owner")
    url = f"{sandbox.url}/apis/apps/v1/namespaces/{NS}/deployments/with-status/status"
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "with-status"},
        "status": {"conditions": [{"type": "Audited", "status": "True"}]},
    }
    status, got = raw(url + "?fieldManager=auditor", "PATCH", body, APPLY)
    assert status == 200, got
    entries = managers(got)
    assert entries[("auditor", "Apply", "status")] == {
        "f:status": {
            "f:conditions": {'k:{"type":"Audited"}': {".": {}, "f:status": {}, "f:type": {}}}
        }
    }
    assert "f:spec" in entries[("owner", "Apply", "")]
    status, _ = raw(url.replace("with-status", "nothing") + "?fieldManager=x", "PATCH", body, APPLY)
    assert status == 404


def test_an_applier_conflicts_with_the_autoscaler_that_scaled(sandbox, apps):
    apply(apps, deployment("autoscaled", replicas=1), manager="deployer")
    client.AutoscalingV2Api(sandbox.api_client()).create_namespaced_horizontal_pod_autoscaler(
        NS,
        {
            "metadata": {"name": "autoscaled"},
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "autoscaled",
                },
                "minReplicas": 3,
                "maxReplicas": 5,
            },
        },
    )
    sandbox.wait_for(lambda: apps.read_namespaced_deployment("autoscaled", NS).spec.replicas == 3)
    entries = managers(apps.read_namespaced_deployment("autoscaled", NS))
    assert entries[("kube-controller-manager", "Update", "scale")] == {"f:spec": {"f:replicas": {}}}
    with pytest.raises(client.ApiException) as err:
        apply(apps, deployment("autoscaled", replicas=1), manager="deployer")
    assert error_body(err.value)["message"] == (
        'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource '
        '"scale" using apps/v1: .spec.replicas'
    )
