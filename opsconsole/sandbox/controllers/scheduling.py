"""kube-scheduler's filters and what they need to know: what each node already holds.

The filters run in the default profile's order and a node fails on the first that rejects it
(NodeUnschedulable, TaintToleration, NodeAffinity, then NodeResourcesFit, which may give
several reasons). The messages are the plugins' own, and a pod that fits nowhere gets the
FitError text: `0/N nodes are available: <histogram>. preemption: 0/N nodes are available:
<histogram>.` The sandbox does not preempt: a node rejected for resources reports "No
preemption victims found for incoming pod", any other "Preemption is not helpful for
scheduling", as DefaultPreemption says when no lower-priority pod could make room.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox import quantity
from opsconsole.sandbox.controllers.base import NODES, PODS
from opsconsole.sandbox.store import Change, Key, Store

Obj = dict[str, Any]
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
TERMINAL = ("Succeeded", "Failed")
# cpu in millicores, everything else in units (bytes, devices), as the scheduler counts.
_BASIC = ("cpu", "memory", "ephemeral-storage")


@functools.lru_cache(maxsize=4096)
def _amount(resource: str, value: object) -> int:
    """Cached: the same few quantities ("50m", "64Mi") recur across thousands of pods."""
    number = quantity.parse(value)
    return round(number * 1000) if resource == "cpu" else round(number)


def pod_requests(spec: Obj) -> dict[str, int]:
    """What the pod asks for: the containers' sum, at least any init container, plus overhead.

    A resource with a limit and no request is requested at its limit, as the API server
    defaults it.
    """
    total: dict[str, int] = {}
    for c in spec.get("containers") or []:
        res = c.get("resources") or {}
        for name, value in {**(res.get("limits") or {}), **(res.get("requests") or {})}.items():
            total[name] = total.get(name, 0) + _amount(name, value)
    for c in spec.get("initContainers") or []:
        res = c.get("resources") or {}
        for name, value in {**(res.get("limits") or {}), **(res.get("requests") or {})}.items():
            total[name] = max(total.get(name, 0), _amount(name, value))
    for name, value in (spec.get("overhead") or {}).items():
        total[name] = total.get(name, 0) + _amount(name, value)
    return total


def tolerates(toleration: Obj, taint: Obj) -> bool:
    """core/v1 Toleration.ToleratesTaint."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def _tolerated(spec: Obj, taint: Obj) -> bool:
    return any(tolerates(t, taint) for t in spec.get("tolerations") or [])


def _expression(expr: Obj, labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator"), expr.get("values") or []
    has = key in labels
    if op == "In":
        return has and labels[key] in values
    if op == "NotIn":
        return not has or labels[key] not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and len(values) == 1:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _term(term: Obj, labels: dict[str, str], name: str) -> bool:
    exprs, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields:
        return False  # an empty term matches no node
    return all(_expression(e, labels) for e in exprs) and all(
        _expression(f, {"metadata.name": name}) for f in fields
    )


def matches_node(spec: Obj, node: Obj) -> bool:
    """NodeAffinity's filter: nodeSelector and the required node affinity terms (ORed)."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is None:
        return True
    name = node["metadata"]["name"]
    return any(_term(t, labels, name) for t in required.get("nodeSelectorTerms") or [])


def untolerated_taint(spec: Obj, node: Obj) -> Obj | None:
    for taint in node.get("spec", {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerated(spec, taint):
            return dict(taint)
    return None


# schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for a
# container that requests nothing, so such pods still spread over the nodes.
DEFAULT_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024


def non_zero(spec: Obj) -> tuple[int, int]:
    """cpu (m) and memory the scorer counts: each container's request, or the default."""
    cpu = memory = 0
    for c in spec.get("containers") or []:
        res = c.get("resources") or {}
        req = {**(res.get("limits") or {}), **(res.get("requests") or {})}
        cpu += _amount("cpu", req["cpu"]) if "cpu" in req else DEFAULT_CPU
        memory += _amount("memory", req["memory"]) if "memory" in req else DEFAULT_MEMORY
    return cpu, memory


@dataclass
class NodeUse:
    requested: dict[str, int] = field(default_factory=dict)
    pods: int = 0
    ips: set[str] = field(default_factory=set)
    non_zero: list[int] = field(default_factory=lambda: [0, 0])  # cpu (m), memory


@dataclass(slots=True)
class _Bound:
    node: str
    spec: Obj
    requests: dict[str, int]
    ip: str
    non_zero: tuple[int, int] = (0, 0)


def _placement_changed(old: Obj | None, new: Obj) -> bool:
    """A heartbeat is not news for the scheduler; a cordon, taint, label or size change is."""
    if old is None:
        return True
    return (
        old.get("spec") != new.get("spec")
        or old["metadata"].get("labels") != new["metadata"].get("labels")
        or (old.get("status") or {}).get("allocatable")
        != (new.get("status") or {}).get("allocatable")
    )


_INTERNED: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}
_INTERNED_NZ: dict[tuple[int, int], tuple[int, int]] = {}


class Tracker:
    """What each node holds (requests of its non-terminal pods, their IPs) and which pods wait.

    Kept from store changes, so a scheduling decision costs the number of nodes, not pods.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.nodes: dict[str, NodeUse] = {}
        self.bound: dict[str, _Bound] = {}  # pod uid → where it counts
        self.pending: dict[str, Key] = {}  # uid → (namespace, name) of pods not yet placed
        self.on_room: Callable[[list[Key]], None] | None = None
        store.listeners.append(self.on_change)
        for pod in store.objects(PODS):
            self._count(pod)

    def use(self, node: str) -> NodeUse:
        return self.nodes.setdefault(node, NodeUse())

    def _uncount(self, uid: str) -> None:
        self.pending.pop(uid, None)
        old = self.bound.pop(uid, None)
        if old is None:
            return
        use = self.use(old.node)
        use.pods -= 1
        for name, amount in old.requests.items():
            use.requested[name] = use.requested.get(name, 0) - amount
        use.ips.discard(old.ip)
        use.non_zero[0] -= old.non_zero[0]
        use.non_zero[1] -= old.non_zero[1]

    def _count(self, pod: Obj) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        status = pod.get("status") or {}
        if status.get("phase") in TERMINAL:
            return
        node = spec.get("nodeName")
        if not node:
            if not meta.get("deletionTimestamp"):
                self.pending[meta["uid"]] = (meta.get("namespace", ""), meta["name"])
            return
        # Interned: pods of one template ask for the same, so 50k pods share a few dicts.
        requests = pod_requests(spec)
        requests = _INTERNED.setdefault(tuple(sorted(requests.items())), requests)
        ip = status.get("podIP") or ""
        nz = non_zero(spec)
        nz = _INTERNED_NZ.setdefault(nz, nz)
        self.bound[meta["uid"]] = _Bound(node, spec, requests, ip, nz)
        use = self.use(node)
        use.pods += 1
        use.non_zero[0] += nz[0]
        use.non_zero[1] += nz[1]
        for name, amount in requests.items():
            use.requested[name] = use.requested.get(name, 0) + amount
        if ip:
            use.ips.add(ip)

    def on_change(self, change: Change) -> None:
        if change.key == NODES.key:
            if change.type == "ADDED" or (
                change.type == "MODIFIED" and _placement_changed(change.old, change.obj)
            ):
                self._room()
            return
        if change.key != PODS.key:
            return
        uid = change.obj["metadata"]["uid"]
        old = self.bound.get(uid)
        new = change.obj
        if change.type == "DELETED":
            self._uncount(uid)
            if old is not None:
                self._room()
            return
        status = new.get("status") or {}
        if (
            old is not None
            and old.spec is new.get("spec")
            and old.ip == (status.get("podIP") or "")
            and status.get("phase") not in TERMINAL
        ):
            return  # a status write that changes nothing the scheduler counts
        self._uncount(uid)
        self._count(new)
        if old is not None and uid not in self.bound:
            self._room()  # it finished: its requests are free again

    def _room(self) -> None:
        """Something freed room or changed a node: the waiting pods should try again."""
        if self.pending and self.on_room is not None:
            self.on_room(list(self.pending.values()))

    def allocate_ip(self, node: Obj) -> str:
        """The lowest free address of the node's podCIDR (.1 is the node's bridge)."""
        cidr = node.get("spec", {}).get("podCIDR")
        if not cidr:
            return ""
        used = self.use(node["metadata"]["name"]).ips
        for i, host in enumerate(ipaddress.ip_network(cidr).hosts()):
            if i and str(host) not in used:
                return str(host)
        return ""


def _fit(pod_req: dict[str, int], node: Obj, use: NodeUse) -> list[str]:
    """NodeResourcesFit's fitsRequest: each resource the node lacks, as the plugin says it."""
    allocatable = node.get("status", {}).get("allocatable") or {}
    out = []
    if use.pods + 1 > _amount("pods", allocatable.get("pods", 0)):
        out.append("Too many pods")
    for name in (*_BASIC, *sorted(k for k in pod_req if k not in _BASIC and k != "pods")):
        want = pod_req.get(name, 0)
        if want <= 0:
            continue
        free = _amount(name, allocatable.get(name, 0)) - use.requested.get(name, 0)
        if want > free:
            out.append(f"Insufficient {name}")
    return out


def _filter(spec: Obj, req: dict[str, int], node: Obj, use: NodeUse) -> tuple[list[str], bool]:
    """The reasons this node is rejected, and whether preemption could ever help."""
    if node.get("spec", {}).get("unschedulable") and not _tolerated(
        spec, {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}
    ):
        return ["node(s) were unschedulable"], False
    taint = untolerated_taint(spec, node)
    if taint is not None:
        return [
            f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}"
        ], False
    if not matches_node(spec, node):
        return ["node(s) didn't match Pod's node affinity/selector"], False
    return _fit(req, node, use), True


def _histogram(reasons: Iterable[str]) -> str:
    return ", ".join(sorted(f"{n} {r}" for r, n in Counter(reasons).items()))


def choose_node(store: Store, tracker: Tracker, pod: Obj) -> tuple[str | None, str]:
    """A node for the pod (the least allocated that fits), or None with the FitError message."""
    spec = pod["spec"]
    if spec.get("nodeName"):
        return spec["nodeName"], ""
    req = pod_requests(spec)
    wants = non_zero(spec)
    nodes = list(store.objects(NODES))
    if not nodes:
        return None, "no nodes available to schedule pods"
    filtered: list[str] = []
    preemption: list[str] = []
    best: tuple[float, bytes, str] | None = None
    for node in nodes:
        name = node["metadata"]["name"]
        use = tracker.use(name)
        reasons, resolvable = _filter(spec, req, node, use)
        if reasons:
            filtered += reasons
            preemption.append(NO_VICTIMS if resolvable else NOT_HELPFUL)
            continue
        # NodeResourcesFit's LeastAllocated score: the most cpu and memory left, counting
        # a container without requests at the defaults.
        allocatable = node.get("status", {}).get("allocatable") or {}
        score = 0.0
        for i, resource in enumerate(("cpu", "memory")):
            cap = _amount(resource, allocatable.get(resource, 0)) or 1
            score += (cap - use.non_zero[i] - wants[i]) / cap
        tie = hashlib.sha256((pod["metadata"]["name"] + name).encode()).digest()[:4]
        if best is None or (score, tie) > best[:2]:
            best = (score, tie, name)
    if best is not None:
        return best[2], ""
    total = len(nodes)
    return None, (
        f"0/{total} nodes are available: {_histogram(filtered)}. "
        f"preemption: 0/{total} nodes are available: {_histogram(preemption)}."
    )


def daemon_fits(spec: Obj, node: Obj) -> bool:
    """Where the DaemonSet controller puts a pod: taints and node affinity, not resources."""
    return untolerated_taint(spec, node) is None and matches_node(spec, node)
