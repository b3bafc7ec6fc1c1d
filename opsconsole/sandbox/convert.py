"""Kinds stored once and converted for other versions' readers and writers.

Events are stored as core/v1 and converted for events.k8s.io/v1; HorizontalPodAutoscalers are
stored as autoscaling/v2 and converted for autoscaling/v1, which keeps what it has no field
for in annotations, as pkg/apis/autoscaling/v1/conversion.go does.
"""

from __future__ import annotations

import json
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


# The annotations autoscaling/v1 keeps v2's extra fields in (conversion.go's names).
METRICS_ANN = "autoscaling.alpha.kubernetes.io/metrics"
BEHAVIOR_ANN = "autoscaling.alpha.kubernetes.io/behavior"
CURRENT_ANN = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANN = "autoscaling.alpha.kubernetes.io/conditions"


def _is_cpu_utilization(metric: Obj) -> bool:
    res = metric.get("resource") or {}
    target = res.get("target") or {}
    return (
        metric.get("type") == "Resource"
        and res.get("name") == "cpu"
        and target.get("type") == "Utilization"
    )


def hpa_to_v1(hpa: Obj) -> Obj:
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    annotations = dict(hpa["metadata"].get("annotations") or {})
    metrics = spec.get("metrics") or []
    cpu = next((m for m in metrics if _is_cpu_utilization(m)), None)
    others = [m for m in metrics if m is not cpu]
    if others:
        annotations[METRICS_ANN] = json.dumps(others, separators=(",", ":"))
    if spec.get("behavior"):
        annotations[BEHAVIOR_ANN] = json.dumps(spec["behavior"], separators=(",", ":"))
    current = status.get("currentMetrics") or []
    cpu_now = next((m for m in current if (m.get("resource") or {}).get("name") == "cpu"), None)
    if [m for m in current if m is not cpu_now]:
        rest = [m for m in current if m is not cpu_now]
        annotations[CURRENT_ANN] = json.dumps(rest, separators=(",", ":"))
    if status.get("conditions"):
        annotations[CONDITIONS_ANN] = json.dumps(status["conditions"], separators=(",", ":"))
    v1_spec: Obj = {
        k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec
    }
    if cpu is not None:
        v1_spec["targetCPUUtilizationPercentage"] = cpu["resource"]["target"].get(
            "averageUtilization"
        )
    v1_status: Obj = {
        k: status[k]
        for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
        if k in status
    }
    v1_status.setdefault("currentReplicas", 0)
    v1_status.setdefault("desiredReplicas", 0)
    if cpu_now is not None:
        utilization = ((cpu_now.get("resource") or {}).get("current") or {}).get(
            "averageUtilization"
        )
        if utilization is not None:
            v1_status["currentCPUUtilizationPercentage"] = utilization
    meta = {**hpa["metadata"], "annotations": annotations} if annotations else hpa["metadata"]
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta,
        "spec": v1_spec,
        "status": v1_status,
    }


def hpa_from_v1(hpa: Obj) -> Obj:
    meta = dict(hpa.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    spec = dict(hpa.get("spec") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    metrics: list[Obj] = []
    if target is not None:
        metrics.append(
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": target},
                },
            }
        )
    try:
        metrics += json.loads(annotations.pop(METRICS_ANN, "[]"))
        behavior = json.loads(annotations.pop(BEHAVIOR_ANN, "null"))
    except ValueError:
        behavior = None
    for key in (CURRENT_ANN, CONDITIONS_ANN):
        annotations.pop(key, None)
    if metrics:
        spec["metrics"] = metrics
    if behavior:
        spec["behavior"] = behavior
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    status = dict(hpa.get("status") or {})
    cpu_now = status.pop("currentCPUUtilizationPercentage", None)
    if cpu_now is not None:
        status["currentMetrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": cpu_now}},
            }
        ]
    out: Obj = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta,
        "spec": spec,
    }
    if status:
        out["status"] = status
    return out
