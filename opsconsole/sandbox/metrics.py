"""`/metrics`: what cAdvisor, kube-state-metrics, DCGM and the services would export.

Every series is computed from the store at scrape time. Counters are rate * container
uptime, so they grow between scrapes and restart from zero when a container restarts;
a pod that is scaled away stops reporting. A pod that is not ready, crash-loops or carries
`sandbox.opsconsole.io/errors: "true"` answers a third of its requests with 5xx.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import time
from collections.abc import Iterator
from typing import Any

from opsconsole.sandbox import quantity
from opsconsole.sandbox.logs import profile
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.store import Store

Obj = dict[str, Any]
PODS = preferred("", "pods")
DEPLOYMENTS = preferred("apps", "deployments")
STATEFULSETS = preferred("apps", "statefulsets")
JOBS = preferred("batch", "jobs")
PVCS = preferred("", "persistentvolumeclaims")
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SERVED = {"api", "trading", "inference", "pipeline"}

HELP: dict[str, tuple[str, str]] = {
    "container_cpu_usage_seconds_total": ("counter", "Cumulative cpu time consumed in seconds."),
    "container_memory_working_set_bytes": ("gauge", "Current working set in bytes."),
    "container_spec_memory_limit_bytes": ("gauge", "Memory limit for the container."),
    "kube_pod_status_phase": ("gauge", "The pods current phase."),
    "kube_pod_container_status_restarts_total": ("counter", "The number of container restarts."),
    "kube_pod_container_resource_requests": ("gauge", "Requested resources by a container."),
    "kube_pod_container_resource_limits": ("gauge", "Resource limits of a container."),
    "kube_deployment_spec_replicas": ("gauge", "Number of desired pods for a deployment."),
    "kube_deployment_status_replicas": ("gauge", "The number of replicas per deployment."),
    "kube_deployment_status_replicas_available": ("gauge", "Available replicas per deployment."),
    "kube_deployment_status_replicas_unavailable": ("gauge", "Unavailable replicas."),
    "kube_statefulset_replicas": ("gauge", "Number of desired pods for a StatefulSet."),
    "kube_statefulset_status_replicas_ready": ("gauge", "Ready replicas per StatefulSet."),
    "kube_job_status_succeeded": ("gauge", "The number of pods which reached Succeeded."),
    "kube_job_status_failed": ("gauge", "The number of pods which reached Failed."),
    "kube_job_status_active": ("gauge", "The number of actively running pods."),
    "kubelet_volume_stats_used_bytes": ("gauge", "Number of used bytes in the volume."),
    "kubelet_volume_stats_capacity_bytes": ("gauge", "Capacity in bytes of the volume."),
    "DCGM_FI_DEV_GPU_UTIL": ("gauge", "GPU utilization (in %)."),
    "DCGM_FI_DEV_FB_USED": ("gauge", "Framebuffer memory used (in MiB)."),
    "http_requests_total": ("counter", "HTTP requests handled."),
    "http_request_duration_seconds": ("histogram", "HTTP request latency."),
    "trading_pnl_usd": ("gauge", "Today's P&L in USD, realized plus unrealized."),
    "trading_volume_usd_total": ("counter", "USD notional traded."),
    "trading_orders_total": ("counter", "Orders by result."),
    "ml_inference_latency_seconds": ("histogram", "Model inference latency."),
}


def _h(*parts: object) -> float:
    """A stable number in [0, 1) for these parts."""
    d = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(d, "big") / 2**64


def _labels(**kv: object) -> str:
    inner = ",".join(
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in kv.items()
    )
    return "{" + inner + "}"


def _since(ts: str | None, now: float) -> float:
    if not ts:
        return 0.0
    return max(0.0, now - calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")))


def _cdf(x: float, median: float) -> float:
    """Log-normal latency distribution with the given median."""
    return 0.5 * (1 + math.erf(math.log(x / median) / (0.8 * math.sqrt(2))))


def _histogram(
    name: str,
    base: dict[str, object],
    total: float,
    median: float,
    buckets: tuple[float, ...] = HTTP_BUCKETS,
) -> Iterator[tuple[str, str, float]]:
    for le in buckets:
        yield f"{name}_bucket", _labels(**base, le=le), math.floor(total * _cdf(le, median))
    yield f"{name}_bucket", _labels(**base, le="+Inf"), math.floor(total)
    yield f"{name}_sum", _labels(**base), round(total * median * 1.38, 3)
    yield f"{name}_count", _labels(**base), math.floor(total)


def usage(uid: str, container: Obj, now: float) -> tuple[float, float]:
    """A running container's CPU (cores) and working set (bytes): a share of what it asked
    for, stable per container, memory wobbling slowly. /metrics and metrics.k8s.io agree."""
    res = container.get("resources") or {}
    cpu_req = quantity.parse((res.get("requests") or {}).get("cpu", "100m")) or 0.1
    mem_base = (
        quantity.parse((res.get("limits") or {}).get("memory", 0))
        or quantity.parse((res.get("requests") or {}).get("memory", "256Mi"))
        or 2.0**28
    )
    name = container["name"]
    cores = cpu_req * (0.3 + 0.5 * _h(uid, name, "cpu"))
    wobble = 0.05 * math.sin(now / 60 + 6 * _h(uid, "m"))
    return cores, float(int(mem_base * (0.4 + 0.35 * _h(uid, name, "mem") + wobble)))


def _pod_series(pod: Obj, now: float) -> Iterator[tuple[str, str, float]]:
    meta, spec, st = pod["metadata"], pod["spec"], pod.get("status", {})
    ns, name, uid = meta.get("namespace", ""), meta["name"], meta["uid"]
    node = spec.get("nodeName", "")
    phase = st.get("phase", "Pending")
    for p in PHASES:
        yield (
            "kube_pod_status_phase",
            _labels(namespace=ns, pod=name, uid=uid, phase=p),
            float(p == phase),
        )
    statuses = {c["name"]: c for c in st.get("containerStatuses") or []}
    labels = meta.get("labels") or {}
    app = labels.get("app.kubernetes.io/name") or labels.get("app") or ""
    annotations = meta.get("annotations") or {}
    unhealthy = annotations.get("sandbox.opsconsole.io/errors") == "true"
    for c in spec.get("containers") or []:
        cname = c["name"]
        cs = statuses.get(cname, {})
        base = {"namespace": ns, "pod": name, "container": cname}
        restarts = int(cs.get("restartCount", 0))
        unhealthy = unhealthy or restarts > 0 or not cs.get("ready", False)
        yield (
            "kube_pod_container_status_restarts_total",
            _labels(namespace=ns, pod=name, uid=uid, container=cname),
            float(restarts),
        )
        res = c.get("resources") or {}
        for kind, series in (
            ("requests", "kube_pod_container_resource_requests"),
            ("limits", "kube_pod_container_resource_limits"),
        ):
            for rname, value in (res.get(kind) or {}).items():
                unit = {"cpu": "core", "memory": "byte"}.get(rname, "integer")
                yield (
                    series,
                    _labels(
                        namespace=ns,
                        pod=name,
                        uid=uid,
                        container=cname,
                        node=node,
                        resource=rname.replace(".", "_").replace("/", "_"),
                        unit=unit,
                    ),
                    quantity.parse(value),
                )
        running = cs.get("state", {}).get("running")
        if not running:
            continue
        up = _since(running.get("startedAt"), now)
        cores, working_set = usage(uid, c, now)
        mem_limit = quantity.parse((res.get("limits") or {}).get("memory", 0))
        yield "container_cpu_usage_seconds_total", _labels(**base), round(up * cores, 3)
        yield "container_memory_working_set_bytes", _labels(**base), working_set
        if mem_limit:
            yield "container_spec_memory_limit_bytes", _labels(**base), mem_limit
        gpus = int(quantity.parse((res.get("limits") or {}).get("nvidia.com/gpu", 0)))
        for g in range(gpus):
            dcgm = {
                "gpu": g,
                "UUID": f"GPU-{uid[:8]}-{g}",
                "device": f"nvidia{g}",
                "modelName": "NVIDIA A100-SXM4-40GB",
                "Hostname": node,
                **base,
            }
            util = 55 + 40 * _h(uid, g, int(now // 15))
            yield "DCGM_FI_DEV_GPU_UTIL", _labels(**dcgm), float(int(util))
            yield "DCGM_FI_DEV_FB_USED", _labels(**dcgm), float(int(18000 + 16000 * _h(uid, g)))
        if cname != (spec.get("containers") or [{}])[0].get("name"):
            continue
        kind = profile(pod, cname)
        if kind not in SERVED or not app:
            continue
        yield from _service_series(
            kind, {"namespace": ns, "app": app, "pod": name}, uid, up, now, unhealthy
        )


def _service_series(
    kind: str, base: dict[str, object], uid: str, up: float, now: float, unhealthy: bool
) -> Iterator[tuple[str, str, float]]:
    rate = 5 + 20 * _h(uid, "rps")
    total = rate * up
    errors = 0.33 if unhealthy else 0.002
    split = {
        ("GET", "200"): 0.7 - errors / 2,
        ("POST", "200"): 0.25 - errors / 2,
        ("GET", "404"): 0.05,
        ("GET", "500"): errors * 0.4,
        ("POST", "503"): errors * 0.6,
    }
    for (method, status), share in split.items():
        yield (
            "http_requests_total",
            _labels(**base, method=method, status=status),
            float(math.floor(total * share)),
        )
    median = 0.02 + 0.05 * _h(uid, "lat") + (0.4 if unhealthy else 0)
    yield from _histogram("http_request_duration_seconds", base, total, median)
    if kind == "trading":
        orders = 3 * up * (0.5 + _h(uid, "ord"))
        for result, share in (("filled", 0.9), ("rejected", 0.06), ("cancelled", 0.04)):
            yield (
                "trading_orders_total",
                _labels(**base, result=result),
                float(math.floor(orders * share)),
            )
        yield "trading_volume_usd_total", _labels(**base), round(orders * 0.9 * 48_250.0, 2)
        day = now % 86400
        pnl = 250_000 * math.sin(day / 7200 + 6 * _h(uid, "pnl")) + 40 * day * (
            _h(uid, "drift") - 0.4
        )
        yield "trading_pnl_usd", _labels(**base), round(pnl, 2)
    if kind == "inference":
        yield from _histogram(
            "ml_inference_latency_seconds", base, total * 0.8, 0.008 + 0.01 * _h(uid, "inf")
        )


def _workload_series(store: Store) -> Iterator[tuple[str, str, float]]:
    for d in store.objects(DEPLOYMENTS):
        base = _labels(namespace=d["metadata"]["namespace"], deployment=d["metadata"]["name"])
        st = d.get("status") or {}
        yield "kube_deployment_spec_replicas", base, float(d["spec"].get("replicas", 1))
        yield "kube_deployment_status_replicas", base, float(st.get("replicas", 0))
        yield (
            "kube_deployment_status_replicas_available",
            base,
            float(st.get("availableReplicas", 0)),
        )
        yield (
            "kube_deployment_status_replicas_unavailable",
            base,
            float(st.get("unavailableReplicas", 0)),
        )
    for s in store.objects(STATEFULSETS):
        base = _labels(namespace=s["metadata"]["namespace"], statefulset=s["metadata"]["name"])
        yield "kube_statefulset_replicas", base, float(s["spec"].get("replicas", 1))
        yield (
            "kube_statefulset_status_replicas_ready",
            base,
            float((s.get("status") or {}).get("readyReplicas", 0)),
        )
    for j in store.objects(JOBS):
        base = _labels(namespace=j["metadata"]["namespace"], job_name=j["metadata"]["name"])
        st = j.get("status") or {}
        for f in ("succeeded", "failed", "active"):
            yield f"kube_job_status_{f}", base, float(st.get(f, 0))
    for pvc in store.objects(PVCS):
        base = _labels(
            namespace=pvc["metadata"]["namespace"], persistentvolumeclaim=pvc["metadata"]["name"]
        )
        cap = quantity.parse(
            pvc["spec"].get("resources", {}).get("requests", {}).get("storage", "1Gi")
        )
        yield "kubelet_volume_stats_capacity_bytes", base, cap
        yield (
            "kubelet_volume_stats_used_bytes",
            base,
            float(int(cap * (0.2 + 0.5 * _h(pvc["metadata"]["uid"], "vol")))),
        )


def render(store: Store, now: float | None = None) -> str:
    now = time.time() if now is None else now
    series: dict[str, list[str]] = {}
    for name, labels, value in (
        *_workload_series(store),
        *(s for pod in store.objects(PODS) for s in _pod_series(pod, now)),
    ):
        family = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        if family not in HELP:
            family = name
        value = float(value)
        text = repr(value) if not value.is_integer() else str(int(value))
        series.setdefault(family, []).append(f"{name}{labels} {text}")
    out: list[str] = []
    for family, lines in series.items():
        kind, help_text = HELP.get(family, ("untyped", family))
        out += [f"# HELP {family} {help_text}", f"# TYPE {family} {kind}", *lines]
    return "\n".join(out) + "\n"
