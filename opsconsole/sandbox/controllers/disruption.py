"""The disruption controller: PodDisruptionBudget status, computed from the pods.

As pkg/controller/disruption: healthy pods are Ready and not terminating; minAvailable as a
number is judged against the pods selected, a percentage or maxUnavailable against the
replicas of their controllers (rounded up).
"""

from __future__ import annotations

import math
from typing import Any

from opsconsole.sandbox.controllers.base import Context, controller_of
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.selectors import labels_match, selector_from_match
from opsconsole.sandbox.store import Store, clone, now_iso

Obj = dict[str, Any]
PODS = preferred("", "pods")
PDBS = preferred("policy", "poddisruptionbudgets")
SCALED = {
    "ReplicaSet": preferred("apps", "replicasets"),
    "Deployment": preferred("apps", "deployments"),
    "StatefulSet": preferred("apps", "statefulsets"),
}


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def selected_pods(store: Store, pdb: Obj) -> list[Obj]:
    selector = pdb.get("spec", {}).get("selector")
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return []  # a nil or empty selector matches nothing, as the eviction code has it
    reqs = selector_from_match(selector)
    return [p for p in store.objects(PODS, pdb["metadata"]["namespace"]) if labels_match(reqs, p)]


def _scale(store: Store, pod: Obj, seen: set[str]) -> int:
    """The replicas of the pod's controller (a Deployment's, for its ReplicaSets' pods)."""
    ref = controller_of(pod)
    if ref is None or ref.get("kind") not in SCALED:
        return 0
    ns = pod["metadata"].get("namespace", "")
    owner = store.get(SCALED[ref["kind"]], ns, ref["name"])
    if owner is None:
        return 0
    top = controller_of(owner)
    if ref["kind"] == "ReplicaSet" and top is not None and top.get("kind") == "Deployment":
        deployment = store.get(SCALED["Deployment"], ns, top["name"])
        owner = deployment or owner
    uid = owner["metadata"]["uid"]
    if uid in seen:
        return 0
    seen.add(uid)
    return int(owner.get("spec", {}).get("replicas", 1))


def _int_or_percent(value: object, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(str(value))


def budget_status(store: Store, pdb: Obj) -> Obj:
    """The disruption controller's status for this budget, from the pods as they are now."""
    pods = selected_pods(store, pdb)
    spec = pdb.get("spec", {})
    healthy = sum(1 for p in pods if _ready(p) and not p["metadata"].get("deletionTimestamp"))
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and not str(min_available).endswith("%"):
        expected, desired = len(pods), int(str(min_available))
    else:
        seen: set[str] = set()
        expected = sum(_scale(store, p, seen) for p in pods) or len(pods)
        if max_unavailable is not None:
            desired = max(0, expected - _int_or_percent(max_unavailable, expected, True))
        elif min_available is not None:
            desired = _int_or_percent(min_available, expected, True)
        else:
            desired = expected
    allowed = max(0, healthy - desired)
    status = clone(pdb.get("status") or {})
    status.update(
        observedGeneration=pdb["metadata"].get("generation", 1),
        currentHealthy=healthy,
        desiredHealthy=desired,
        expectedPods=expected,
        disruptionsAllowed=allowed,
    )
    condition = {
        "type": "DisruptionAllowed",
        "status": "True" if allowed > 0 else "False",
        "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
        "message": "",
        "observedGeneration": status["observedGeneration"],
    }
    was: Obj = next(
        (c for c in status.get("conditions") or [] if c["type"] == condition["type"]), {}
    )
    if was.get("status") == condition["status"] and was.get("lastTransitionTime"):
        condition["lastTransitionTime"] = was["lastTransitionTime"]
    else:
        condition["lastTransitionTime"] = now_iso()
    status["conditions"] = [condition]
    out: Obj = status
    return out


def sync_budgets(ctx: Context) -> None:
    """The disruption controller's periodic pass, so `kubectl get pdb` shows current numbers."""
    store = ctx.store
    for pdb in list(store.objects(PDBS)):
        status = budget_status(store, pdb)
        if status != pdb.get("status"):
            ctx.write(PDBS, {**pdb, "status": status})
