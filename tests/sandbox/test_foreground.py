"""Deletion propagation: Foreground keeps the owner, marked, until its dependents are gone;
Background and Orphan do not wait."""

from __future__ import annotations

import json
import threading
import time

import pytest
from kubernetes import client, watch

from tests.helpers.cluster import deployment, kubectl

NS = "fg"


@pytest.fixture(scope="module")
def api(sandbox):
    client.CoreV1Api(sandbox.api_client()).create_namespace({"metadata": {"name": NS}})
    return sandbox.api_client()


def rolled_out(apps, name, replicas):
    def check():
        d = apps.read_namespaced_deployment(name, NS)
        return (d.status.available_replicas or 0) == replicas

    return check


def test_foreground_keeps_the_owner_until_its_dependents_are_gone(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("fg", replicas=2))
    sandbox.wait_for(rolled_out(apps, "fg", 2))
    rs_name = apps.list_namespaced_replica_set(NS, label_selector="app=fg").items[0].metadata.name
    resp = apps.delete_namespaced_deployment(
        "fg", NS, propagation_policy="Foreground", _preload_content=False
    )
    # The client types the answer as a Status; the server answers with the object, marked.
    gone = json.loads(resp.data)
    assert (resp.status, gone["kind"]) == (200, "Deployment")
    assert gone["metadata"]["deletionTimestamp"]
    assert gone["metadata"]["finalizers"] == ["foregroundDeletion"]
    # The pods are Terminating for their grace period: the ReplicaSet and the Deployment wait.
    dep = apps.read_namespaced_deployment("fg", NS)
    assert dep.metadata.finalizers == ["foregroundDeletion"]
    rs = apps.read_namespaced_replica_set(rs_name, NS)
    assert rs.metadata.deletion_timestamp is not None
    assert rs.metadata.finalizers == ["foregroundDeletion"]
    pods = core.list_namespaced_pod(NS, label_selector="app=fg").items
    assert len(pods) == 2
    assert all(p.metadata.deletion_timestamp for p in pods)
    # Deleting it again changes nothing.
    again = apps.delete_namespaced_deployment(
        "fg", NS, propagation_policy="Foreground", _preload_content=False
    )
    assert json.loads(again.data)["metadata"]["resourceVersion"] == dep.metadata.resource_version

    def all_gone():
        try:
            apps.read_namespaced_deployment("fg", NS)
        except client.ApiException as exc:
            return exc.status == 404
        return False

    sandbox.wait_for(all_gone)
    assert not core.list_namespaced_pod(NS, label_selector="app=fg").items
    assert not apps.list_namespaced_replica_set(NS, label_selector="app=fg").items


def test_the_owner_goes_after_its_last_dependent_in_watch_order(sandbox, api):
    apps = client.AppsV1Api(api)
    core = client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("order", replicas=1))
    sandbox.wait_for(rolled_out(apps, "order", 1))
    rv = core.list_namespaced_pod(NS).metadata.resource_version
    seen: list[tuple[str, str, str]] = []

    def watch_kind(fn):
        w = watch.Watch()
        for ev in w.stream(fn, NS, resource_version=rv, timeout_seconds=10):
            meta = ev["object"].metadata
            if ev["type"] == "DELETED" and "order" in meta.name:
                seen.append((ev["object"].kind, meta.name, meta.resource_version))
                if ev["object"].kind == "Deployment":
                    w.stop()

    threads = [
        threading.Thread(target=watch_kind, args=(fn,), daemon=True)
        for fn in (
            core.list_namespaced_pod,
            apps.list_namespaced_replica_set,
            apps.list_namespaced_deployment,
        )
    ]
    for t in threads:
        t.start()
    time.sleep(0.3)
    apps.delete_namespaced_deployment("order", NS, propagation_policy="Foreground")
    sandbox.wait_for(lambda: any(k == "Deployment" for k, _, _ in seen))
    time.sleep(0.3)
    order = [k for k, _, _ in sorted(seen, key=lambda s: int(s[2]))]
    assert order == ["Pod", "ReplicaSet", "Deployment"]


def test_background_removes_the_owner_at_once(sandbox, api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("bg", replicas=1))
    sandbox.wait_for(rolled_out(apps, "bg", 1))
    apps.delete_namespaced_deployment("bg", NS, propagation_policy="Background")
    with pytest.raises(client.ApiException) as err:
        apps.read_namespaced_deployment("bg", NS)
    assert err.value.status == 404
    assert not apps.list_namespaced_replica_set(NS, label_selector="app=bg").items


def test_orphan_keeps_the_dependents(sandbox, api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("orph", replicas=1))
    sandbox.wait_for(rolled_out(apps, "orph", 1))
    apps.delete_namespaced_deployment("orph", NS, propagation_policy="Orphan")
    rs = apps.list_namespaced_replica_set(NS, label_selector="app=orph").items
    assert len(rs) == 1
    assert not rs[0].metadata.owner_references


def test_kubectl_delete_cascade_foreground_waits_for_the_dependents(sandbox, api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("kcfg", replicas=2))
    sandbox.wait_for(rolled_out(apps, "kcfg", 2))
    out = kubectl(
        sandbox.kubeconfig, "-n", NS, "delete", "deployment/kcfg", "--cascade=foreground"
    ).stdout
    assert out.strip() == 'deployment.apps "kcfg" deleted from fg namespace'
    # kubectl waits for the object itself, which goes only after its pods and ReplicaSet.
    assert not core.list_namespaced_pod(NS, label_selector="app=kcfg").items
    assert not apps.list_namespaced_replica_set(NS, label_selector="app=kcfg").items
