"""Cut each kind's API object (the JSON dict) down to the row the console's pages show.

Pure functions, no I/O: the sync calls `row_for(plural, obj)` on every listed or watched
object and stores the result. Every row has uid, namespace, name, labels, created (RFC 3339)
and `status`, the one word the lists filter by; the rest is what `kubectl get -o wide` shows
for the kind plus what the overview needs. `SORT_KEYS` names each kind's sortable fields and
whether they sort as numbers or as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
Row = dict[str, Any]

# Sortable fields per kind: "num" sorts by number, "str" by text. Every kind also sorts by
# name, namespace, created and status.
COMMON_SORTS: dict[str, str] = {
    "name": "str",
    "namespace": "str",
    "created": "num",
    "status": "str",
}
SORT_KEYS: dict[str, dict[str, str]] = {
    "deployments": {
        "desired": "num", "ready": "num", "available": "num", "updated": "num",
        "revision": "num", "images": "str",
    },
    "statefulsets": {"desired": "num", "ready": "num", "images": "str"},
    "daemonsets": {
        "desired": "num", "current": "num", "ready": "num", "available": "num", "updated": "num",
    },
    "replicasets": {
        "desired": "num", "current": "num", "ready": "num", "revision": "num", "images": "str",
    },
    "pods": {"ready_count": "num", "restarts": "num", "node": "str", "ip": "str"},
    "jobs": {"succeeded": "num", "duration": "num"},
    "cronjobs": {"schedule": "str", "suspend": "str", "active": "num", "last_schedule": "num"},
    "services": {
        "type": "str", "cluster_ip": "str", "external_ip": "str", "ports": "str", "selector": "str",
    },
    "ingresses": {"class_name": "str", "hosts": "str", "address": "str", "ports": "str"},
    "horizontalpodautoscalers": {
        "target": "str", "metrics": "str", "min": "num", "max": "num", "current": "num",
    },
    "persistentvolumeclaims": {
        "volume": "str", "capacity_bytes": "num", "access_modes": "str", "storage_class": "str",
    },
    "configmaps": {"keys": "num"},
    "events": {
        "type": "str", "reason": "str", "object": "str", "count": "num", "last_seen": "num",
        "message": "str",
    },
    "nodes": {
        "roles": "str", "version": "str", "internal_ip": "str", "cpu": "num", "memory": "num",
        "gpu": "num", "taints": "str",
    },
}  # fmt: skip


def sort_keys(plural: str) -> dict[str, str]:
    return {**COMMON_SORTS, **SORT_KEYS.get(plural, {})}


def sort_text(value: Any) -> str:
    """How a text column sorts: lists by their items joined, as the page prints them."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def epoch(stamp: str | None) -> float:
    """Seconds since the epoch of an RFC 3339 time (0 when absent or unreadable)."""
    if not stamp:
        return 0.0
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _common(obj: Obj) -> Row:
    meta = obj.get("metadata") or {}
    return {
        "uid": meta.get("uid", ""),
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "labels": meta.get("labels") or {},
        "created": epoch(meta.get("creationTimestamp")),
    }


def _images(spec: Obj) -> list[str]:
    return [str(c.get("image", "")) for c in spec.get("containers") or []]


def image_tag(image: str) -> str:
    """The tag (or digest) of an image reference: 'registry:5000/app:1.2' → '1.2'."""
    if "@" in image:
        return image.rsplit("@", 1)[1][:19]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def _template_images(obj: Obj) -> list[str]:
    return _images(((obj.get("spec") or {}).get("template") or {}).get("spec") or {})


def _owner(obj: Obj) -> str:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def _workload_status(desired: int, ready: int, available: int, updated: int, paused: bool) -> str:
    if paused:
        return "Paused"
    if desired == 0:
        return "ScaledDown"
    if available < desired or ready < desired:
        return "Degraded"
    if updated < desired:
        return "Progressing"
    return "Healthy"


def deployment(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas", 0))
    available = int(status.get("availableReplicas", 0))
    updated = int(status.get("updatedReplicas", 0))
    paused = bool(spec.get("paused", False))
    images = _template_images(obj)
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    stalled = any(
        c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"
        for c in status.get("conditions") or []
    )
    row = _common(obj)
    row.update(
        desired=desired,
        ready=ready,
        available=available,
        updated=updated,
        paused=paused,
        images=images,
        tags=[image_tag(i) for i in images],
        revision=annotations.get("deployment.kubernetes.io/revision", ""),
        selector=_selector_text((spec.get("selector") or {}).get("matchLabels") or {}),
        stalled=stalled,
        # kubectl rollout status gives up on a Deployment past its progress deadline.
        status="Stalled"
        if stalled and not paused
        else _workload_status(desired, ready, available, updated, paused),
    )
    return row


def statefulset(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas", 0))
    available = int(status.get("availableReplicas", ready))
    updated = int(status.get("updatedReplicas", 0))
    images = _template_images(obj)
    row = _common(obj)
    row.update(
        desired=desired,
        ready=ready,
        available=available,
        updated=updated,
        paused=False,
        images=images,
        tags=[image_tag(i) for i in images],
        revision=str(status.get("currentRevision", "")).rsplit("-", 1)[-1],
        status=_workload_status(desired, ready, available, max(updated, ready), False),
    )
    return row


def daemonset(obj: Obj) -> Row:
    status = obj.get("status") or {}
    desired = int(status.get("desiredNumberScheduled", 0))
    ready = int(status.get("numberReady", 0))
    available = int(status.get("numberAvailable", 0))
    updated = int(status.get("updatedNumberScheduled", 0))
    images = _template_images(obj)
    row = _common(obj)
    row.update(
        desired=desired,
        current=int(status.get("currentNumberScheduled", 0)),
        ready=ready,
        available=available,
        updated=updated,
        paused=False,
        images=images,
        tags=[image_tag(i) for i in images],
        revision="",
        status=_workload_status(desired, ready, available, updated, False),
    )
    return row


def replicaset(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas", 0))
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    images = _template_images(obj)
    row = _common(obj)
    revision = annotations.get("deployment.kubernetes.io/revision", "")
    row.update(
        desired=desired,
        current=int(status.get("replicas", 0)),
        ready=ready,
        images=images,
        tags=[image_tag(i) for i in images],
        revision=int(revision) if revision.isdigit() else 0,
        owner=_owner(obj),
        status="ScaledDown" if desired == 0 else ("Ready" if ready >= desired else "NotReady"),
    )
    return row


def pod_status(pod: Obj) -> tuple[str, int, int]:
    """(status, ready containers, restarts) as `kubectl get pods` prints them
    (printPod in kubernetes/pkg/printers/internalversion/printers.go)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    reason = str(status.get("reason") or status.get("phase") or "Unknown")
    restarts = 0
    ready = 0
    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += int(cs.get("restartCount", 0))
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode", 0) == 0:
            continue
        if term is not None:
            if term.get("reason"):
                reason = "Init:" + term["reason"]
            elif term.get("signal"):
                reason = f"Init:Signal:{term['signal']}"
            else:
                reason = f"Init:ExitCode:{term.get('exitCode', 0)}"
        elif (
            waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing"
        ):
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        initializing = True
        break
    if not initializing:
        restarts = 0
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount", 0))
            state = cs.get("state") or {}
            term, waiting = state.get("terminated"), state.get("waiting")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                reason = (
                    f"Signal:{term['signal']}"
                    if term.get("signal")
                    else f"ExitCode:{term.get('exitCode', 0)}"
                )
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            reason = "Running" if pod_ready else "NotReady"
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp"):
        reason = "Terminating"
    return reason, ready, restarts


def pod(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    word, ready, restarts = pod_status(obj)
    total = len(spec.get("containers") or [])
    scheduling = ""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            scheduling = str(cond.get("message") or cond.get("reason") or "")
    images = _images(spec)
    row = _common(obj)
    row.update(
        status=word,
        phase=status.get("phase", ""),
        ready=f"{ready}/{total}",
        ready_count=ready,
        containers=total,
        restarts=restarts,
        node=spec.get("nodeName", ""),
        ip=status.get("podIP", ""),
        owner=_owner(obj),
        workload=_workload(obj),
        images=images,
        scheduling=scheduling,
        requests=_requests(spec) if status.get("phase") not in ("Succeeded", "Failed") else {},
    )
    return row


def _workload(pod: Obj) -> str:
    """The workload a pod belongs to, "Kind/name": a ReplicaSet's pods belong to its
    Deployment (the ReplicaSet is named <deployment>-<pod-template-hash>)."""
    owner = _owner(pod)
    kind, _, name = owner.partition("/")
    if kind == "ReplicaSet":
        labels = (pod.get("metadata") or {}).get("labels") or {}
        suffix = "-" + str(labels.get("pod-template-hash", ""))
        if len(suffix) > 1 and name.endswith(suffix):
            return "Deployment/" + name[: -len(suffix)]
    return owner


def _requests(spec: Obj) -> dict[str, float]:
    """What the pod asks the scheduler for (cpu cores, memory bytes, GPUs), as the scheduler
    counts it: the sum of the containers, or the largest init container if that is more."""
    total: dict[str, float] = {}
    for c in spec.get("containers") or []:
        for key, value in ((c.get("resources") or {}).get("requests") or {}).items():
            if key in _ALLOCATED:
                total[_ALLOCATED[key]] = total.get(_ALLOCATED[key], 0.0) + quantity(value)
    for c in spec.get("initContainers") or []:
        for key, value in ((c.get("resources") or {}).get("requests") or {}).items():
            if key in _ALLOCATED:
                name = _ALLOCATED[key]
                total[name] = max(total.get(name, 0.0), quantity(value))
    return total


_ALLOCATED = {"cpu": "cpu", "memory": "memory", "nvidia.com/gpu": "gpu"}


def job(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    completions = int(spec.get("completions", 1) or 1)
    succeeded = int(status.get("succeeded", 0))
    start, end = epoch(status.get("startTime")), epoch(status.get("completionTime"))
    conditions = {
        c.get("type"): c for c in status.get("conditions") or [] if c.get("status") == "True"
    }
    if "Complete" in conditions:
        word = "Complete"
    elif "Failed" in conditions:
        word = "Failed"
    elif spec.get("suspend"):
        word = "Suspended"
    else:
        word = "Running"
    row = _common(obj)
    row.update(
        completions=f"{succeeded}/{completions}",
        succeeded=succeeded,
        failed=int(status.get("failed", 0)),
        active=int(status.get("active", 0)),
        duration=(end or _now()) - start if start else 0.0,
        images=_template_images(obj),
        owner=_owner(obj),
        status=word,
    )
    return row


def cronjob(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    active = len(status.get("active") or [])
    suspended = bool(spec.get("suspend", False))
    row = _common(obj)
    job_spec = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    row.update(
        schedule=spec.get("schedule", ""),
        suspend=suspended,
        active=active,
        last_schedule=epoch(status.get("lastScheduleTime")),
        last_success=epoch(status.get("lastSuccessfulTime")),
        images=_images(job_spec.get("spec") or {}),
        status="Suspended" if suspended else ("Active" if active else "Scheduled"),
    )
    return row


def service(obj: Obj) -> Row:
    spec = obj.get("spec") or {}
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = [str(i.get("ip") or i.get("hostname")) for i in ingress]
    external += list(spec.get("externalIPs") or [])
    kind = str(spec.get("type", "ClusterIP"))
    row = _common(obj)
    row.update(
        type=kind,
        cluster_ip=spec.get("clusterIP", ""),
        external_ip=",".join(external) or ("<pending>" if kind == "LoadBalancer" else "<none>"),
        ports=",".join(ports) or "<none>",
        selector=_selector_text(spec.get("selector") or {}),
        status=kind,
    )
    return row


def ingress(obj: Obj) -> Row:
    spec = obj.get("spec") or {}
    hosts = [str(r.get("host")) for r in spec.get("rules") or [] if r.get("host")]
    lb = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(str(i.get("ip") or i.get("hostname")) for i in lb)
    row = _common(obj)
    row.update(
        class_name=spec.get("ingressClassName", ""),
        hosts=hosts,
        address=address,
        ports="80, 443" if spec.get("tls") else "80",
        status="Ready" if address else "Pending",
    )
    return row


def _metric_text(spec_metric: Obj, current: Obj | None) -> str:
    """One metric as kubectl prints it: 'cpu: 45%/70%'."""
    kind = spec_metric.get("type", "")
    source = spec_metric.get(kind[:1].lower() + kind[1:], {}) if kind else {}
    name = (source.get("name") or (source.get("metric") or {}).get("name") or kind).lower()
    target = source.get("target") or {}
    now = "<unknown>"
    cur_source = (current or {}).get(kind[:1].lower() + kind[1:], {}) if current else {}
    cur = cur_source.get("current") or {}
    if target.get("type") == "Utilization":
        if "averageUtilization" in cur:
            now = f"{cur['averageUtilization']}%"
        return f"{name}: {now}/{target.get('averageUtilization')}%"
    want = target.get("averageValue") or target.get("value") or ""
    have = cur.get("averageValue") or cur.get("value")
    return f"{name}: {have if have is not None else now}/{want}"


def hpa(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    current_metrics = status.get("currentMetrics") or []
    metrics = [
        _metric_text(m, current_metrics[i] if i < len(current_metrics) else None)
        for i, m in enumerate(spec.get("metrics") or [])
    ]
    low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 0))
    current, desired = int(status.get("currentReplicas", 0)), int(status.get("desiredReplicas", 0))
    row = _common(obj)
    row.update(
        target=f"{ref.get('kind', '')}/{ref.get('name', '')}",
        target_kind=ref.get("kind", ""),
        target_name=ref.get("name", ""),
        min=low,
        max=high,
        current=current,
        desired=desired,
        metrics=metrics,
        status="AtMaximum"
        if high and current >= high
        else ("Scaling" if desired != current else "Steady"),
    )
    return row


_UNITS = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "m": 0.001, "": 1,
}  # fmt: skip


def quantity(text: str | int | float | None) -> float:
    """A Kubernetes quantity as a number: '500m' → 0.5, '64Gi' → 68719476736."""
    if text is None or text == "":
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    s = str(text)
    for unit in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E", "m"):
        if s.endswith(unit):
            try:
                return float(s[: -len(unit)]) * _UNITS[unit]
            except ValueError:
                return 0.0
    try:
        return float(s)
    except ValueError:
        return 0.0


def pvc(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    capacity = (status.get("capacity") or {}).get("storage") or (
        (spec.get("resources") or {}).get("requests") or {}
    ).get("storage", "")
    row = _common(obj)
    row.update(
        volume=spec.get("volumeName", ""),
        capacity=capacity if status.get("capacity") else "",
        capacity_bytes=quantity(capacity),
        access_modes=",".join(
            {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}.get(m, m)
            for m in spec.get("accessModes") or []
        ),
        storage_class=spec.get("storageClassName", ""),
        status=status.get("phase", "Pending"),
    )
    return row


def configmap(obj: Obj) -> Row:
    row = _common(obj)
    row.update(
        keys=len(obj.get("data") or {}) + len(obj.get("binaryData") or {}),
        status="Active",
    )
    return row


def event(obj: Obj) -> Row:
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    series = obj.get("series") or {}
    last = (
        obj.get("lastTimestamp")
        or series.get("lastObservedTime")
        or obj.get("eventTime")
        or (obj.get("metadata") or {}).get("creationTimestamp")
    )
    row = _common(obj)
    row.update(
        type=obj.get("type", "Normal"),
        reason=obj.get("reason", ""),
        object=f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        object_kind=involved.get("kind", ""),
        object_name=involved.get("name", ""),
        message=obj.get("message") or obj.get("note") or "",
        count=int(obj.get("count") or series.get("count") or 1),
        last_seen=epoch(last),
        status=obj.get("type", "Normal"),
    )
    return row


def node(obj: Obj) -> Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    labels = (obj.get("metadata") or {}).get("labels") or {}
    roles = sorted(
        k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k
    )
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    capacity, allocatable = status.get("capacity") or {}, status.get("allocatable") or {}
    unschedulable = bool(spec.get("unschedulable", False))
    word = "Ready" if ready else "NotReady"
    if unschedulable:
        word += ",SchedulingDisabled"
    internal = [
        a.get("address") for a in status.get("addresses") or [] if a.get("type") == "InternalIP"
    ]
    row = _common(obj)
    row.update(
        roles=",".join(roles) or "<none>",
        version=(status.get("nodeInfo") or {}).get("kubeletVersion", ""),
        internal_ip=internal[0] if internal else "",
        cpu=quantity(capacity.get("cpu")),
        memory=quantity(capacity.get("memory")),
        gpu=quantity(capacity.get("nvidia.com/gpu")),
        cpu_allocatable=quantity(allocatable.get("cpu")),
        memory_allocatable=quantity(allocatable.get("memory")),
        gpu_allocatable=quantity(allocatable.get("nvidia.com/gpu")),
        pods_allocatable=quantity(allocatable.get("pods")),
        unschedulable=unschedulable,
        taints=[
            f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
            for t in spec.get("taints") or []
        ],
        status=word,
    )
    return row


def _selector_text(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


CUTTERS: dict[str, Callable[[Obj], Row]] = {
    "deployments": deployment,
    "statefulsets": statefulset,
    "daemonsets": daemonset,
    "replicasets": replicaset,
    "pods": pod,
    "jobs": job,
    "cronjobs": cronjob,
    "services": service,
    "ingresses": ingress,
    "horizontalpodautoscalers": hpa,
    "persistentvolumeclaims": pvc,
    "configmaps": configmap,
    "events": event,
    "nodes": node,
}


def row_for(plural: str, obj: Obj) -> Row:
    """The row of one object of the kind kubectl calls `plural`."""
    return CUTTERS[plural](obj)
