"""The overview and the lists read the cache only: no request reaches the API server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache as django_cache
from django.test import Client
from kubernetes import client

from opsconsole.workloads import cache
from tests.helpers.sync import NAMESPACE, SyncRun
from tests.helpers.web import signed_in

pytestmark = pytest.mark.django_db
PAGES = [
    "/",
    f"/ns/{NAMESPACE}/deployments/",
    f"/ns/{NAMESPACE}/pods/?q=trading&sort=-restarts",
    f"/ns/{NAMESPACE}/pods/?selector=app.kubernetes.io/part-of%3Dtrading-system",
    "/ns/_all/events/?status=Normal",
    "/cluster/nodes/",
]


def test_the_overview_shows_every_service_with_its_facts(synced: SyncRun, viewer: User) -> None:
    web = signed_in(viewer)
    # A fresh cluster's pods become Ready within a second or so: until then, all degraded.
    synced.sandbox.wait_for(lambda: "<span>0 degraded</span>" in web.get("/").content.decode())
    html = web.get("/").content.decode()
    assert re.search(r"<span>15 services</span>", html)  # 11 Deployments + 4 StatefulSets
    row = html.split(">trading-api-service</a></td>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    # kind, status, desired, ready, available, image tag, revision, restarts, HPA
    assert cells[2:7] == ["3", "3", "3", "1.0.0", "1"]
    assert ">3/3/10<" in cells[8]
    assert ">sandbox-gpu-1</a>" in html
    assert "nvidia.com/gpu=present:NoSchedule" in html


def test_a_degraded_service_is_impossible_to_miss(synced: SyncRun, viewer: User) -> None:
    web = signed_in(viewer)
    synced.sandbox.wait_for(lambda: "<span>0 degraded</span>" in web.get("/").content.decode())
    # An image that never pulls, and a progress deadline of one cluster minute (1 s here).
    client.AppsV1Api(synced.api).patch_namespaced_deployment(
        "trading-engine",
        NAMESPACE,
        {"spec": {"progressDeadlineSeconds": 60, "template": {"spec": {"containers": [
            {"name": "trading-engine", "image": "registry.local/engine:never-pulls"}
        ]}}}},
    )  # fmt: skip

    def overview() -> str:
        return str(web.get("/").content.decode())

    synced.sandbox.wait_for(lambda: "1 degraded" in overview(), timeout=10)
    html = overview()
    row = html.split(">trading-engine</a></td>", 1)[0].rsplit("<tr", 1)[1]
    assert 'class="trouble"' in row
    assert html.index(">trading-engine</a>") < html.index(">alertmanager</a>")  # trouble first
    synced.sandbox.wait_for(
        lambda: re.search(
            r">(ErrImagePull|ImagePullBackOff)</span>",
            web.get(f"/ns/{NAMESPACE}/pods/?q=trading-engine").content.decode(),
        )
    )


def test_pages_make_no_request_to_the_api_server(
    synced: SyncRun, viewer: User, settings: Any
) -> None:
    # The page shell asks the API server who it is once per 30 s (the top bar's cluster
    # name), so point it at the sandbox too: it must be the only request, and only once.
    settings.KUBECONFIG = str(synced.sandbox.kubeconfig)
    django_cache.delete("shell:cluster-status")
    web = signed_in(viewer)
    for page in PAGES:  # warm up: the shell's probe, answered and cached
        assert web.get(page).status_code == 200
    assert "unreachable" not in web.get("/").content.decode()
    # A fault rule that matches every request and only delays it by 1 ms counts them.
    counter = synced.sandbox.add_fault(latency_ms=1, count=None)
    for _ in range(3):
        for page in PAGES:
            assert web.get(page).status_code == 200
            assert web.get(page, headers={"HX-Request": "true"}).status_code == 200
    (rule,) = [r for r in synced.sandbox.faults() if r["id"] == counter]
    assert rule["hits"] == 0
    client.VersionApi(synced.api).get_code()  # and the counter does count
    (rule,) = [r for r in synced.sandbox.faults() if r["id"] == counter]
    assert rule["hits"] == 1


def test_pages_render_from_the_cache_when_the_cluster_is_gone(
    synced: SyncRun, viewer: User
) -> None:
    synced.halt()
    synced.sandbox.add_fault(drop=True, count=None)  # every API request: connection closed
    web = signed_in(viewer)
    html = web.get(f"/ns/{NAMESPACE}/deployments/").content.decode()
    assert ">trading-engine</a>" in html
    assert ">trading-engine</a>" in web.get("/").content.decode()


def test_old_data_says_how_old(synced: SyncRun, viewer: User, settings: object) -> None:
    synced.halt()
    cache.connection().hset("oc:synced:deployments", NAMESPACE, 1000.0)  # long ago
    html = signed_in(viewer).get(f"/ns/{NAMESPACE}/deployments/").content.decode()
    assert "The cluster sync last heard from the API server" in html
    assert ">trading-engine</a>" in html


def test_never_synced_is_a_banner_not_a_500(empty_cache: None, viewer: User) -> None:
    web = signed_in(viewer)
    for page in PAGES:
        response = web.get(page)
        assert response.status_code == 200
        assert "No data yet: the cluster sync has not listed" in response.content.decode()


def test_a_kind_the_console_may_not_read_says_so(synced: SyncRun, viewer: User) -> None:
    synced.halt()
    sink = cache.RedisSink()
    sink.failed("configmaps", NAMESPACE, "the console may not list configmaps (403 Forbidden)")
    html = signed_in(viewer).get(f"/ns/{NAMESPACE}/configmaps/").content.decode()
    assert "Not shown: the console may not list configmaps (403 Forbidden)." in html


def test_an_unreachable_cache_is_a_banner_not_a_500(viewer: User, settings: object) -> None:
    cache.connection.cache_clear()
    settings.OPSCONSOLE_CACHE_REDIS_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]
    try:
        web: Client = signed_in(viewer)
        for page in [f"/ns/{NAMESPACE}/pods/", "/"]:
            response = web.get(page)
            assert response.status_code == 200
            assert "The console's cache does not answer" in response.content.decode()
    finally:
        cache.connection.cache_clear()


def test_healthy_services_past_the_budget_are_counted(
    synced: SyncRun, viewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsconsole.workloads import overview

    monkeypatch.setattr(overview, "HEALTHY_SHOWN", 5)
    html = signed_in(viewer).get("/").content.decode()
    assert (
        len(
            re.findall(
                r'<td class="name"><a href="/ns/trading-system/(?:deployments|statefulsets)/', html
            )
        )
        == 5
    )
    assert "And 10 more healthy services" in html
    assert re.search(r"<span>15 services</span>", html)


def test_the_overview_shows_the_fullest_nodes_and_totals_for_all(
    synced: SyncRun, viewer: User
) -> None:
    core = client.CoreV1Api(synced.sandbox.api_client())
    for i in range(10):
        core.create_node(
            {
                "metadata": {"name": f"spare-{i:02d}"},
                "status": {
                    "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                    "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                },
            }
        )
    rows = cache.Cache()
    synced.sandbox.wait_for(lambda: rows.page("nodes", cache.CLUSTER).total == 14)
    html = signed_in(viewer).get("/").content.decode()
    panel = html.split(">Nodes</a></h2>", 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'href="/cluster/nodes/([^/"]+)/"', panel)
    assert len(shown) == 12
    # The spares never reported Ready: trouble comes first; then the fullest of the rest.
    assert {f"spare-{i:02d}" for i in range(10)} <= set(shown)
    assert "sandbox-gpu-1" in shown  # its GPUs are the most requested share of any node
    assert "The 12 of 14 nodes" in panel
    assert "All 14 nodes: CPU" in panel
