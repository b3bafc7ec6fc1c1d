"""Events are stored once, as core/v1, and converted for events.k8s.io/v1 readers and writers."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def to_events_v1(ev: Obj) -> Obj:
    out: Obj = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": ev["metadata"],
        "eventTime": ev.get("eventTime") or ev.get("firstTimestamp"),
        "reportingController": ev.get("reportingComponent")
        or ev.get("source", {}).get("component", ""),
        "reportingInstance": ev.get("reportingInstance") or ev.get("source", {}).get("host", ""),
        "action": ev.get("action") or ev.get("reason", ""),
        "reason": ev.get("reason", ""),
        "regarding": ev.get("involvedObject", {}),
        "note": ev.get("message", ""),
        "type": ev.get("type", "Normal"),
        "deprecatedSource": ev.get("source", {}),
        "deprecatedFirstTimestamp": ev.get("firstTimestamp"),
        "deprecatedLastTimestamp": ev.get("lastTimestamp"),
        "deprecatedCount": ev.get("count", 1),
    }
    if ev.get("related"):
        out["related"] = ev["related"]
    return {k: v for k, v in out.items() if v is not None}


def from_events_v1(ev: Obj) -> Obj:
    out: Obj = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": ev.get("metadata", {}),
        "involvedObject": ev.get("regarding", {}),
        "reason": ev.get("reason", ""),
        "message": ev.get("note", ""),
        "type": ev.get("type", "Normal"),
        "eventTime": ev.get("eventTime"),
        "reportingComponent": ev.get("reportingController", ""),
        "reportingInstance": ev.get("reportingInstance", ""),
        "action": ev.get("action", ""),
        "source": ev.get("deprecatedSource") or {},
        "firstTimestamp": ev.get("deprecatedFirstTimestamp"),
        "lastTimestamp": ev.get("deprecatedLastTimestamp"),
        "count": ev.get("deprecatedCount", 1),
    }
    return {k: v for k, v in out.items() if v is not None}
