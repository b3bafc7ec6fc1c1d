"""The console works with exactly the rights k8s/opsconsole.yaml gives its accounts: the sync,
acting as opsconsole-sync, lists every kind; the pages, acting as opsconsole-web, read every
kind's detail, YAML and logs. The sandbox enforces the Roles it was seeded with, so a right
missing from the manifest fails here, not on the first real cluster."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache as django_cache
from kubernetes import client as k8s

from opsconsole.workloads import cache
from tests.helpers.sandbox import SandboxHandle
from tests.helpers.sync import NAMESPACE, run_sync
from tests.helpers.web import signed_in

# One object of each kind the seeded trading system holds (it runs no Job and no DaemonSet).
OBJECTS = [
    ("deployments", "trading-engine"),
    ("statefulsets", "postgres"),
    ("services", "trading-api-service"),
    ("configmaps", "trading-config"),
    ("persistentvolumeclaims", "trading-data-pvc"),
    ("horizontalpodautoscalers", "trading-engine"),
    ("cronjobs", "model-training"),
    ("ingresses", "trading-api"),
]


def test_the_sync_lists_every_kind_as_its_own_account(
    fresh_sandbox: SandboxHandle, empty_cache: None
) -> None:
    run = run_sync(fresh_sandbox, [NAMESPACE], identity="opsconsole-sync")
    try:
        rows = cache.Cache()
        assert rows.counts("deployments", NAMESPACE)
        assert rows.page("nodes", cache.CLUSTER).total >= 4
    finally:
        run.halt()


@pytest.fixture
def as_web(sandbox: SandboxHandle, settings: Any) -> SandboxHandle:
    settings.KUBECONFIG = str(sandbox.kubeconfig)
    settings.OPSCONSOLE_KUBE_CONTEXT = "sandbox-opsconsole-web"
    settings.OPSCONSOLE_NAMESPACES = [NAMESPACE]
    django_cache.clear()
    return sandbox


@pytest.mark.parametrize(("resource", "name"), OBJECTS)
def test_every_detail_page_reads_as_the_web_account(
    as_web: SandboxHandle, viewer: User, resource: str, name: str
) -> None:
    client = signed_in(viewer)
    for path in (f"/ns/{NAMESPACE}/{resource}/{name}/", f"/ns/{NAMESPACE}/{resource}/{name}/yaml/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"may not read" not in response.content, path


def test_pods_logs_and_nodes_read_as_the_web_account(as_web: SandboxHandle, viewer: User) -> None:
    with as_web.api_client() as api:
        pods = k8s.CoreV1Api(api).list_namespaced_pod(
            NAMESPACE, label_selector="app.kubernetes.io/name=trading-engine"
        )
    pod = pods.items[0]
    client = signed_in(viewer)
    for path in (
        f"/ns/{NAMESPACE}/pods/{pod.metadata.name}/",
        f"/ns/{NAMESPACE}/pods/{pod.metadata.name}/logs/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"may not read" not in response.content, path
    node = client.get(f"/cluster/nodes/{pod.spec.node_name}/")
    assert node.status_code == 200
    assert pod.metadata.name in node.content.decode()  # its pods, read in trading-system
    # Node events are kept in the default namespace, where the console holds no right: the
    # page says so in that section alone rather than the console reaching outside its
    # namespace.
    refusals = re.findall(r"may not read ([a-z ]+)", node.content.decode())
    assert refusals == ["events"]


def test_a_secret_stays_out_of_reach_of_the_web_account(as_web: SandboxHandle) -> None:
    with as_web.api_client("opsconsole-web") as api, pytest.raises(k8s.ApiException) as refused:
        k8s.CoreV1Api(api).read_namespaced_secret("trading-secrets", NAMESPACE)
    assert refused.value.status == 403
