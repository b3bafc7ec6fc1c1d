"""The object store: one sorted bucket per resource, a global resourceVersion and a change log.

Stored dicts are never mutated in place: every write stores a new dict, so readers (lists,
watches, the change log) can hand out references without copying. Callers that want to edit
an object take `clone()` first.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import json
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import RESOURCES, ResourceType
from opsconsole.sandbox.selectors import (
    FieldRequirement,
    Requirement,
    fields_match,
    labels_match,
)

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects


def clone(value: Any) -> Any:
    """Deep copy for JSON-shaped data, several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_hash(text: str, length: int = 5) -> str:
    """Deterministic lowercase alphanumeric suffix, like the API server's generateName."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def _without_rv(obj: Obj) -> Obj:
    meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    return {**obj, "metadata": meta}


@dataclass
class Change:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: str  # ResourceType.key
    obj: Obj
    old: Obj | None


@dataclass
class Bucket:
    objects: dict[Key, Obj] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)  # sorted, for stable paging
    # JSON of each object as last served: a LIST of 50k pods re-encodes only what changed.
    encoded: dict[Key, str] = field(default_factory=dict)

    def put(self, key: Key, obj: Obj) -> None:
        if key not in self.objects:
            bisect.insort(self.keys, key)
        self.objects[key] = obj
        self.encoded.pop(key, None)

    def remove(self, key: Key) -> None:
        del self.objects[key]
        self.encoded.pop(key, None)
        i = bisect.bisect_left(self.keys, key)
        del self.keys[i]

    def scan(self, namespace: str | None, start: Key | None) -> Iterator[tuple[int, Key]]:
        """Keys in order from `start` (exclusive), within `namespace` when given."""
        if start is not None:
            i = bisect.bisect_right(self.keys, start)
        elif namespace is not None:
            i = bisect.bisect_left(self.keys, (namespace, ""))
        else:
            i = 0
        keys = self.keys
        while i < len(keys):
            key = keys[i]
            if namespace is not None and key[0] != namespace:
                if key[0] > namespace:
                    return
            else:
                yield i, key
            i += 1


class Buckets(dict[str, Bucket]):
    """A bucket per resource; kinds a CRD adds later get theirs on first use."""

    def __missing__(self, key: str) -> Bucket:
        bucket = self[key] = Bucket()
        return bucket


@dataclass
class Watcher:
    key: str
    namespace: str | None
    labels: list[Requirement]
    fields: list[FieldRequirement]
    queue: asyncio.Queue[Change | None]

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        if self.namespace is not None and obj["metadata"].get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, obj) and fields_match(self.fields, obj)


@dataclass
class ListPage:
    items: list[Obj]
    rv: int
    next_key: Key | None
    remaining: int | None


class Store:
    def __init__(self, history: int = 50_000) -> None:
        self.rv = 0
        self.compacted_rv = 0
        self.buckets: dict[str, Bucket] = Buckets({rt.key: Bucket() for rt in RESOURCES})
        self.history: deque[Change] = deque(maxlen=history)
        self.watchers: list[Watcher] = []
        self.listeners: list[Callable[[Change], None]] = []
        self.children: dict[str, set[tuple[str, Key]]] = {}

    # -- reads ------------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str, name: str) -> Obj | None:
        return self.buckets[rt.key].objects.get((namespace if rt.namespaced else "", name))

    def must_get(self, rt: ResourceType, namespace: str, name: str) -> Obj:
        obj = self.get(rt, namespace, name)
        if obj is None:
            raise errors.not_found(rt.plural, name, rt.group)
        return obj

    def query(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        labels: list[Requirement] | None = None,
        fields: list[FieldRequirement] | None = None,
        limit: int = 0,
        start: Key | None = None,
    ) -> ListPage:
        bucket = self.buckets[rt.key]
        items: list[Obj] = []
        labels = labels or []
        fields = fields or []
        last: Key | None = None
        index = 0
        for index, key in bucket.scan(namespace if rt.namespaced else None, start):
            if limit and len(items) >= limit:
                remaining = None
                if not labels and not fields and namespace is None:
                    remaining = len(bucket.keys) - index
                return ListPage(items, self.rv, last, remaining)
            obj = bucket.objects[key]
            if labels_match(labels, obj) and fields_match(fields, obj):
                items.append(obj)
                last = key
        return ListPage(items, self.rv, None, None)

    def encode(self, rt: ResourceType, obj: Obj) -> str:
        """The object as compact JSON, cached until it is next written."""
        bucket = self.buckets[rt.key]
        key = (
            obj["metadata"].get("namespace", "") if rt.namespaced else "",
            obj["metadata"]["name"],
        )
        text = bucket.encoded.get(key)
        if text is None or bucket.objects.get(key) is not obj:
            text = json.dumps(obj, separators=(",", ":"))
            if bucket.objects.get(key) is obj:
                bucket.encoded[key] = text
        return text

    def objects(self, rt: ResourceType, namespace: str | None = None) -> Iterator[Obj]:
        bucket = self.buckets[rt.key]
        for _, key in bucket.scan(namespace if rt.namespaced else None, None):
            yield bucket.objects[key]

    def count(self, rt: ResourceType) -> int:
        return len(self.buckets[rt.key].keys)

    def owned(self, owner_uid: str, rt: ResourceType | None = None) -> list[Obj]:
        out: list[Obj] = []
        for key, k in sorted(self.children.get(owner_uid, ())):
            if rt is not None and key != rt.key:
                continue
            obj = self.buckets[key].objects.get(k)
            if obj is not None:
                out.append(obj)
        return out

    # -- writes -----------------------------------------------------------------------------

    def _bump(self) -> int:
        self.rv += 1
        return self.rv

    def _emit(self, change: Change) -> None:
        self.history.append(change)
        for w in self.watchers:
            if w.key == change.key and (w.matches(change.obj) or w.matches(change.old)):
                w.queue.put_nowait(change)
        for listener in self.listeners:
            listener(change)

    def _index_owners(self, key: str, k: Key, old: Obj | None, new: Obj | None) -> None:
        def uids(o: Obj | None) -> set[str]:
            if o is None:
                return set()
            return {r["uid"] for r in o["metadata"].get("ownerReferences") or [] if "uid" in r}

        before, after = uids(old), uids(new)
        for uid in before - after:
            kids = self.children.get(uid)
            if kids is not None:
                kids.discard((key, k))
                if not kids:
                    del self.children[uid]
        for uid in after - before:
            self.children.setdefault(uid, set()).add((key, k))

    def create(self, rt: ResourceType, obj: Obj, dry_run: bool = False) -> Obj:
        """Store a new object; `obj` becomes the store's and must not be used afterwards."""
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + short_hash(f"{uuid.uuid4()}")
        name = meta.get("name")
        if not name:
            raise errors.ApiError(
                422,
                "name or generateName is required",
                "Invalid",
                {
                    "kind": rt.plural,
                    "causes": [
                        {
                            "reason": "FieldValueRequired",
                            "message": "Required value: name or generateName is required",
                            "field": "metadata.name",
                        }
                    ],
                },
            )
        ns = meta.get("namespace", "") if rt.namespaced else ""
        if not rt.namespaced:
            meta.pop("namespace", None)
        k = (ns, name)
        bucket = self.buckets[rt.key]
        if k in bucket.objects:
            raise errors.already_exists(rt.plural, name, rt.group)
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        meta["uid"] = meta.get("uid") or str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        if rt.tracks_generation:
            meta["generation"] = 1
        if dry_run:
            meta["resourceVersion"] = str(self.rv)
            return obj
        meta["resourceVersion"] = str(self._bump())
        bucket.put(k, obj)
        self._index_owners(rt.key, k, None, obj)
        self._emit(Change(self.rv, "ADDED", rt.key, obj, None))
        return obj

    def update(
        self, rt: ResourceType, obj: Obj, dry_run: bool = False, check_rv: bool = True
    ) -> Obj:
        """Replace an object; 409 if obj carries a resourceVersion that is no longer current."""
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if rt.namespaced else ""
        k = (ns, meta["name"])
        bucket = self.buckets[rt.key]
        old = bucket.objects.get(k)
        if old is None:
            raise errors.not_found(rt.plural, meta["name"], rt.group)
        want = meta.get("resourceVersion")
        if check_rv and want and want != old["metadata"]["resourceVersion"]:
            raise errors.conflict(rt.plural, meta["name"], rt.group)
        for fixed in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ):
            if fixed in old["metadata"]:
                meta[fixed] = old["metadata"][fixed]
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if rt.tracks_generation:
            gen = old["metadata"].get("generation", 1)
            meta["generation"] = gen + 1 if obj.get("spec") != old.get("spec") else gen
        if _without_rv(obj) == _without_rv(old):
            return old  # a no-op write keeps its resourceVersion, as on a real server
        if dry_run:
            return obj
        meta["resourceVersion"] = str(self._bump())
        bucket.put(k, obj)
        self._index_owners(rt.key, k, old, obj)
        self._emit(Change(self.rv, "MODIFIED", rt.key, obj, old))
        return obj

    def remove(self, rt: ResourceType, namespace: str, name: str, dry_run: bool = False) -> Obj:
        """Delete one object now (no garbage collection; see gc.py for that)."""
        k = (namespace if rt.namespaced else "", name)
        bucket = self.buckets[rt.key]
        old = bucket.objects.get(k)
        if old is None:
            raise errors.not_found(rt.plural, name, rt.group)
        if dry_run:
            return old
        gone = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self._bump())}}
        bucket.remove(k)
        self._index_owners(rt.key, k, old, None)
        self._emit(Change(self.rv, "DELETED", rt.key, gone, old))
        return gone

    # -- watch ------------------------------------------------------------------------------

    def changes_since(self, rt: ResourceType, rv: int) -> list[Change]:
        """Changes after rv; 410 Expired if the log no longer reaches back that far."""
        oldest = self.history[0].rv - 1 if self.history else self.rv
        if rv < self.compacted_rv or rv < oldest:
            raise errors.gone(f"too old resource version: {rv} ({max(oldest, self.compacted_rv)})")
        return [c for c in self.history if c.rv > rv and c.key == rt.key]

    def compact(self) -> None:
        """Forget the change log, as etcd compaction does; older watches and pages get 410."""
        self.history.clear()
        self.compacted_rv = self.rv

    def compact_to(self, rv: int) -> None:
        """Forget the changes up to rv, keeping the newer ones, as an etcd compaction does."""
        while self.history and self.history[0].rv <= rv:
            self.history.popleft()
        self.compacted_rv = max(self.compacted_rv, rv)

    def subscribe(self, watcher: Watcher) -> None:
        self.watchers.append(watcher)

    def unsubscribe(self, watcher: Watcher) -> None:
        if watcher in self.watchers:
            self.watchers.remove(watcher)
