"""The sync follows the cluster: changes reach the page quickly, and a compacted
resourceVersion (410 Gone) or a dropped watch is recovered by listing again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client
from kubernetes import client

from opsconsole.workloads import cache
from tests.helpers.sandbox import SandboxHandle
from tests.helpers.sync import NAMESPACE, SyncRun, run_sync
from tests.helpers.web import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick(fresh_sandbox: SandboxHandle, empty_cache: None) -> Iterator[SyncRun]:
    """A sync whose watches end every second, so each test can come between two."""
    run = run_sync(fresh_sandbox, [NAMESPACE], watch_seconds=1)
    yield run
    run.halt()


def deployment_names(web: Client) -> list[str]:
    html = web.get(f"/ns/{NAMESPACE}/deployments/").content.decode()
    return re.findall(r'<td class="name"><a href="[^"]*">([^<]+)</a>', html)


def desired_on_page(web: Client, name: str) -> str:
    html = web.get(f"/ns/{NAMESPACE}/deployments/?q={name}").content.decode()
    row = html.split(f">{name}</a></td>", 1)[1]
    return str(re.findall(r"<td>([^<]*)</td>", row)[0])


def test_a_scale_shows_on_the_page_within_two_seconds(synced: SyncRun, viewer: User) -> None:
    web = signed_in(viewer)
    assert desired_on_page(web, "trading-engine") == "2"
    client.AppsV1Api(synced.api).patch_namespaced_deployment_scale(
        "trading-engine", NAMESPACE, {"spec": {"replicas": 5}}
    )
    synced.sandbox.wait_for(lambda: desired_on_page(web, "trading-engine") == "5", timeout=2)


def test_a_pending_pod_shows_with_the_schedulers_reason(synced: SyncRun, viewer: User) -> None:
    pod = {
        "metadata": {"name": "too-big"},
        "spec": {
            "nodeSelector": {"disktype": "none-has-this"},
            "containers": [{"name": "c", "image": "x:1"}],
        },
    }
    client.CoreV1Api(synced.api).create_namespaced_pod(NAMESPACE, pod)
    web = signed_in(viewer)

    def pending() -> str:
        return str(web.get(f"/ns/{NAMESPACE}/pods/?status=Pending").content.decode())

    synced.sandbox.wait_for(lambda: ">too-big</a>" in pending(), timeout=2)
    overview = web.get("/").content.decode()
    assert ">too-big</a>" in overview
    assert "node(s) didn&#x27;t match Pod&#x27;s node affinity/selector" in overview


def test_a_compacted_watch_lists_again_and_drops_what_it_missed(
    quick: SyncRun, viewer: User
) -> None:
    web = signed_in(viewer)
    assert "grafana" in deployment_names(web)
    deployments = quick.sync_of("deployments")
    # Hold the sync's next watch for 3 s; meanwhile delete a Deployment and forget history.
    quick.sandbox.add_fault("watch", "deployments", latency_ms=3000)
    quick.sandbox.wait_for(lambda: not quick.sandbox.faults())
    client.AppsV1Api(quick.api).delete_namespaced_deployment("grafana", NAMESPACE)
    quick.sandbox.compact()
    quick.sandbox.wait_for(lambda: deployments.relists >= 2, timeout=10)
    quick.sandbox.wait_for(lambda: "grafana" not in deployment_names(web), timeout=5)
    assert "trading-engine" in deployment_names(web)


def test_a_dropped_watch_lists_again(quick: SyncRun, viewer: User) -> None:
    web = signed_in(viewer)
    deployments = quick.sync_of("deployments")
    quick.sandbox.add_fault("watch", "deployments", drop=True, count=3)
    quick.sandbox.wait_for(lambda: not quick.sandbox.faults(), timeout=15)
    client.AppsV1Api(quick.api).delete_namespaced_deployment("alertmanager", NAMESPACE)
    quick.sandbox.wait_for(lambda: deployments.relists >= 4, timeout=15)
    quick.sandbox.wait_for(lambda: "alertmanager" not in deployment_names(web), timeout=5)


def test_a_new_leader_drops_rows_deleted_while_nobody_watched(
    fresh_sandbox: SandboxHandle, empty_cache: None, viewer: User
) -> None:
    first = run_sync(fresh_sandbox, [NAMESPACE])
    first.halt()
    client.AppsV1Api(first.api).delete_namespaced_deployment("grafana", NAMESPACE)
    web = signed_in(viewer)
    assert "grafana" in deployment_names(web)  # nobody watches: the cache still has it
    second = run_sync(fresh_sandbox, [NAMESPACE])  # a fresh process: empty memory
    try:
        assert "grafana" not in deployment_names(web)
        assert "trading-engine" in deployment_names(web)
        assert cache.Cache().counts("deployments", NAMESPACE) == {"Healthy": 10}
    finally:
        second.halt()
