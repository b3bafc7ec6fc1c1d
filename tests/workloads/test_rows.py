"""Every column sorts, and the cut rows say what kubectl says."""

from __future__ import annotations

import json
import subprocess

import pytest
from kubernetes import client

from opsconsole.cluster.kinds import KINDS
from opsconsole.cluster.rows import pod_status, sort_keys
from opsconsole.workloads.cache import BadSelector, parse_selector
from opsconsole.workloads.columns import columns_for
from tests.helpers.cluster import KUBECTL
from tests.helpers.sandbox import SandboxHandle


@pytest.mark.parametrize("plural", [k.plural for k in KINDS])
def test_every_column_has_a_sort_index(plural: str) -> None:
    for column in columns_for(plural, all_namespaces=True):
        assert column.sort in sort_keys(plural), (plural, column.header)


def test_pod_status_reads_as_kubectl_prints_it(fresh_sandbox: SandboxHandle) -> None:
    core = client.CoreV1Api(fresh_sandbox.api_client())
    for name, notes in [("crashes", {"sandbox.opsconsole.io/crash": "true"}), ("fine", {})]:
        core.create_namespaced_pod(
            "default",
            {"metadata": {"name": name, "annotations": notes},
             "spec": {"containers": [{"name": "c", "image": "registry.local/x:1"}]}},
        )  # fmt: skip
    core.create_namespaced_pod(
        "default",
        {"metadata": {"name": "never"},
         "spec": {"containers": [{"name": "c", "image": "registry.local/x:never-pulls"}]}},
    )  # fmt: skip

    def kubectl() -> dict[str, str]:
        out = subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(fresh_sandbox.kubeconfig), "get", "pods",
             "-n", "default", "--no-headers"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return {cols[0]: cols[2] for cols in (line.split() for line in out.splitlines())}

    def ours() -> dict[str, str]:
        items = json.loads(core.list_namespaced_pod("default", _preload_content=False).data)
        return {p["metadata"]["name"]: pod_status(p)[0] for p in items["items"]}

    fresh_sandbox.wait_for(lambda: kubectl().get("crashes") == "CrashLoopBackOff", timeout=20)
    seen: set[str] = set()
    for _ in range(20):  # statuses move: compare snapshots taken back to back
        theirs, mine = kubectl(), ours()
        if theirs == mine:
            seen.update(mine.values())
    assert {"CrashLoopBackOff", "Running"} <= seen
    assert seen & {"ErrImagePull", "ImagePullBackOff"}


def test_selectors_parse_as_kubernetes_reads_them() -> None:
    assert parse_selector("app=web, tier in (a, b),!legacy,env!=prod,track,x notin (y)") == [
        ("=", "app", ["web"]),
        ("in", "tier", ["a", "b"]),
        ("!exists", "legacy", []),
        ("!=", "env", ["prod"]),
        ("exists", "track", []),
        ("notin", "x", ["y"]),
    ]
    assert parse_selector("app.kubernetes.io/name==api") == [
        ("=", "app.kubernetes.io/name", ["api"])
    ]
    for bad in ["a in (b", "=x", "a b"]:
        with pytest.raises(BadSelector):
            parse_selector(bad)
