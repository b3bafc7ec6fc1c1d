"""StatefulSet (ordinal pods, PVCs from claim templates) and DaemonSet controllers."""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.controllers.base import (
    DAEMONSETS,
    NODES,
    PODS,
    PVCS,
    STATEFULSETS,
    Context,
    owner_ref,
)
from opsconsole.sandbox.controllers.deployments import new_pod, pod_ready, template_hash
from opsconsole.sandbox.controllers.scheduling import daemon_fits
from opsconsole.sandbox.gc import delete
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import clone, now_iso

Obj = dict[str, Any]
REV = "controller-revision-hash"
REVISIONS = preferred("apps", "controllerrevisions")


def record_revision(ctx: Context, owner: Obj, name: str) -> None:
    """Keep a ControllerRevision per template, as `kubectl rollout history/undo` reads them:
    the current template's revision is the highest number (re-numbered on a rollback)."""
    ns = owner["metadata"]["namespace"]
    uid = owner["metadata"]["uid"]
    revisions = ctx.store.owned(uid, REVISIONS)
    top = max((int(r.get("revision", 0)) for r in revisions), default=0)
    current = next((r for r in revisions if r["metadata"]["name"] == name), None)
    change_cause = (owner["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause")
    if current is None:
        template = clone(owner["spec"]["template"])
        template["$patch"] = "replace"
        labels = dict((owner["spec"].get("selector") or {}).get("matchLabels") or {})
        labels["controller.kubernetes.io/hash"] = name.rsplit("-", 1)[-1]
        meta: Obj = {
            "name": name,
            "namespace": ns,
            "labels": labels,
            "ownerReferences": [owner_ref(owner)],
        }
        if change_cause:
            meta["annotations"] = {"kubernetes.io/change-cause": change_cause}
        ctx.create(
            REVISIONS,
            {"metadata": meta, "data": {"spec": {"template": template}}, "revision": top + 1},
        )
    elif int(current.get("revision", 0)) != top:
        ctx.write(REVISIONS, {**current, "revision": top + 1})


def _ordinal(sts: Obj, pod: Obj) -> int:
    suffix = pod["metadata"]["name"][len(sts["metadata"]["name"]) + 1 :]
    return int(suffix) if suffix.isdigit() else -1


def _claims(ctx: Context, sts: Obj, i: int, pod: Obj) -> None:
    ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
    volumes = pod["spec"].setdefault("volumes", [])
    for vct in sts["spec"].get("volumeClaimTemplates") or []:
        claim = f"{vct['metadata']['name']}-{name}-{i}"
        if ctx.store.get(PVCS, ns, claim) is None:
            spec = clone(vct.get("spec") or {})
            storage = spec.get("resources", {}).get("requests", {}).get("storage", "1Gi")
            ctx.create(
                PVCS,
                {
                    "metadata": {
                        "name": claim,
                        "namespace": ns,
                        "labels": dict(sts["spec"]["selector"].get("matchLabels") or {}),
                    },
                    "spec": {**spec, "volumeName": f"pvc-{claim}", "volumeMode": "Filesystem"},
                    "status": {
                        "phase": "Bound",
                        "accessModes": spec.get("accessModes", []),
                        "capacity": {"storage": storage},
                    },
                },
            )
        volumes.append(
            {"name": vct["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim}}
        )


def reconcile_statefulset(ctx: Context, ns: str, name: str) -> None:
    sts = ctx.store.get(STATEFULSETS, ns, name)
    if sts is None:
        return
    spec = sts["spec"]
    desired = int(spec.get("replicas", 1))
    rev = f"{name}-{template_hash(spec['template'])}"
    record_revision(ctx, sts, rev)
    ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    pods = {_ordinal(sts, p): p for p in ctx.store.owned(sts["metadata"]["uid"], PODS)}
    busy = False
    for i in range(desired):
        if i in pods:
            if ordered and not pod_ready(pods[i]):
                busy = True
                break
            continue
        tmpl = clone(spec["template"])
        labels = tmpl.setdefault("metadata", {}).setdefault("labels", {})
        labels.update(
            {
                REV: rev,
                "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                "apps.kubernetes.io/pod-index": str(i),
            }
        )
        pod = new_pod(sts, tmpl, f"{name}-{i}")
        pod["spec"]["hostname"] = f"{name}-{i}"
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        _claims(ctx, sts, i, pod)
        if ctx.create(PODS, pod) is not None:
            ctx.recorder.record(
                sts,
                "SuccessfulCreate",
                f"create Pod {name}-{i} in StatefulSet {name} successful",
                component="statefulset-controller",
            )
        busy = True
        if ordered:
            break
    extra = sorted((i for i in pods if i >= desired or i < 0), reverse=True)
    if not busy and extra:
        for i in extra[:1] if ordered else extra:
            delete(ctx.store, PODS, ns, pods[i]["metadata"]["name"])
            ctx.recorder.record(
                sts,
                "SuccessfulDelete",
                f"delete Pod {pods[i]['metadata']['name']} in StatefulSet {name} successful",
                component="statefulset-controller",
            )
        busy = True
    live = {
        i: p
        for i, p in pods.items()
        if 0 <= i < desired and ctx.store.get(PODS, ns, p["metadata"]["name"]) is not None
    }
    if not busy and all(pod_ready(p) for p in live.values()):
        stale = sorted(
            (i for i, p in live.items() if (p["metadata"].get("labels") or {}).get(REV) != rev),
            reverse=True,
        )
        if stale:
            delete(ctx.store, PODS, ns, live[stale[0]]["metadata"]["name"])
            live.pop(stale[0])
    updated = sum(1 for p in live.values() if (p["metadata"].get("labels") or {}).get(REV) == rev)
    ready = sum(1 for p in live.values() if pod_ready(p))
    old = sts.get("status") or {}
    current_rev = rev if updated == len(live) == desired else old.get("currentRevision", rev)
    status = {
        "observedGeneration": sts["metadata"].get("generation", 1),
        "replicas": len(live),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "currentReplicas": len(live) if current_rev == rev else len(live) - updated,
        "updatedReplicas": updated,
        "currentRevision": current_rev,
        "updateRevision": rev,
        "collisionCount": 0,
    }
    if status != old:
        ctx.write(STATEFULSETS, {**sts, "status": status})


def reconcile_daemonset(ctx: Context, ns: str, name: str) -> None:
    ds = ctx.store.get(DAEMONSETS, ns, name)
    if ds is None:
        return
    tmpl = ds["spec"]["template"]
    rev = template_hash(tmpl)
    record_revision(ctx, ds, f"{name}-{rev}")
    pods = ctx.store.owned(ds["metadata"]["uid"], PODS)
    by_node = {p["spec"].get("nodeName"): p for p in pods}
    spec = tmpl.get("spec") or {}
    eligible = [n["metadata"]["name"] for n in ctx.store.objects(NODES) if daemon_fits(spec, n)]
    for node_name in eligible:
        pod = by_node.get(node_name)
        if pod is not None and (pod["metadata"].get("labels") or {}).get(REV) != rev:
            delete(ctx.store, PODS, ns, pod["metadata"]["name"])
            pod = None
        if pod is None:
            t = clone(tmpl)
            t.setdefault("metadata", {}).setdefault("labels", {})[REV] = rev
            p = new_pod(ds, t, f"{name}-{template_hash({'n': node_name, 'r': rev})[:5]}")
            p["spec"]["nodeName"] = node_name
            p["status"]["conditions"] = [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": now_iso()}
            ]
            if ctx.create(PODS, p) is not None:
                ctx.recorder.record(
                    ds,
                    "SuccessfulCreate",
                    f"Created pod: {p['metadata']['name']}",
                    component="daemonset-controller",
                )
    pods = ctx.store.owned(ds["metadata"]["uid"], PODS)
    ready = sum(1 for p in pods if pod_ready(p))
    status = {
        "observedGeneration": ds["metadata"].get("generation", 1),
        "desiredNumberScheduled": len(eligible),
        "currentNumberScheduled": len(pods),
        "numberReady": ready,
        "numberAvailable": ready,
        "numberMisscheduled": 0,
        "updatedNumberScheduled": sum(
            1 for p in pods if (p["metadata"].get("labels") or {}).get(REV) == rev
        ),
    }
    if status != ds.get("status"):
        ctx.write(DAEMONSETS, {**ds, "status": status})
