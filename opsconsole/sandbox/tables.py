"""meta.k8s.io/v1 Table rendering, which `kubectl get` asks for (server-side printing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
Column = tuple[str, str, int]  # name, type, priority (1 = only with -o wide)


def age(ts: str | None, now: datetime | None = None) -> str:
    if not ts:
        return "<unknown>"
    then = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    secs = int(((now or datetime.now(UTC)) - then).total_seconds())
    if secs < 0:
        secs = 0
    if secs < 120:
        return f"{secs}s"
    mins = secs // 60
    if mins < 10:
        return f"{mins}m{secs % 60}s" if secs % 60 else f"{mins}m"
    if mins < 180:
        return f"{mins}m"
    hours = mins // 60
    if hours < 48:
        return f"{hours}h{mins % 60}m" if hours < 8 and mins % 60 else f"{hours}h"
    return f"{hours // 24}d"


def _containers(spec: Obj) -> tuple[str, str]:
    cs = spec.get("template", {}).get("spec", {}).get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _selector(spec: Obj) -> str:
    sel = spec.get("selector") or {}
    if isinstance(sel, dict) and "matchLabels" in sel:
        return ",".join(f"{k}={v}" for k, v in sel["matchLabels"].items())
    if isinstance(sel, dict):
        return ",".join(f"{k}={v}" for k, v in sel.items())
    return "<none>"


def pod_status(pod: Obj) -> str:
    """The STATUS column kubectl shows (reason of a waiting/terminated container first)."""
    st = pod.get("status", {})
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    reason = st.get("reason") or st.get("phase", "Pending")
    for cs in st.get("containerStatuses") or []:
        state = cs.get("state", {})
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    return str(reason)


def _pod(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    css = st.get("containerStatuses") or []
    ready = sum(1 for c in css if c.get("ready"))
    restarts = sum(int(c.get("restartCount", 0)) for c in css)
    return [
        o["metadata"]["name"],
        f"{ready}/{len(spec.get('containers') or [])}",
        pod_status(o),
        restarts,
        age(o["metadata"].get("creationTimestamp")),
        st.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        "<none>",
        "<none>",
    ]


def _deploy(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    names, images = _containers(spec)
    return [
        o["metadata"]["name"],
        f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        st.get("updatedReplicas", 0),
        st.get("availableReplicas", 0),
        age(o["metadata"].get("creationTimestamp")),
        names,
        images,
        _selector(spec),
    ]


def _rs(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    names, images = _containers(spec)
    return [
        o["metadata"]["name"],
        spec.get("replicas", 0),
        st.get("replicas", 0),
        st.get("readyReplicas", 0),
        age(o["metadata"].get("creationTimestamp")),
        names,
        images,
        _selector(spec),
    ]


def _sts(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    names, images = _containers(spec)
    return [
        o["metadata"]["name"],
        f"{st.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
        age(o["metadata"].get("creationTimestamp")),
        names,
        images,
    ]


def _ds(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    names, images = _containers(spec)
    sel = spec.get("template", {}).get("spec", {}).get("nodeSelector") or {}
    return [
        o["metadata"]["name"],
        st.get("desiredNumberScheduled", 0),
        st.get("currentNumberScheduled", 0),
        st.get("numberReady", 0),
        st.get("updatedNumberScheduled", 0),
        st.get("numberAvailable", 0),
        ",".join(f"{k}={v}" for k, v in sel.items()) or "<none>",
        age(o["metadata"].get("creationTimestamp")),
        names,
        images,
        _selector(spec),
    ]


def _job(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    conds = {c["type"]: c for c in st.get("conditions") or [] if c.get("status") == "True"}
    status = (
        "Complete"
        if "Complete" in conds
        else "Failed"
        if "Failed" in conds
        else "Suspended"
        if spec.get("suspend")
        else "Running"
    )
    duration = ""
    if st.get("startTime"):
        end = st.get("completionTime")
        start = datetime.strptime(st["startTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        stop = (
            datetime.strptime(end, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            if end
            else datetime.now(UTC)
        )
        duration = age(st["startTime"], stop) if stop >= start else "0s"
    names, images = _containers(spec)
    return [
        o["metadata"]["name"],
        status,
        f"{st.get('succeeded', 0)}/{spec.get('completions', 1)}",
        duration,
        age(o["metadata"].get("creationTimestamp")),
        names,
        images,
        _selector(spec),
    ]


def _cronjob(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    last = st.get("lastScheduleTime")
    cs = spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    containers = cs.get("containers") or []
    return [
        o["metadata"]["name"],
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        str(spec.get("suspend", False)),
        len(st.get("active") or []),
        age(last) if last else "<none>",
        age(o["metadata"].get("creationTimestamp")),
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
        "<none>",
    ]


def _svc(o: Obj) -> list[Any]:
    spec = o.get("spec", {})
    ports = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}"
        f"/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []
    )
    sel = spec.get("selector") or {}
    return [
        o["metadata"]["name"],
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP", "<none>"),
        "<none>",
        ports or "<none>",
        age(o["metadata"].get("creationTimestamp")),
        ",".join(f"{k}={v}" for k, v in sel.items()) or "<none>",
    ]


def _event(o: Obj) -> list[Any]:
    inv = o.get("involvedObject") or o.get("regarding") or {}
    last = o.get("lastTimestamp") or o.get("eventTime") or o["metadata"].get("creationTimestamp")
    return [
        age(last),
        o.get("type", ""),
        o.get("reason", ""),
        f"{inv.get('kind', '').lower()}/{inv.get('name', '')}",
        o.get("message") or o.get("note", ""),
        (o.get("source") or o.get("deprecatedSource") or {}).get("component", ""),
        "",
        age(o.get("firstTimestamp")),
        o.get("count", 1),
        o["metadata"]["name"],
    ]


def _hpa(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    ref = spec.get("scaleTargetRef", {})
    targets = []
    current = {m.get("resource", {}).get("name"): m for m in st.get("currentMetrics") or []}
    for m in spec.get("metrics") or []:
        if m.get("type") == "Resource":
            res = m["resource"]
            cur = current.get(res["name"], {}).get("resource", {}).get("current", {})
            want = res.get("target", {}).get("averageUtilization")
            have = cur.get("averageUtilization")
            targets.append(f"{res['name']}: {have if have is not None else '<unknown>'}%/{want}%")
    if "targetCPUUtilizationPercentage" in spec:  # autoscaling/v1
        have = st.get("currentCPUUtilizationPercentage")
        want = spec["targetCPUUtilizationPercentage"]
        targets.append(f"cpu: {have if have is not None else '<unknown>'}%/{want}%")
    return [
        o["metadata"]["name"],
        f"{ref.get('kind')}/{ref.get('name')}",
        ", ".join(targets) or "<none>",
        spec.get("minReplicas", 1),
        spec.get("maxReplicas", 0),
        st.get("currentReplicas", 0),
        age(o["metadata"].get("creationTimestamp")),
    ]


def _simple(*paths: str) -> Callable[[Obj], list[Any]]:
    def row(o: Obj) -> list[Any]:
        out: list[Any] = [o["metadata"]["name"]]
        for p in paths:
            cur: Any = o
            for part in p.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            out.append(len(cur) if isinstance(cur, dict | list) else ("" if cur is None else cur))
        out.append(age(o["metadata"].get("creationTimestamp")))
        return out

    return row


def _node(o: Obj) -> list[Any]:
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in o.get("status", {}).get("conditions") or []
    )
    labels = o["metadata"].get("labels") or {}
    roles = ",".join(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    info = o.get("status", {}).get("nodeInfo", {})
    return [
        o["metadata"]["name"],
        # kubectl's printer: a cordoned node adds SchedulingDisabled to its status.
        ("Ready" if ready else "NotReady")
        + (",SchedulingDisabled" if o.get("spec", {}).get("unschedulable") else ""),
        roles or "<none>",
        age(o["metadata"].get("creationTimestamp")),
        info.get("kubeletVersion", ""),
        info.get("osImage", ""),
        info.get("containerRuntimeVersion", ""),
    ]


def _slice(o: Obj) -> list[Any]:
    ports = ",".join(str(p.get("port")) for p in o.get("ports") or []) or "<unset>"
    addresses = [a for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
    shown = ",".join(addresses[:3]) + (
        f" + {len(addresses) - 3} more..." if len(addresses) > 3 else ""
    )
    return [
        o["metadata"]["name"],
        o.get("addressType", ""),
        ports,
        shown or "<none>",
        age(o["metadata"].get("creationTimestamp")),
    ]


def _pdb(o: Obj) -> list[Any]:
    spec = o.get("spec", {})
    return [
        o["metadata"]["name"],
        str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
        str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
        o.get("status", {}).get("disruptionsAllowed", 0),
        age(o["metadata"].get("creationTimestamp")),
    ]


def _ingress(o: Obj) -> list[Any]:
    spec = o.get("spec", {})
    hosts = ",".join(r.get("host", "*") for r in spec.get("rules") or []) or "*"
    return [
        o["metadata"]["name"],
        spec.get("ingressClassName") or "<none>",
        hosts,
        "",
        "80, 443" if spec.get("tls") else "80",
        age(o["metadata"].get("creationTimestamp")),
    ]


def _pvc(o: Obj) -> list[Any]:
    st, spec = o.get("status", {}), o.get("spec", {})
    return [
        o["metadata"]["name"],
        st.get("phase", "Pending"),
        spec.get("volumeName", ""),
        (st.get("capacity") or {}).get("storage", ""),
        ",".join(st.get("accessModes") or []),
        spec.get("storageClassName") or "",
        age(o["metadata"].get("creationTimestamp")),
    ]


def _c(names: str, wide: str = "") -> list[Column]:
    cols: list[Column] = [(n, "integer" if n in _INTS else "string", 0) for n in names.split("|")]
    if wide:
        cols += [(n, "string", 1) for n in wide.split("|")]
    return cols


_INTS = {
    "Restarts",
    "Up-to-date",
    "Available",
    "Desired",
    "Current",
    "Ready",
    "Active",
    "MinPods",
    "MaxPods",
    "Replicas",
    "Data",
    "Count",
    "Allowed Disruptions",
}

PRINTERS: dict[str, tuple[list[Column], Callable[[Obj], list[Any]]]] = {
    "Pod": (_c("Name|Ready|Status|Restarts|Age", "IP|Node|Nominated Node|Readiness Gates"), _pod),
    "Deployment": (
        _c("Name|Ready|Up-to-date|Available|Age", "Containers|Images|Selector"),
        _deploy,
    ),
    "ReplicaSet": (_c("Name|Desired|Current|Ready|Age", "Containers|Images|Selector"), _rs),
    "StatefulSet": (_c("Name|Ready|Age", "Containers|Images"), _sts),
    "DaemonSet": (
        _c(
            "Name|Desired|Current|Ready|Up-to-date|Available|Node Selector|Age",
            "Containers|Images|Selector",
        ),
        _ds,
    ),
    "Job": (_c("Name|Status|Completions|Duration|Age", "Containers|Images|Selector"), _job),
    "CronJob": (
        _c("Name|Schedule|Timezone|Suspend|Active|Last Schedule|Age", "Containers|Images|Selector"),
        _cronjob,
    ),
    "Service": (_c("Name|Type|Cluster-IP|External-IP|Port(s)|Age", "Selector"), _svc),
    "Event": (
        _c("Last Seen|Type|Reason|Object|Message", "Source|Subobject|First Seen|Count|Name"),
        _event,
    ),
    "HorizontalPodAutoscaler": (_c("Name|Reference|Targets|MinPods|MaxPods|Replicas|Age"), _hpa),
    "ConfigMap": (_c("Name|Data|Age"), _simple("data")),
    "Secret": (_c("Name|Type|Data|Age"), _simple("type", "data")),
    "Namespace": (_c("Name|Status|Age"), _simple("status.phase")),
    "Node": (_c("Name|Status|Roles|Age|Version", "OS-Image|Container-Runtime"), _node),
    "Ingress": (_c("Name|Class|Hosts|Address|Ports|Age"), _ingress),
    "EndpointSlice": (_c("Name|AddressType|Ports|Endpoints|Age"), _slice),
    "PodDisruptionBudget": (_c("Name|Min Available|Max Unavailable|Allowed Disruptions|Age"), _pdb),
    "PersistentVolumeClaim": (
        _c("Name|Status|Volume|Capacity|Access Modes|StorageClass|Age"),
        _pvc,
    ),
}
_DEFAULT: tuple[list[Column], Callable[[Obj], list[Any]]] = (_c("Name|Age"), _simple())


def table(kind: str, items: list[Obj], list_meta: Obj, include_object: str) -> Obj:
    columns, row = PRINTERS.get(kind, _DEFAULT)
    rows: list[Obj] = []
    for o in items:
        entry: Obj = {"cells": row(o)}
        if include_object == "Object":
            entry["object"] = o
        elif include_object != "None":
            entry["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": o["metadata"],
            }
        rows.append(entry)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": [
            {
                "name": n,
                "type": t,
                "format": "name" if n == "Name" else "",
                "description": n,
                "priority": p,
            }
            for n, t, p in columns
        ],
        "rows": rows,
    }
