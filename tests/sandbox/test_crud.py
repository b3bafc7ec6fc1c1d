"""Create, read, update, patch, delete through the official client, with real error bodies."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.helpers.cluster import deployment, error_body, raw

NS = "crud"  # what these tests write stays out of the seeded trading-system
SEEDED = "trading-system"


@pytest.fixture(scope="module")
def core(sandbox):
    api = client.CoreV1Api(sandbox.api_client())
    api.create_namespace({"metadata": {"name": NS}})
    return api


@pytest.fixture
def apps(sandbox, core):
    return client.AppsV1Api(sandbox.api_client())


def test_it_sets_server_metadata_on_create(core):
    cm = core.create_namespaced_config_map(
        NS, {"metadata": {"name": "crud-meta"}, "data": {"a": "1"}}
    )
    assert cm.metadata.uid
    assert int(cm.metadata.resource_version) > 0
    assert cm.metadata.creation_timestamp is not None
    again = core.read_namespaced_config_map("crud-meta", NS)
    assert again.metadata.resource_version == cm.metadata.resource_version


def test_it_refuses_a_duplicate_with_already_exists(core):
    core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-dup"}})
    with pytest.raises(client.ApiException) as exc:
        core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-dup"}})
    body = error_body(exc.value)
    assert exc.value.status == 409
    assert body["reason"] == "AlreadyExists"
    assert body["details"] == {"name": "crud-dup", "kind": "configmaps"}


def test_it_answers_not_found_with_a_status(core):
    with pytest.raises(client.ApiException) as exc:
        core.read_namespaced_config_map("does-not-exist", NS)
    body = error_body(exc.value)
    assert (exc.value.status, body["reason"]) == (404, "NotFound")
    assert body["message"] == 'configmaps "does-not-exist" not found'


def test_it_refuses_a_stale_resource_version_on_update(core):
    cm = core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-stale"}, "data": {}})
    cm.data = {"x": "1"}
    core.replace_namespaced_config_map("crud-stale", NS, cm)
    cm.data = {"x": "2"}  # still carries the first resourceVersion
    with pytest.raises(client.ApiException) as exc:
        core.replace_namespaced_config_map("crud-stale", NS, cm)
    assert exc.value.status == 409
    assert error_body(exc.value)["reason"] == "Conflict"
    assert core.read_namespaced_config_map("crud-stale", NS).data == {"x": "1"}


def test_resource_versions_increase_across_kinds(core, apps):
    a = core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-rv-a"}})
    b = core.create_namespaced_secret(NS, {"metadata": {"name": "crud-rv-b"}})
    assert int(b.metadata.resource_version) > int(a.metadata.resource_version)


def test_generation_bumps_on_spec_change_only(apps):
    d = apps.create_namespaced_deployment(NS, deployment("crud-gen", replicas=1))
    assert d.metadata.generation == 1
    d = apps.patch_namespaced_deployment("crud-gen", NS, {"metadata": {"labels": {"x": "y"}}})
    assert d.metadata.generation == 1
    d = apps.patch_namespaced_deployment("crud-gen", NS, {"spec": {"replicas": 2}})
    assert d.metadata.generation == 2


def test_it_rejects_schema_violations_with_invalid(apps):
    bad = deployment("crud-invalid")
    bad["spec"]["replicas"] = "two"
    bad["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    del bad["spec"]["selector"]
    with pytest.raises(client.ApiException) as exc:
        apps.create_namespaced_deployment(NS, bad)
    body = error_body(exc.value)
    assert (exc.value.status, body["reason"]) == (422, "Invalid")
    fields = {c["field"]: c["reason"] for c in body["details"]["causes"]}
    assert fields["spec.selector"] == "FieldValueRequired"
    assert fields["spec.template.spec.containers[0].bogus"] == "FieldValueInvalid"
    assert fields["spec.replicas"] == "FieldValueInvalid"


def test_it_rejects_invalid_names(core):
    with pytest.raises(client.ApiException) as exc:
        core.create_namespaced_config_map(NS, {"metadata": {"name": "Not_A_Name"}})
    assert exc.value.status == 422
    assert error_body(exc.value)["details"]["causes"][0]["field"] == "metadata.name"


def test_dry_run_validates_but_stores_nothing(core):
    cm = core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-dry"}}, dry_run="All")
    assert cm.metadata.uid
    with pytest.raises(client.ApiException) as exc:
        core.read_namespaced_config_map("crud-dry", NS)
    assert exc.value.status == 404


def test_strategic_merge_patch_merges_containers_by_name(apps):
    d = deployment("crud-smp", replicas=1)
    d["spec"]["template"]["spec"]["containers"].append(
        {
            "name": "sidecar",
            "image": "registry.local/proxy:1",
            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        }
    )
    apps.create_namespaced_deployment(NS, d)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "sidecar",
                            "image": "registry.local/proxy:2",
                            "env": [{"name": "B", "value": "3"}],
                        }
                    ]
                }
            }
        }
    }
    got = apps.patch_namespaced_deployment("crud-smp", NS, patch)
    containers = {c.name: c for c in got.spec.template.spec.containers}
    assert set(containers) == {"web", "sidecar"}
    assert containers["sidecar"].image == "registry.local/proxy:2"
    assert {e.name: e.value for e in containers["sidecar"].env} == {"A": "1", "B": "3"}


def test_merge_and_json_patch(sandbox, core):
    core.create_namespaced_config_map(
        NS, {"metadata": {"name": "crud-patch"}, "data": {"a": "1", "b": "2"}}
    )
    url = f"{sandbox.url}/api/v1/namespaces/{NS}/configmaps/crud-patch"
    status, body = raw(
        url, "PATCH", {"data": {"a": None, "c": "3"}}, "application/merge-patch+json"
    )
    assert status == 200
    assert body["data"] == {"b": "2", "c": "3"}
    status, body = raw(
        url,
        "PATCH",
        [
            {"op": "replace", "path": "/data/b", "value": "9"},
            {"op": "add", "path": "/metadata/labels", "value": {"k": "v"}},
        ],
        "application/json-patch+json",
    )
    assert status == 200
    assert body["data"]["b"] == "9"
    assert body["metadata"]["labels"] == {"k": "v"}
    status, body = raw(
        url,
        "PATCH",
        [{"op": "test", "path": "/data/b", "value": "0"}],
        "application/json-patch+json",
    )
    assert status == 422


def test_patch_with_stale_resource_version_conflicts(core):
    cm = core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-prv"}})
    core.patch_namespaced_config_map("crud-prv", NS, {"data": {"a": "1"}})
    with pytest.raises(client.ApiException) as exc:
        core.patch_namespaced_config_map(
            "crud-prv",
            NS,
            {"metadata": {"resourceVersion": cm.metadata.resource_version}, "data": {"a": "2"}},
        )
    assert exc.value.status == 409


def test_scale_subresource(apps):
    apps.create_namespaced_deployment(NS, deployment("crud-scale", replicas=1))
    scale = apps.read_namespaced_deployment_scale("crud-scale", NS)
    assert (scale.kind, scale.spec.replicas) == ("Scale", 1)
    assert scale.status.selector == "app=crud-scale"
    scale = apps.patch_namespaced_deployment_scale("crud-scale", NS, {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4
    assert apps.read_namespaced_deployment("crud-scale", NS).spec.replicas == 4
    stale = apps.read_namespaced_deployment_scale("crud-scale", NS)
    apps.patch_namespaced_deployment_scale("crud-scale", NS, {"spec": {"replicas": 3}})
    stale.spec.replicas = 5
    with pytest.raises(client.ApiException) as exc:
        apps.replace_namespaced_deployment_scale("crud-scale", NS, stale)
    assert exc.value.status == 409


def test_status_subresource_is_separate_from_spec(sandbox, apps):
    apps.create_namespaced_deployment(NS, deployment("crud-status", replicas=1))
    got = apps.patch_namespaced_deployment(
        "crud-status", NS, {"status": {"replicas": 42}, "spec": {"replicas": 2}}
    )
    assert got.spec.replicas == 2
    assert got.status.replicas != 42
    url = f"{sandbox.url}/apis/apps/v1/namespaces/{NS}/deployments/crud-status/status"
    status, body = raw(
        url,
        "PATCH",
        {"status": {"observedGeneration": 99}, "spec": {"replicas": 7}},
        "application/merge-patch+json",
    )
    assert status == 200
    assert body["status"]["observedGeneration"] == 99
    assert body["spec"]["replicas"] == 2


def test_method_not_allowed(sandbox):
    status, body = raw(f"{sandbox.url}/api/v1/namespaces/{NS}/pods/x/log", "POST", {})
    assert status == 405
    assert body["reason"] == "MethodNotAllowed"


def test_bad_request_for_mismatched_name(sandbox):
    status, body = raw(
        f"{sandbox.url}/api/v1/namespaces/{NS}/configmaps/one", "PUT", {"metadata": {"name": "two"}}
    )
    assert status == 400
    assert body["reason"] == "BadRequest"


def test_events_are_served_in_both_groups(sandbox):
    api = sandbox.api_client()
    core_events = client.CoreV1Api(api).list_namespaced_event(SEEDED)
    assert core_events.items
    first = core_events.items[0]
    new = client.EventsV1Api(api).read_namespaced_event(first.metadata.name, SEEDED)
    assert new.regarding.uid == first.involved_object.uid
    assert new.note == first.message
    assert new.reason == first.reason


def test_delete_collection_by_label(core):
    for i in range(3):
        core.create_namespaced_config_map(
            NS,
            {
                "metadata": {
                    "name": f"crud-coll-{i}",
                    "labels": {"batch": "coll" if i < 2 else "keep"},
                }
            },
        )
    core.delete_collection_namespaced_config_map(NS, label_selector="batch=coll")
    left = core.list_namespaced_config_map(NS, label_selector="batch in (coll,keep)").items
    assert [c.metadata.name for c in left] == ["crud-coll-2"]


def test_dry_run_delete_keeps_the_object(core):
    core.create_namespaced_config_map(NS, {"metadata": {"name": "crud-dry-del"}})
    core.delete_namespaced_config_map("crud-dry-del", NS, dry_run="All")
    assert core.read_namespaced_config_map("crud-dry-del", NS).metadata.name == "crud-dry-del"


def test_deleting_a_namespace_deletes_its_objects(sandbox, core):
    core.create_namespace({"metadata": {"name": "crud-doomed"}})
    core.create_namespaced_config_map("crud-doomed", {"metadata": {"name": "x"}})
    core.delete_namespace("crud-doomed")
    with pytest.raises(client.ApiException) as exc:
        core.read_namespaced_config_map("x", "crud-doomed")
    assert exc.value.status == 404


def test_create_in_a_missing_namespace_is_not_found(core):
    with pytest.raises(client.ApiException) as exc:
        core.create_namespaced_config_map("no-such-ns", {"metadata": {"name": "x"}})
    assert exc.value.status == 404
    assert error_body(exc.value)["details"]["kind"] == "namespaces"


def test_apply_patch_creates_then_merges(sandbox):
    url = f"{sandbox.url}/api/v1/namespaces/{NS}/configmaps/crud-apply?fieldManager=test"
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "crud-apply"},
        "data": {"a": "1"},
    }
    status, got = raw(url, "PATCH", body, "application/apply-patch+yaml")
    assert status == 201
    status, got = raw(url, "PATCH", {**body, "data": {"b": "2"}}, "application/apply-patch+yaml")
    assert status == 200
    # The same manager stopped sending "a": server-side apply removes it.
    assert got["data"] == {"b": "2"}


def test_events_can_be_written_through_events_k8s_io(sandbox, core):
    api = client.EventsV1Api(sandbox.api_client())
    pod = core.list_namespaced_pod(SEEDED).items[0]
    api.create_namespaced_event(
        NS,
        {
            "metadata": {"name": "crud-new-event"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "reportingController": "opsconsole",
            "reportingInstance": "web-1",
            "action": "Scale",
            "reason": "ScaledByConsole",
            "note": "scaled to 3 by ada",
            "type": "Normal",
            "regarding": {
                "kind": "Pod",
                "name": pod.metadata.name,
                "namespace": SEEDED,
                "uid": pod.metadata.uid,
            },
        },
    )
    old = core.read_namespaced_event("crud-new-event", NS)
    assert (old.reason, old.message) == ("ScaledByConsole", "scaled to 3 by ada")
    assert old.involved_object.name == pod.metadata.name
    assert old.reporting_component == "opsconsole"
