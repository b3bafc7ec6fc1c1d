"""Deletion with propagation: the garbage collector's job.

Background and Orphan are done at once. Foreground, as on a real cluster, keeps the owner
(with a deletionTimestamp and the `foregroundDeletion` finalizer) while its dependents are
deleted, themselves in the foreground when they have dependents of their own; a store
listener removes the owner when its last dependent is gone (pods may take their grace
period). Controllers leave objects being deleted alone (controllers/base.py).
"""

from __future__ import annotations

import weakref
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import RESOURCES, ResourceType, by_kind, preferred
from opsconsole.sandbox.store import Change, Store, clone, now_iso

Obj = dict[str, Any]

PROPAGATION = ("Foreground", "Background", "Orphan")
FOREGROUND = "foregroundDeletion"


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
    elif propagation == "Foreground" and rt.kind != "Namespace":
        if FOREGROUND in (meta.get("finalizers") or []):
            return obj  # already waiting for its dependents
        if store.children.get(uid):
            return _foreground(store, rt, obj)
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


def _foreground(store: Store, rt: ResourceType, obj: Obj) -> Obj:
    """Mark the owner, delete its dependents, and leave the rest to _on_change."""
    _listen(store)
    uid = obj["metadata"]["uid"]
    marked = clone(obj)
    meta = marked["metadata"]
    meta["deletionTimestamp"] = now_iso()
    meta["deletionGracePeriodSeconds"] = 0
    meta["finalizers"] = [*(meta.get("finalizers") or []), FOREGROUND]
    marked = store.update(rt, marked, check_rv=False)
    for crt, child in _children(store, uid):
        cm = child["metadata"]
        ns = cm.get("namespace", "")
        if store.get(crt, ns, cm["name"]) is None:
            continue
        others = [r for r in cm.get("ownerReferences") or [] if r.get("uid") != uid]
        if others:
            # Another owner keeps it: only the reference to this one goes.
            kept = clone(child)
            kept["metadata"]["ownerReferences"] = others
            store.update(crt, kept, check_rv=False)
            continue
        policy = "Foreground" if store.children.get(cm["uid"]) else "Background"
        delete(store, crt, ns, cm["name"], policy)
    return _finish(store, rt, marked)


def _finish(store: Store, rt: ResourceType, owner: Obj) -> Obj:
    """Remove an owner waiting in the foreground once no dependent is left."""
    meta = owner["metadata"]
    if store.children.get(meta["uid"]):
        return owner
    current = store.get(rt, meta.get("namespace", ""), meta["name"])
    if current is None or current["metadata"]["uid"] != meta["uid"]:
        return owner
    finalizers = [f for f in current["metadata"].get("finalizers") or [] if f != FOREGROUND]
    if finalizers:
        # Someone else's finalizer still holds it: drop ours and leave it marked.
        held = clone(current)
        held["metadata"]["finalizers"] = finalizers
        return store.update(rt, held, check_rv=False)
    return store.remove(rt, meta.get("namespace", ""), meta["name"])


_LISTENING: weakref.WeakSet[Store] = weakref.WeakSet()


def _listen(store: Store) -> None:
    if store not in _LISTENING:
        store.listeners.append(lambda change: _on_change(store, change))
        _LISTENING.add(store)


def _on_change(store: Store, change: Change) -> None:
    """A dependent went (or dropped its reference): an owner may be done waiting."""
    if change.old is None or change.type == "ADDED":
        return
    before = change.old["metadata"].get("ownerReferences") or []
    after = [] if change.type == "DELETED" else change.obj["metadata"].get("ownerReferences") or []
    left = {r.get("uid") for r in after}
    for ref in before:
        if ref.get("uid") in left or store.children.get(ref.get("uid", "")):
            continue
        ort = by_kind(str(ref.get("apiVersion", "")), str(ref.get("kind", "")))
        if ort is None:
            continue
        ort = preferred(ort.group, ort.plural)
        owner = store.get(ort, change.obj["metadata"].get("namespace", ""), ref.get("name", ""))
        if owner is None or owner["metadata"]["uid"] != ref.get("uid"):
            continue
        if FOREGROUND in (owner["metadata"].get("finalizers") or []):
            _finish(store, ort, owner)
