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
MAX_PODS = 110  # the kubelet's maxPods default
SYNTHETIC = "sandbox-synthetic-"
SYNTHETIC_PODS = 250  # maxPods of the synthetic nodes (as with prefix delegation on EKS)
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


def pod_cidr(index: int) -> str:
    """A /24 per node from 10.244.0.0/16 onwards (the 254 addresses hold maxPods)."""
    return f"10.{244 + index // 256}.{index % 256}.0/24"


def node_object(
    name: str, cpu: int, mem_gib: int, gpus: int, index: int, max_pods: int = MAX_PODS
) -> Obj:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": f"sandbox-{index % 3}",
        "node.kubernetes.io/instance-type": "gpu.a100x4" if gpus else f"cpu.{cpu}x{mem_gib}",
    }
    capacity = {
        "cpu": str(cpu),
        "memory": f"{mem_gib}Gi",
        "pods": str(max_pods),
        "ephemeral-storage": "200Gi",
    }
    spec: Obj = {"podCIDR": pod_cidr(index), "podCIDRs": [pod_cidr(index)]}
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
                {"type": "InternalIP", "address": f"10.0.{index // 240}.{10 + index % 240}"},
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


def synthetic_node(store: Store, j: int) -> Obj:
    """The j-th node added for `--pods N`: room for SYNTHETIC_PODS pods of the filler's size."""
    name = f"{SYNTHETIC}{j:03d}"
    node = store.get(NODES, "", name)
    if node is None:
        node = store.create(
            NODES, node_object(name, 32, 128, 0, len(NODE_SPECS) + j, SYNTHETIC_PODS)
        )
    return node


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
            # Shallow copies: the unchanged parts are shared with the stored version (stored
            # dicts are never edited in place), so 50k pods' worth of nodes stays cheap.
            ctx.write(
                LEASES,
                {
                    **lease,
                    "metadata": dict(lease["metadata"]),
                    "spec": {**lease["spec"], "renewTime": renew},
                },
            )
        status = node.get("status") or {}
        conditions = [{**c, "lastHeartbeatTime": now} for c in status.get("conditions") or []]
        ctx.write(
            NODES,
            {
                **node,
                "metadata": dict(node["metadata"]),
                "status": {**status, "conditions": conditions},
            },
        )


def sync_cordon(ctx: Context, _ns: str, name: str) -> None:
    """The node lifecycle controller: a cordoned node carries the unschedulable taint."""
    node = ctx.store.get(NODES, "", name)
    if node is None:
        return
    taints = [t for t in node.get("spec", {}).get("taints") or [] if t.get("key") != UNSCHEDULABLE]
    if node.get("spec", {}).get("unschedulable"):
        taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": now_iso()})
    before = node.get("spec", {}).get("taints") or []
    if [t.get("key") for t in taints] == [t.get("key") for t in before]:
        return
    fresh = clone(node)
    if taints:
        fresh["spec"]["taints"] = taints
    else:
        fresh["spec"].pop("taints", None)
    ctx.write(NODES, fresh)
