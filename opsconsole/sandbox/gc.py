"""Deletion with propagation: the garbage collector's job, done synchronously."""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import RESOURCES, ResourceType, preferred
from opsconsole.sandbox.store import Store, clone, now_iso

Obj = dict[str, Any]

PROPAGATION = ("Foreground", "Background", "Orphan")


def _by_key(key: str) -> ResourceType:
    group, _, plural = key.rpartition("/")
    return preferred(group, plural)


def _children(store: Store, uid: str) -> list[tuple[ResourceType, Obj]]:
    out = []
    for key, k in sorted(store.children.get(uid, ())):
        obj = store.buckets[key].objects.get(k)
        if obj is not None:
            out.append((_by_key(key), obj))
    return out


def delete(
    store: Store,
    rt: ResourceType,
    namespace: str,
    name: str,
    propagation: str = "Background",
    dry_run: bool = False,
    precondition_uid: str = "",
    precondition_rv: str = "",
    grace_seconds: int | None = None,
) -> Obj:
    if propagation not in PROPAGATION:
        raise errors.bad_request(f"unsupported propagationPolicy {propagation!r}")
    obj = store.must_get(rt, namespace, name)
    meta = obj["metadata"]
    if precondition_uid and precondition_uid != meta["uid"]:
        raise errors.conflict(
            rt.plural,
            name,
            rt.group,
            f"Precondition failed: UID in precondition: {precondition_uid}, "
            f"UID in object meta: {meta['uid']}",
        )
    if precondition_rv and precondition_rv != meta["resourceVersion"]:
        raise errors.conflict(rt.plural, name, rt.group)
    if dry_run:
        return obj
    if rt.kind == "Pod" and _graceful(obj, grace_seconds):
        # A running pod is marked and shown Terminating; the kubelet removes it after the
        # grace period (see controllers/pods.py), as a real kubelet confirms the deletion.
        if meta.get("deletionTimestamp"):
            return obj
        marked = clone(obj)
        grace = grace_seconds
        if grace is None:
            grace = int(obj["spec"].get("terminationGracePeriodSeconds", 30))
        marked["metadata"]["deletionTimestamp"] = now_iso()
        marked["metadata"]["deletionGracePeriodSeconds"] = grace
        return store.update(rt, marked, check_rv=False)
    uid = meta["uid"]
    if propagation == "Orphan":
        for crt, child in _children(store, uid):
            orphan = clone(child)
            orphan["metadata"]["ownerReferences"] = [
                r for r in orphan["metadata"].get("ownerReferences") or [] if r.get("uid") != uid
            ] or None
            if orphan["metadata"]["ownerReferences"] is None:
                del orphan["metadata"]["ownerReferences"]
            store.update(crt, orphan, check_rv=False)
    elif propagation == "Foreground":
        _collect(store, uid, "Foreground")
    gone = store.remove(rt, namespace, name)
    if rt.kind == "Namespace":
        for other in RESOURCES:
            if other.namespaced and other is preferred(other.group, other.plural):
                for child in list(store.objects(other, name)):
                    store.remove(other, name, child["metadata"]["name"])
    if propagation == "Background":
        _collect(store, uid, "Background")
    return gone


def _graceful(pod: Obj, grace_seconds: int | None) -> bool:
    if grace_seconds == 0 or not pod["spec"].get("nodeName"):
        return False  # unscheduled pods have no kubelet to wait for
    return pod.get("status", {}).get("phase") in ("Pending", "Running")


def _collect(store: Store, uid: str, propagation: str) -> None:
    """Delete dependents whose owners are all gone (one owner left is enough to keep them)."""
    for crt, child in _children(store, uid):
        owners = [r for r in child["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
        if owners:
            continue
        cm = child["metadata"]
        if store.get(crt, cm.get("namespace", ""), cm["name"]) is not None:
            delete(store, crt, cm.get("namespace", ""), cm["name"], propagation)
