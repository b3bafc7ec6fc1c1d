"""50k pods: a paged LIST returns each pod once and a watch still keeps up."""

from __future__ import annotations

import json
import threading

import pytest
from kubernetes import client, watch

from tests.helpers.sandbox import start_sandbox

PODS = 50_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    handle = start_sandbox(tmp_path_factory.mktemp("big"), seed=None, pods=PODS)
    handle.cluster.wait_idle(timeout=120)
    yield handle
    handle.cluster.shutdown_thread()


@pytest.mark.slow
def test_a_paged_list_of_50k_pods_returns_each_once(big):
    core = client.CoreV1Api(big.api_client())
    names, token, pages = [], None, 0
    while True:
        resp = core.list_pod_for_all_namespaces(limit=500, _continue=token, _preload_content=False)
        body = json.loads(resp.data)
        names += [p["metadata"]["name"] for p in body["items"]]
        pages += 1
        token = body["metadata"].get("continue")
        if not token:
            break
        assert body["metadata"]["remainingItemCount"] == PODS - len(names)
    assert pages == PODS // 500
    assert len(names) == len(set(names)) == PODS


@pytest.mark.slow
def test_a_watch_over_50k_pods_sees_a_new_pod(big):
    core = client.CoreV1Api(big.api_client())
    rv = core.list_namespaced_pod("default", limit=1).metadata.resource_version
    seen = threading.Event()

    def consume():
        for ev in watch.Watch().stream(
            core.list_pod_for_all_namespaces, resource_version=rv, timeout_seconds=20
        ):
            if ev["object"].metadata.name == "scale-probe" and ev["type"] == "ADDED":
                seen.set()
                return

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    core.create_namespaced_pod(
        "default",
        {
            "metadata": {"name": "scale-probe"},
            "spec": {"containers": [{"name": "c", "image": "registry.local/probe:1"}]},
        },
    )
    assert seen.wait(10)
