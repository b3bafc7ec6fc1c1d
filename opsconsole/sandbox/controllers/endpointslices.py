"""The EndpointSlice controller: a Service's ready (and terminating) pods, by address.

As kube-controller-manager's endpointslice controller: Services with a selector get slices of
at most 100 endpoints labelled `kubernetes.io/service-name` and managed by
`endpointslice-controller.k8s.io`, owned by the Service; each endpoint carries its pod's IP,
`ready`/`serving`/`terminating`, node name, zone and a reference to the pod; ports are the
Service's with the target port resolved against the pods' container ports.
"""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.controllers.base import NODES, PODS, Context, owner_ref
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.selectors import labels_match, selector_from_match
from opsconsole.sandbox.store import Change, clone, short_hash

Obj = dict[str, Any]
SERVICES = preferred("", "services")
SLICES = preferred("discovery.k8s.io", "endpointslices")
SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
PER_SLICE = 100  # --max-endpoints-per-slice default


def _selects(service: Obj, pod: Obj | None) -> bool:
    selector = (service.get("spec") or {}).get("selector")
    if not selector or pod is None:
        return False
    return labels_match(selector_from_match({"matchLabels": selector}), pod)


def wake_services(ctx: Context, change: Change) -> None:
    """A pod's change is news for the Services in its namespace that select it."""
    if change.key != PODS.key:
        return
    ns = change.obj["metadata"].get("namespace", "")
    for service in ctx.store.objects(SERVICES, ns):
        if _selects(service, change.obj) or _selects(service, change.old):
            ctx.enqueue(SERVICES, ns, service["metadata"]["name"])


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def _target_port(port: Obj, pods: list[Obj]) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    for pod in pods:
        for c in pod["spec"].get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("name") == target:
                    return int(p["containerPort"])
    return None


def _endpoint(ctx: Context, pod: Obj) -> Obj:
    meta, spec = pod["metadata"], pod["spec"]
    terminating = bool(meta.get("deletionTimestamp"))
    ready = _ready(pod)
    endpoint: Obj = {
        "addresses": [pod["status"]["podIP"]],
        "conditions": {
            "ready": ready and not terminating,
            "serving": ready,
            "terminating": terminating,
        },
        "targetRef": {
            "kind": "Pod",
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta["uid"],
        },
    }
    node = spec.get("nodeName")
    if node:
        endpoint["nodeName"] = node
        node_obj = ctx.store.get(NODES, "", node)
        zone = ((node_obj or {}).get("metadata", {}).get("labels") or {}).get(
            "topology.kubernetes.io/zone"
        )
        if zone:
            endpoint["zone"] = zone
    return endpoint


def reconcile_service(ctx: Context, ns: str, name: str) -> None:
    store = ctx.store
    service = store.get(SERVICES, ns, name)
    owned = store.owned(service["metadata"]["uid"], SLICES) if service is not None else []
    selector = ((service or {}).get("spec") or {}).get("selector")
    if service is None or not selector:
        for s in owned:
            store.remove(SLICES, ns, s["metadata"]["name"])
        return
    pods = [
        p
        for p in store.objects(PODS, ns)
        if _selects(service, p)
        and (p.get("status") or {}).get("podIP")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    ]
    ports = []
    for port in service["spec"].get("ports") or []:
        target = _target_port(port, pods)
        if target is None:
            continue
        entry: Obj = {"name": port.get("name", ""), "port": target}
        entry["protocol"] = port.get("protocol", "TCP")
        if port.get("appProtocol"):
            entry["appProtocol"] = port["appProtocol"]
        ports.append(entry)
    endpoints = [_endpoint(ctx, p) for p in sorted(pods, key=lambda p: p["metadata"]["name"])]
    chunks = [endpoints[i : i + PER_SLICE] for i in range(0, len(endpoints), PER_SLICE)] or [[]]
    labels = {
        **(service["metadata"].get("labels") or {}),
        SERVICE_NAME: name,
        MANAGED_BY: CONTROLLER,
    }
    keep = set()
    uid = service["metadata"]["uid"]
    for i, chunk in enumerate(chunks):
        slice_name = f"{name[:57]}-{short_hash(f'{uid}/{i}')}"
        keep.add(slice_name)
        desired: Obj = {
            "metadata": {
                "name": slice_name,
                "namespace": ns,
                "labels": labels,
                "ownerReferences": [owner_ref(service)],
            },
            "addressType": "IPv4",
            "endpoints": chunk,
            "ports": ports,
        }
        current = store.get(SLICES, ns, slice_name)
        if current is None:
            ctx.create(SLICES, desired)
            continue
        if all(current.get(k) == desired[k] for k in ("endpoints", "ports", "addressType")) and (
            current["metadata"].get("labels") == labels
        ):
            continue
        updated = clone(current)
        updated.update(endpoints=chunk, ports=ports, addressType="IPv4")
        updated["metadata"]["labels"] = labels
        ctx.write(SLICES, updated)
    for s in owned:
        if s["metadata"]["name"] not in keep:
            store.remove(SLICES, ns, s["metadata"]["name"])
