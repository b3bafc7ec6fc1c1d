"""Deployment and ReplicaSet controllers, following kube-controller-manager's rolling update."""

from __future__ import annotations

import calendar
import hashlib
import json
import math
import time
from typing import Any

from opsconsole.sandbox import defaults
from opsconsole.sandbox.controllers.base import (
    DEPLOYMENTS,
    PODS,
    REPLICASETS,
    Context,
    controller_of,
    owner_ref,
)
from opsconsole.sandbox.gc import delete
from opsconsole.sandbox.store import clone, now_iso, short_hash

Obj = dict[str, Any]
HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
CONTROLLER = "deployment-controller"


def template_hash(template: Obj) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    return short_hash(digest, 10)


def strip_hash(template: Obj) -> Obj:
    t: Obj = clone(template)
    labels = t.get("metadata", {}).get("labels")
    if labels and HASH in labels:
        del labels[HASH]
    return t


def revision(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def pod_ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in pod.get("status", {}).get("conditions") or []
    )


def _active(pod: Obj) -> bool:
    return pod.get("status", {}).get("phase") not in ("Succeeded", "Failed") and not pod[
        "metadata"
    ].get("deletionTimestamp")


def new_pod(owner: Obj, template: Obj, name: str) -> Obj:
    tmeta = template.get("metadata") or {}
    meta: Obj = {
        "name": name,
        "namespace": owner["metadata"].get("namespace"),
        "labels": dict(tmeta.get("labels") or {}),
        "ownerReferences": [owner_ref(owner)],
    }
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    # What the API server adds to every Pod a controller creates (defaults, admission).
    made = defaults.pod_from_template(template.get("spec") or {})
    return {"metadata": meta, "spec": made["spec"], "status": made["status"]}


# -- ReplicaSet -------------------------------------------------------------------------------


def _delete_order(pods: list[Obj]) -> list[Obj]:
    """Which pods a scale-down removes first: unscheduled, pending, not ready, newest."""
    newest_first = sorted(
        pods, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True
    )
    return sorted(
        newest_first,
        key=lambda p: (
            bool(p["spec"].get("nodeName")),
            p.get("status", {}).get("phase") != "Pending",
            pod_ready(p),
        ),
    )


def reconcile_replicaset(ctx: Context, ns: str, name: str) -> None:
    rs = ctx.store.get(REPLICASETS, ns, name)
    if rs is None:
        return
    uid = rs["metadata"]["uid"]
    pods = [p for p in ctx.store.owned(uid, PODS) if _active(p)]
    want = int(rs["spec"].get("replicas", 1))
    if len(pods) < want:
        template = rs["spec"].get("template") or {}
        for i in range(want - len(pods)):
            pod_name = f"{name}-{short_hash(f'{uid}{ctx.store.rv}{i}')}"
            created = ctx.create(PODS, new_pod(rs, template, pod_name))
            if created is not None:
                pods.append(created)
                ctx.recorder.record(
                    rs,
                    "SuccessfulCreate",
                    f"Created pod: {pod_name}",
                    component="replicaset-controller",
                )
    elif len(pods) > want:
        for pod in _delete_order(pods)[: len(pods) - want]:
            meta = pod["metadata"]
            if ctx.store.get(PODS, ns, meta["name"]) is not None:
                delete(ctx.store, PODS, ns, meta["name"])
                ctx.recorder.record(
                    rs,
                    "SuccessfulDelete",
                    f"Deleted pod: {meta['name']}",
                    component="replicaset-controller",
                )
        pods = [p for p in ctx.store.owned(uid, PODS) if _active(p)]
    ready = sum(1 for p in pods if pod_ready(p))
    labels = rs["spec"].get("template", {}).get("metadata", {}).get("labels") or {}
    status = {
        "replicas": len(pods),
        "fullyLabeledReplicas": sum(
            1 for p in pods if labels.items() <= (p["metadata"].get("labels") or {}).items()
        ),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    if status != rs.get("status"):
        ctx.write(REPLICASETS, {**rs, "status": status})


# -- Deployment -------------------------------------------------------------------------------


def _resolve(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        frac = total * int(value[:-1]) / 100
        return math.ceil(frac) if round_up else math.floor(frac)
    return int(value or 0)


def _set_replicas(ctx: Context, dep: Obj, rs: Obj, replicas: int) -> Obj:
    old = int(rs["spec"].get("replicas", 0))
    if old == replicas:
        return rs
    new = clone(rs)
    new["spec"]["replicas"] = replicas
    ann = new["metadata"].setdefault("annotations", {})
    ann["deployment.kubernetes.io/desired-replicas"] = str(dep["spec"].get("replicas", 1))
    written = ctx.write(REPLICASETS, new) or rs
    verb = "up" if replicas > old else "down"
    ctx.recorder.record(
        dep,
        "ScalingReplicaSet",
        f"Scaled {verb} replica set {rs['metadata']['name']} from {old} to {replicas}",
        component=CONTROLLER,
    )
    return written


def _new_replicaset(ctx: Context, dep: Obj, rss: list[Obj]) -> tuple[Obj | None, bool]:
    """The ReplicaSet for the current template, created or re-stamped with the next revision."""
    template = dep["spec"]["template"]
    top = max((revision(r) for r in rss), default=0)
    change_cause = (dep["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause")
    for rs in rss:
        if strip_hash(rs["spec"]["template"]) == template:
            if revision(rs) == top:
                return rs, False
            # A rollback: the old ReplicaSet becomes the newest revision again.
            new = clone(rs)
            ann = new["metadata"].setdefault("annotations", {})
            history = [
                h for h in ann.get("deployment.kubernetes.io/revision-history", "").split(",") if h
            ]
            ann["deployment.kubernetes.io/revision-history"] = ",".join(
                [*history, str(revision(rs))]
            )
            ann[REVISION] = str(top + 1)
            if change_cause:
                ann["kubernetes.io/change-cause"] = change_cause
            return ctx.write(REPLICASETS, new), True
    phash = template_hash(template)
    name = f"{dep['metadata']['name']}-{phash}"
    tmpl = clone(template)
    tmpl.setdefault("metadata", {}).setdefault("labels", {})[HASH] = phash
    selector = clone(dep["spec"]["selector"])
    selector.setdefault("matchLabels", {})[HASH] = phash
    labels = {**(tmpl["metadata"]["labels"])}
    ann = {
        REVISION: str(top + 1),
        "deployment.kubernetes.io/desired-replicas": str(dep["spec"].get("replicas", 1)),
        "deployment.kubernetes.io/max-replicas": str(dep["spec"].get("replicas", 1) + 1),
    }
    if change_cause:
        ann["kubernetes.io/change-cause"] = change_cause
    rs = {
        "metadata": {
            "name": name,
            "namespace": dep["metadata"]["namespace"],
            "labels": labels,
            "annotations": ann,
            "ownerReferences": [owner_ref(dep)],
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": dep["spec"].get("minReadySeconds", 0),
            "selector": selector,
            "template": tmpl,
        },
        "status": {"replicas": 0},
    }
    created = ctx.create(REPLICASETS, rs)
    return created, created is not None


def _rollout(ctx: Context, dep: Obj, new: Obj, olds: list[Obj]) -> None:
    desired = int(dep["spec"].get("replicas", 1))
    strategy = dep["spec"].get("strategy") or {}
    active_olds = [r for r in olds if r["spec"].get("replicas", 0) > 0]
    if strategy.get("type") == "Recreate":
        if active_olds:
            for rs in active_olds:
                _set_replicas(ctx, dep, rs, 0)
            return
        if any(r.get("status", {}).get("replicas", 0) for r in olds):
            return  # wait for old pods to go before starting new ones
        _set_replicas(ctx, dep, new, desired)
        return
    if not active_olds:
        _set_replicas(ctx, dep, new, desired)
        return
    ru = strategy.get("rollingUpdate") or {}
    surge = _resolve(ru.get("maxSurge", "25%"), desired, True)
    unavailable = _resolve(ru.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    all_rs = [new, *olds]
    total = sum(int(r["spec"].get("replicas", 0)) for r in all_rs)
    new_replicas = int(new["spec"].get("replicas", 0))
    if new_replicas < desired:
        room = desired + surge - total
        if room > 0:
            new = _set_replicas(ctx, dep, new, min(desired, new_replicas + room))
    elif new_replicas > desired:
        new = _set_replicas(ctx, dep, new, desired)
    min_available = desired - unavailable
    new_unavailable = int(new["spec"].get("replicas", 0)) - int(
        new.get("status", {}).get("availableReplicas", 0)
    )
    all_pods = sum(int(r.get("status", {}).get("replicas", 0)) for r in all_rs)
    cleanup = all_pods - min_available - new_unavailable
    # First drop old pods that are not available anyway, then available ones within budget.
    for i, rs in enumerate(olds):
        if cleanup <= 0:
            break
        have = int(rs["spec"].get("replicas", 0))
        unhealthy = have - int(rs.get("status", {}).get("availableReplicas", 0))
        cut = min(cleanup, max(0, unhealthy))
        if cut:
            olds[i] = _set_replicas(ctx, dep, rs, have - cut)
            cleanup -= cut
    available = sum(int(r.get("status", {}).get("availableReplicas", 0)) for r in all_rs)
    budget = available - min_available
    for rs in sorted(olds, key=revision):
        if budget <= 0:
            break
        have = int(rs["spec"].get("replicas", 0))
        cut = min(budget, have)
        if cut:
            _set_replicas(ctx, dep, rs, have - cut)
            budget -= cut


def _condition(
    conds: list[Obj], type_: str, status: str, reason: str, message: str, progress: bool
) -> None:
    now = now_iso()
    for c in conds:
        if c["type"] == type_:
            if c["status"] != status:
                c["lastTransitionTime"] = now
            if progress or c["status"] != status or c.get("reason") != reason:
                c["lastUpdateTime"] = now
            c.update(status=status, reason=reason, message=message)
            return
    conds.append(
        {
            "type": type_,
            "status": status,
            "lastUpdateTime": now,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }
    )


def _deadline_passed(ctx: Context, dep: Obj, conds: list[Obj]) -> bool:
    deadline = dep["spec"].get("progressDeadlineSeconds")
    if deadline is None:
        return False
    for c in conds:
        if c["type"] == "Progressing" and c.get("lastUpdateTime"):
            then = calendar.timegm(time.strptime(c["lastUpdateTime"], "%Y-%m-%dT%H:%M:%SZ"))
            return time.time() - then > ctx.clock.real(float(deadline))
    return False


def reconcile_deployment(ctx: Context, ns: str, name: str) -> None:
    dep = ctx.store.get(DEPLOYMENTS, ns, name)
    if dep is None:
        return
    uid = dep["metadata"]["uid"]
    rss = [
        r for r in ctx.store.owned(uid, REPLICASETS) if (controller_of(r) or {}).get("uid") == uid
    ]
    paused = bool(dep["spec"].get("paused"))
    new: Obj | None = None
    created = False
    if not paused:
        new, created = _new_replicaset(ctx, dep, rss)
        if new is not None:
            rss = [r for r in rss if r["metadata"]["uid"] != new["metadata"]["uid"]]
            _rollout(ctx, dep, new, rss)
            rss = [
                r
                for r in ctx.store.owned(uid, REPLICASETS)
                if r["metadata"]["uid"] != new["metadata"]["uid"]
            ]
            new = ctx.store.get(REPLICASETS, ns, new["metadata"]["name"]) or new
    _cleanup(ctx, dep, rss)
    _status(ctx, dep, new, rss, created, paused)


def _cleanup(ctx: Context, dep: Obj, olds: list[Obj]) -> None:
    limit = int(dep["spec"].get("revisionHistoryLimit", 10))
    idle = sorted(
        (
            r
            for r in olds
            if not r["spec"].get("replicas") and not r.get("status", {}).get("replicas")
        ),
        key=revision,
    )
    for rs in idle[: max(0, len(idle) - limit)]:
        meta = rs["metadata"]
        if ctx.store.get(REPLICASETS, meta["namespace"], meta["name"]) is not None:
            delete(ctx.store, REPLICASETS, meta["namespace"], meta["name"])


def _status(
    ctx: Context, dep: Obj, new: Obj | None, olds: list[Obj], created: bool, paused: bool
) -> None:
    all_rs = ([new] if new else []) + olds
    desired = int(dep["spec"].get("replicas", 1))
    st = dep.get("status") or {}

    def total(field: str) -> int:
        return sum(int(r.get("status", {}).get(field, 0)) for r in all_rs)

    spec_total = sum(int(r["spec"].get("replicas", 0)) for r in all_rs)
    status: Obj = {
        "observedGeneration": dep["metadata"].get("generation", 1),
        "replicas": total("replicas"),
        "updatedReplicas": int((new or {}).get("status", {}).get("replicas", 0)),
        "readyReplicas": total("readyReplicas"),
        "availableReplicas": total("availableReplicas"),
        "unavailableReplicas": max(0, spec_total - total("availableReplicas")),
    }
    progress = created or any(
        status.get(k, 0) != st.get(k, 0)
        for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    )
    conds = clone(st.get("conditions") or [])
    ru = (dep["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    unavailable = _resolve(ru.get("maxUnavailable", "25%"), desired, False)
    if status["availableReplicas"] >= desired - unavailable:
        _condition(
            conds,
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            False,
        )
    else:
        _condition(
            conds,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            False,
        )
    rs_name = new["metadata"]["name"] if new else ""
    complete = (
        status["updatedReplicas"] == desired
        and status["replicas"] == desired
        and status["availableReplicas"] == desired
    )
    if paused:
        _condition(
            conds, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", False
        )
    elif complete and new is not None:
        _condition(
            conds,
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
            progress,
        )
    elif progress or not any(c["type"] == "Progressing" for c in conds):
        reason = "NewReplicaSetCreated" if created else "ReplicaSetUpdated"
        verb = "Created new replica set" if created else "ReplicaSet"
        msg = f'{verb} "{rs_name}"' if created else f'ReplicaSet "{rs_name}" is progressing.'
        _condition(conds, "Progressing", "True", reason, msg, True)
    elif _deadline_passed(ctx, dep, conds):
        _condition(
            conds,
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{rs_name}" has timed out progressing.',
            False,
        )
    conds.sort(key=lambda c: c["type"] != "Available")
    status["conditions"] = conds
    if not status["unavailableReplicas"]:
        del status["unavailableReplicas"]
    for k in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
        if not status[k]:
            del status[k]
    new_dep = {**dep, "status": status}
    if new is not None and (dep["metadata"].get("annotations") or {}).get(REVISION) != str(
        revision(new)
    ):
        meta = clone(dep["metadata"])
        meta.setdefault("annotations", {})[REVISION] = str(revision(new))
        new_dep["metadata"] = meta
    if new_dep != dep:
        ctx.write(DEPLOYMENTS, new_dep)


def sweep_deadlines(ctx: Context) -> None:
    """Deployments still rolling out are looked at again, so deadlines are noticed."""
    for dep in ctx.store.objects(DEPLOYMENTS):
        for c in (dep.get("status") or {}).get("conditions") or []:
            if c["type"] == "Progressing" and c.get("reason") in (
                "ReplicaSetUpdated",
                "NewReplicaSetCreated",
            ):
                ctx.enqueue(DEPLOYMENTS, dep["metadata"]["namespace"], dep["metadata"]["name"])
