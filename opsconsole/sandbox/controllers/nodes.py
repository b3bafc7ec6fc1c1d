"""The sandbox's fake nodes and the scheduler's choice among them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from opsconsole.sandbox.controllers.base import NODES, Context
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.seed import ensure_namespace
from opsconsole.sandbox.store import Store, clone, now_iso

Obj = dict[str, Any]

# name, cpu cores, memory GiB, GPUs
NODE_SPECS: tuple[tuple[str, int, int, int], ...] = (
    ("sandbox-cpu-1", 16, 64, 0),
    ("sandbox-cpu-2", 16, 64, 0),
    ("sandbox-cpu-3", 16, 64, 0),
    ("sandbox-gpu-1", 32, 256, 4),
)
GPU_PRODUCT = "NVIDIA-A100-SXM4-40GB"
LEASES = preferred("coordination.k8s.io", "leases")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40  # the kubelet's nodeLeaseDurationSeconds default
HEARTBEAT_SECONDS = 10.0  # the kubelet renews its lease every 10 s (a quarter of 40)


def node_object(name: str, cpu: int, mem_gib: int, gpus: int, index: int) -> Obj:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": f"sandbox-{index % 3}",
        "node.kubernetes.io/instance-type": "gpu.a100x4" if gpus else "cpu.16x64",
    }
    capacity = {
        "cpu": str(cpu),
        "memory": f"{mem_gib}Gi",
        "pods": "1000",
        "ephemeral-storage": "200Gi",
    }
    spec: Obj = {"podCIDR": f"10.244.{index}.0/24"}
    if gpus:
        labels.update(
            {
                "nvidia.com/gpu.present": "true",
                "nvidia.com/gpu.product": GPU_PRODUCT,
                "nvidia.com/gpu.count": str(gpus),
            }
        )
        capacity["nvidia.com/gpu"] = str(gpus)
        spec["taints"] = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [
                {
                    "type": t,
                    "status": "False",
                    "lastHeartbeatTime": now_iso(),
                    "lastTransitionTime": now_iso(),
                    "reason": r,
                    "message": m,
                }
                for t, r, m in (
                    ("MemoryPressure", "KubeletHasSufficientMemory", "ok"),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "ok"),
                    ("PIDPressure", "KubeletHasSufficientPID", "ok"),
                )
            ]
            + [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastHeartbeatTime": now_iso(),
                    "lastTransitionTime": now_iso(),
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                }
            ],
            "addresses": [
                {"type": "InternalIP", "address": f"10.0.0.{10 + index}"},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {
                # Required by the typed clients' V1NodeSystemInfo.
                "machineID": hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                "kubeletVersion": "v1.37.0",
                "kubeProxyVersion": "v1.37.0",
                "osImage": "Sandbox Linux",
                "containerRuntimeVersion": "containerd://2.1",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "kernelVersion": "6.8.0",
            },
        },
    }


def ensure_nodes(store: Store) -> None:
    for i, (name, cpu, mem, gpus) in enumerate(NODE_SPECS):
        if store.get(NODES, "", name) is None:
            store.create(NODES, node_object(name, cpu, mem, gpus, i))


def heartbeat(ctx: Context) -> None:
    """What each kubelet does every 10 s: renew its Lease and post its conditions.

    Four node writes and four lease writes per period, whatever the number of pods.
    """
    store = ctx.store
    ensure_namespace(store, LEASE_NAMESPACE)
    now = now_iso()
    renew = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # a MicroTime
    for node in list(store.objects(NODES)):
        name = node["metadata"]["name"]
        lease = store.get(LEASES, LEASE_NAMESPACE, name)
        if lease is None:
            ctx.create(
                LEASES,
                {
                    "metadata": {
                        "name": name,
                        "namespace": LEASE_NAMESPACE,
                        "ownerReferences": [
                            {
                                "apiVersion": "v1",
                                "kind": "Node",
                                "name": name,
                                "uid": node["metadata"]["uid"],
                            }
                        ],
                    },
                    "spec": {
                        "holderIdentity": name,
                        "leaseDurationSeconds": LEASE_SECONDS,
                        "renewTime": renew,
                    },
                },
            )
        else:
            renewed = clone(lease)
            renewed["spec"]["renewTime"] = renew
            ctx.write(LEASES, renewed)
        fresh = clone(node)
        for cond in fresh.get("status", {}).get("conditions") or []:
            cond["lastHeartbeatTime"] = now
        ctx.write(NODES, fresh)


def _tolerates(pod_spec: Obj, taint: Obj) -> bool:
    for tol in pod_spec.get("tolerations") or []:
        if tol.get("effect") and tol["effect"] != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists" and (not tol.get("key") or tol["key"] == taint["key"]):
            return True
        if tol.get("key") == taint["key"] and tol.get("value") == taint.get("value"):
            return True
    return False


def wants_gpu(pod_spec: Obj) -> bool:
    for c in pod_spec.get("containers") or []:
        res = c.get("resources") or {}
        if "nvidia.com/gpu" in (res.get("limits") or {}) or "nvidia.com/gpu" in (
            res.get("requests") or {}
        ):
            return True
    return False


def choose_node(store: Store, pod: Obj) -> tuple[str | None, str]:
    """A node for the pod, or None with the scheduler's reason."""
    spec = pod["spec"]
    if spec.get("nodeName"):
        return spec["nodeName"], ""
    selector = spec.get("nodeSelector") or {}
    gpu = wants_gpu(spec)
    fits = []
    for node in store.objects(NODES):
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        if any(not _tolerates(spec, t) for t in node["spec"].get("taints") or []):
            continue
        if gpu and "nvidia.com/gpu" not in node["status"]["capacity"]:
            continue
        fits.append(node["metadata"]["name"])
    if not fits:
        total = store.count(NODES)
        return None, (
            f"0/{total} nodes are available: {total} node(s) didn't match Pod's node "
            "affinity/selector. preemption: 0/{total} nodes are available."
        )
    digest = hashlib.sha256(pod["metadata"]["name"].encode()).digest()
    return fits[digest[0] % len(fits)], ""
