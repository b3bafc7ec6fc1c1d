"""Event recorder: core/v1 Events with counts, deduplicated like client-go's correlator."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import Store, now_iso

Obj = dict[str, Any]
EVENTS = preferred("", "events")


class Recorder:
    def __init__(self, store: Store, limit: int = 5000) -> None:
        self.store = store
        self.limit = limit  # the real API server expires events after an hour; we cap them
        self.seen: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.order: deque[tuple[tuple[str, str, str], tuple[str, str]]] = deque()
        self.enabled = True
        self.seq = 0

    def record(
        self,
        obj: Obj,
        reason: str,
        message: str,
        type_: str = "Normal",
        component: str = "",
        field_path: str = "",
    ) -> None:
        if not self.enabled:
            return
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), reason, message)
        now = now_iso()
        existing = self.seen.get(key)
        if existing is not None:
            current = self.store.get(EVENTS, *existing)
            if current is not None:
                ev = {
                    **current,
                    "count": current.get("count", 1) + 1,
                    "lastTimestamp": now,
                    "metadata": dict(current["metadata"]),
                }
                self.store.update(EVENTS, ev, check_rv=False)
                return
        involved: Obj = {
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace"),
            "name": meta["name"],
            "uid": meta.get("uid"),
            "apiVersion": obj.get("apiVersion"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        if field_path:
            involved["fieldPath"] = field_path
        # Like client-go: the object's name and the time in hex, so names sort by time.
        self.seq += 1
        name = f"{meta['name']}.{time.time_ns() + self.seq:x}"
        host = obj.get("spec", {}).get("nodeName", "") if obj.get("kind") == "Pod" else ""
        event: Obj = {
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {k: v for k, v in involved.items() if v is not None},
            "reason": reason,
            "message": message,
            "source": {"component": component, **({"host": host} if host else {})},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        self.store.create(EVENTS, event)
        self.seen[key] = (ns, name)
        self.order.append((key, (ns, name)))
        while len(self.order) > self.limit:
            old_key, old = self.order.popleft()
            if self.seen.get(old_key) == old:
                del self.seen[old_key]
            if self.store.get(EVENTS, *old) is not None:
                self.store.remove(EVENTS, *old)
