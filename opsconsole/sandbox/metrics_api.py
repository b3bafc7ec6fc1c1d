"""metrics.k8s.io/v1beta1, what metrics-server serves and `kubectl top` reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.metrics import usage
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.selectors import labels_match, parse_labels
from opsconsole.sandbox.store import Store

Obj = dict[str, Any]
PODS = preferred("", "pods")
NODES = preferred("", "nodes")
GROUP_VERSION = "metrics.k8s.io/v1beta1"


def _cpu(cores: float) -> str:
    return f"{max(1, round(cores * 1000))}m"


def _mem(value: float) -> str:
    return f"{int(value) // 1024}Ki"


def _stamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resource_list() -> Obj:
    verbs = ["get", "list"]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {
                "name": "nodes",
                "singularName": "",
                "namespaced": False,
                "kind": "NodeMetrics",
                "verbs": verbs,
            },
            {
                "name": "pods",
                "singularName": "",
                "namespaced": True,
                "kind": "PodMetrics",
                "verbs": verbs,
            },
        ],
    }


def _pod_metrics(pod: Obj, now: float) -> Obj | None:
    statuses = {c["name"]: c for c in pod.get("status", {}).get("containerStatuses") or []}
    containers = []
    for c in pod["spec"].get("containers") or []:
        if "running" not in statuses.get(c["name"], {}).get("state", {}):
            continue
        cores, working_set = usage(pod["metadata"]["uid"], c, now)
        containers.append(
            {"name": c["name"], "usage": {"cpu": _cpu(cores), "memory": _mem(working_set)}}
        )
    if not containers:
        return None
    meta = pod["metadata"]
    return {
        "kind": "PodMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": meta.get("labels") or {},
            "creationTimestamp": _stamp(now),
        },
        "timestamp": _stamp(now - 15),
        "window": "30s",
        "containers": containers,
    }


def pods(store: Store, namespace: str | None, name: str | None, selector: str | None = None) -> Obj:
    now = time.time()
    if name is not None:
        found = _pod_metrics(store.must_get(PODS, namespace or "", name), now)
        if found is None:
            raise errors.not_found("pods.metrics.k8s.io", name)
        return found
    reqs = parse_labels(selector)
    items = [
        m
        for p in store.objects(PODS, namespace)
        if labels_match(reqs, p) and (m := _pod_metrics(p, now))
    ]
    return {"kind": "PodMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}


def nodes(store: Store, name: str | None) -> Obj:
    now = time.time()
    per_node: dict[str, tuple[float, float]] = {}
    for pod in store.objects(PODS):
        m = _pod_metrics(pod, now)
        node = pod["spec"].get("nodeName")
        if m is None or not node:
            continue
        cpu, mem = per_node.get(node, (0.0, 0.0))
        for c in pod["spec"]["containers"]:
            if any(x["name"] == c["name"] for x in m["containers"]):
                cores, working_set = usage(pod["metadata"]["uid"], c, now)
                cpu, mem = cpu + cores, mem + working_set
        per_node[node] = (cpu, mem)
    items: list[Obj] = []
    for node in store.objects(NODES):
        node_name = node["metadata"]["name"]
        cpu, mem = per_node.get(node_name, (0.0, 0.0))
        # The system's own share: kubelet, container runtime, kernel.
        cpu, mem = cpu + 0.15, mem + 1.5 * 2**30
        items.append(
            {
                "kind": "NodeMetrics",
                "apiVersion": GROUP_VERSION,
                "metadata": {
                    "name": node_name,
                    "labels": node["metadata"].get("labels"),
                    "creationTimestamp": _stamp(now),
                },
                "timestamp": _stamp(now - 15),
                "window": "20s",
                "usage": {"cpu": _cpu(cpu), "memory": _mem(mem)},
            }
        )
    if name is not None:
        for item in items:
            if item["metadata"]["name"] == name:
                return item
        raise errors.not_found("nodes.metrics.k8s.io", name)
    return {"kind": "NodeMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}
