"""`--pods N`: synthetic workloads, inserted already Running, to measure the API at scale."""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox import defaults
from opsconsole.sandbox.controllers.base import owner_ref
from opsconsole.sandbox.controllers.deployments import HASH, REVISION, new_pod, template_hash
from opsconsole.sandbox.controllers.nodes import SYNTHETIC, SYNTHETIC_PODS, synthetic_node
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.seed import ensure_namespace
from opsconsole.sandbox.store import Store, clone, now_iso

Obj = dict[str, Any]
PODS = preferred("", "pods")
DEPLOYMENTS = preferred("apps", "deployments")
REPLICASETS = preferred("apps", "replicasets")
PER_DEPLOYMENT = 100
PER_NAMESPACE = 50  # deployments


def _running(pod: Obj, node: Obj, ip: str, now: str) -> None:
    pod["spec"]["nodeName"] = node["metadata"]["name"]
    cs = [
        {
            "name": c["name"],
            "image": c["image"],
            "imageID": "",
            "containerID": "",
            "ready": True,
            "started": True,
            "restartCount": 0,
            "lastState": {},
            "state": {"running": {"startedAt": now}},
        }
        for c in pod["spec"]["containers"]
    ]
    pod["status"] = {
        "phase": "Running",
        "qosClass": "Burstable",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "hostIP": node["status"]["addresses"][0]["address"],
        "startTime": now,
        "containerStatuses": cs,
        "conditions": [
            {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
            for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
        ],
    }


def fill(store: Store, target: int) -> int:
    """Add deployments of 100 running pods until the store holds `target` pods."""
    made = 0
    placed = sum(  # pods already on synthetic nodes, if the filler runs again
        1 for p in store.objects(PODS) if p["spec"].get("nodeName", "").startswith(SYNTHETIC)
    )
    d = 0
    now = now_iso()
    while store.count(PODS) < target:
        ns = f"synthetic-{d // PER_NAMESPACE:03d}"
        name = f"load-{d:05d}"
        d += 1
        ensure_namespace(store, ns)
        if store.get(DEPLOYMENTS, ns, name) is not None:
            continue
        replicas = min(PER_DEPLOYMENT, target - store.count(PODS))
        labels = {"app.kubernetes.io/name": name, "sandbox.opsconsole.io/synthetic": "true"}
        template: Obj = {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": "registry.local/synthetic-api:1.0",
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                    }
                ]
            },
        }
        dep: Obj = {
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": labels,
                "annotations": {REVISION: "1"},
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": template,
            },
        }
        defaults.apply("Deployment", dep)
        phash = template_hash(dep["spec"]["template"])
        dep["status"] = {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "reason": "MinimumReplicasAvailable",
                    "lastUpdateTime": now,
                    "lastTransitionTime": now,
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable",
                    "lastUpdateTime": now,
                    "lastTransitionTime": now,
                    "message": f'ReplicaSet "{name}-{phash}" has successfully progressed.',
                },
            ],
        }
        dep = store.create(DEPLOYMENTS, dep)
        rs_template = clone(dep["spec"]["template"])
        rs_template["metadata"]["labels"][HASH] = phash
        rs: Obj = {
            "metadata": {
                "name": f"{name}-{phash}",
                "namespace": ns,
                "labels": dict(rs_template["metadata"]["labels"]),
                "annotations": {REVISION: "1"},
                "ownerReferences": [owner_ref(dep)],
            },
            "spec": {
                "replicas": replicas,
                "template": rs_template,
                "selector": {"matchLabels": dict(rs_template["metadata"]["labels"])},
            },
            "status": {
                "replicas": replicas,
                "fullyLabeledReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
                "observedGeneration": 1,
            },
        }
        rs = store.create(REPLICASETS, rs)
        for i in range(replicas):
            pod = new_pod(rs, rs_template, f"{rs['metadata']['name']}-{i:05d}")
            # Synthetic nodes fill up one after another, so the base nodes keep their room.
            node = synthetic_node(store, placed // SYNTHETIC_PODS)
            prefix = node["spec"]["podCIDR"].rsplit(".", 1)[0]  # a /24: "10.244.7"
            _running(pod, node, f"{prefix}.{2 + placed % SYNTHETIC_PODS}", now)
            store.create(PODS, pod)
            made += 1
            placed += 1
    return made
