"""What a detail page shows, prepared from the API server's JSON: kind-specific summary facts,
pods, containers with probes, resources and environment references. Plain functions over
dicts, so the templates only loop and print (and Django escapes everything they print)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse

from opsconsole.cluster.kinds import BY_PLURAL, KINDS, Kind

Obj = dict[str, Any]
GPU = "nvidia.com/gpu"
_KIND_BY_NAME = {kind.kind: kind for kind in KINDS}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    href: str = ""
    tone: str = ""  # "", "ok", "warn", "bad": how the value is coloured


def parse_time(stamp: str) -> datetime | None:
    try:
        return datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def age(stamp: str, now: datetime | None = None) -> str:
    """kubectl's AGE: 42s, 5m, 3h, 2d."""
    when = parse_time(stamp)
    if when is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit == "d" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def object_url(kind: Kind, namespace: str, name: str) -> str:
    if kind.namespaced:
        return reverse("workloads:detail", args=[namespace, kind.plural, name])
    return reverse("workloads:cluster_detail", args=[kind.plural, name])


def url_for_kind(kind_name: str, namespace: str, name: str) -> str:
    """A link to an object named by its Kind (an owner or an event's subject), when the
    console shows that kind."""
    kind = _KIND_BY_NAME.get(kind_name)
    return object_url(kind, namespace, name) if kind and name else ""


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def _selector_text(selector: Obj | None) -> str:
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        values = ",".join(expr.get("values") or [])
        parts.append(f"{expr.get('key')} {expr.get('operator')} ({values})".replace(" ()", ""))
    return ", ".join(parts)


def template_spec(kind: Kind, obj: Obj) -> Obj:
    """The pod spec a workload runs (a CronJob's through its job template); a pod's own."""
    spec = _spec(obj)
    if kind.plural == "pods":
        return spec
    if kind.plural == "cronjobs":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def images(pod_spec: Obj) -> str:
    return ", ".join(str(c.get("image", "")) for c in pod_spec.get("containers") or [])


def owner_facts(obj: Obj) -> list[Fact]:
    namespace = str(_meta(obj).get("namespace") or "")
    return [
        Fact(
            "Controlled by" if ref.get("controller") else "Owner",
            f"{ref.get('kind')} {ref.get('name')}",
            url_for_kind(str(ref.get("kind")), namespace, str(ref.get("name") or "")),
        )
        for ref in _meta(obj).get("ownerReferences") or []
    ]


def hpa_fact(hpa: Obj | None) -> list[Fact]:
    if not hpa:
        return []
    meta, spec, status = _meta(hpa), _spec(hpa), _status(hpa)
    value = (
        f"{meta.get('name')}: current {status.get('currentReplicas', '?')}, "
        f"min {spec.get('minReplicas', 1)}, max {spec.get('maxReplicas', '?')}"
    )
    href = object_url(
        BY_PLURAL["horizontalpodautoscalers"], meta.get("namespace", ""), meta["name"]
    )
    return [Fact("Autoscaled by", value, href)]


def _replicas(pairs: list[tuple[str, Any]], desired: int) -> Fact:
    text = " · ".join(f"{label} {value or 0}" for label, value in pairs)
    ready = dict(pairs).get("ready") or 0
    tone = "ok" if ready >= desired else "warn"
    return Fact("Replicas", text, tone=tone)


def _strategy(strategy: Obj) -> str:
    kind = str(strategy.get("type") or "")
    rolling = strategy.get("rollingUpdate") or {}
    extras = [f"{k} {v}" for k, v in sorted(rolling.items())]
    return f"{kind} ({', '.join(extras)})" if extras else kind


def summary_facts(kind: Kind, obj: Obj, hpa: Obj | None = None) -> list[Fact]:
    meta, spec, status = _meta(obj), _spec(obj), _status(obj)
    facts: list[Fact] = []
    if kind.namespaced:
        facts.append(Fact("Namespace", str(meta.get("namespace", ""))))
    created = str(meta.get("creationTimestamp", ""))
    facts.append(Fact("Created", f"{created} ({age(created)} ago)" if created else "—"))
    facts.extend(owner_facts(obj))
    builder = _SUMMARIES.get(kind.plural)
    if builder:
        facts.extend(builder(obj, meta, spec, status))
    if kind.plural in ("deployments", "statefulsets", "replicasets"):
        facts.extend(hpa_fact(hpa))
    return facts


def _deployment(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    desired = int(spec.get("replicas", 1))
    return [
        _replicas(
            [
                ("desired", desired),
                ("ready", status.get("readyReplicas")),
                ("available", status.get("availableReplicas")),
                ("updated", status.get("updatedReplicas")),
            ],
            desired,
        ),
        Fact("Strategy", _strategy(spec.get("strategy") or {})),
        Fact("Selector", _selector_text(spec.get("selector"))),
        Fact("Images", images(template_spec(BY_PLURAL["deployments"], obj))),
        Fact(
            "Revision",
            str((meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", "—")),
        ),
        *([Fact("Paused", "yes", tone="warn")] if spec.get("paused") else []),
    ]


def _statefulset(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    desired = int(spec.get("replicas", 1))
    return [
        _replicas(
            [
                ("desired", desired),
                ("ready", status.get("readyReplicas")),
                ("current", status.get("currentReplicas")),
                ("updated", status.get("updatedReplicas")),
            ],
            desired,
        ),
        Fact("Update strategy", _strategy(spec.get("updateStrategy") or {})),
        Fact("Service", str(spec.get("serviceName", ""))),
        Fact("Selector", _selector_text(spec.get("selector"))),
        Fact("Images", images(template_spec(BY_PLURAL["statefulsets"], obj))),
        Fact("Revision", str(status.get("currentRevision", "—"))),
    ]


def _daemonset(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    desired = int(status.get("desiredNumberScheduled") or 0)
    return [
        _replicas(
            [
                ("desired", desired),
                ("current", status.get("currentNumberScheduled")),
                ("ready", status.get("numberReady")),
                ("available", status.get("numberAvailable")),
                ("updated", status.get("updatedNumberScheduled")),
            ],
            desired,
        ),
        Fact("Update strategy", _strategy(spec.get("updateStrategy") or {})),
        Fact("Selector", _selector_text(spec.get("selector"))),
        Fact("Images", images(template_spec(BY_PLURAL["daemonsets"], obj))),
    ]


def _replicaset(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    desired = int(spec.get("replicas", 1))
    return [
        _replicas(
            [
                ("desired", desired),
                ("ready", status.get("readyReplicas")),
                ("available", status.get("availableReplicas")),
            ],
            desired,
        ),
        Fact("Selector", _selector_text(spec.get("selector"))),
        Fact("Images", images(template_spec(BY_PLURAL["replicasets"], obj))),
        Fact(
            "Revision",
            str((meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", "—")),
        ),
    ]


def pod_status(pod: Obj) -> str:
    """What kubectl's STATUS column says: a waiting or terminated reason beats the phase."""
    if _meta(pod).get("deletionTimestamp"):
        return "Terminating"
    status = _status(pod)
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        for key in ("waiting", "terminated"):
            reason = (state.get(key) or {}).get("reason")
            if reason and not (key == "terminated" and reason == "Completed"):
                return str(reason)
    if status.get("reason"):
        return str(status["reason"])
    return str(status.get("phase") or "Unknown")


def _tone(status: str) -> str:
    if status in ("Running", "Succeeded", "Completed"):
        return "ok"
    if status in ("Pending", "ContainerCreating", "Terminating"):
        return "warn"
    return "bad"


def restarts(pod: Obj) -> int:
    return sum(
        int(cs.get("restartCount") or 0) for cs in _status(pod).get("containerStatuses") or []
    )


def _pod(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    phase = pod_status(obj)
    node = str(spec.get("nodeName") or "")
    unscheduled = next(
        (
            c
            for c in status.get("conditions") or []
            if c.get("type") == "PodScheduled" and c.get("status") == "False"
        ),
        None,
    )
    facts = [
        Fact("Status", phase, tone=_tone(phase)),
        Fact(
            "Node",
            node or "not scheduled",
            reverse("workloads:cluster_detail", args=["nodes", node]) if node else "",
        ),
    ]
    if unscheduled:
        facts.append(
            Fact(
                "Scheduling",
                f"{unscheduled.get('reason', '')}: {unscheduled.get('message', '')}",
                tone="bad",
            )
        )
    facts += [
        Fact("Pod IP", str(status.get("podIP") or "—")),
        Fact("Host IP", str(status.get("hostIP") or "—")),
        Fact("QoS class", str(status.get("qosClass") or "—")),
        Fact("Restarts", str(restarts(obj)), tone="warn" if restarts(obj) else ""),
        Fact("Service account", str(spec.get("serviceAccountName") or "default")),
        Fact("Images", images(spec)),
    ]
    if status.get("startTime"):
        facts.append(Fact("Started", str(status["startTime"])))
    return facts


def _job(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    completions = spec.get("completions", 1)
    succeeded = int(status.get("succeeded") or 0)
    failed = int(status.get("failed") or 0)
    finished = next(
        (
            str(c.get("type"))
            for c in status.get("conditions") or []
            if c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        ),
        "",
    )
    tone = {"Complete": "ok", "Failed": "bad"}.get(finished, "warn")
    return [
        Fact("Status", finished or ("Running" if status.get("active") else "Pending"), tone=tone),
        Fact("Completions", f"{succeeded}/{completions}"),
        Fact(
            "Pods",
            f"active {status.get('active') or 0} · succeeded {succeeded} · failed {failed}",
        ),
        Fact("Parallelism", str(spec.get("parallelism", 1))),
        Fact("Back-off limit", str(spec.get("backoffLimit", 6))),
        Fact("Started", str(status.get("startTime") or "—")),
        Fact("Completed", str(status.get("completionTime") or "—")),
        Fact("Images", images(template_spec(BY_PLURAL["jobs"], obj))),
    ]


def _cronjob(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    return [
        Fact("Schedule", str(spec.get("schedule", ""))),
        Fact(
            "Suspended",
            "yes" if spec.get("suspend") else "no",
            tone="warn" if spec.get("suspend") else "",
        ),
        Fact("Concurrency", str(spec.get("concurrencyPolicy", "Allow"))),
        Fact("Last scheduled", str(status.get("lastScheduleTime") or "never")),
        Fact("Last successful", str(status.get("lastSuccessfulTime") or "never")),
        Fact("Active jobs", str(len(status.get("active") or []))),
        Fact("Images", images(template_spec(BY_PLURAL["cronjobs"], obj))),
    ]


def _ports(ports: list[Obj]) -> str:
    out = []
    for port in ports:
        text = f"{port.get('port')}"
        if port.get("targetPort") is not None:
            text += f"→{port['targetPort']}"
        if port.get("nodePort"):
            text += f" (node {port['nodePort']})"
        text += f"/{port.get('protocol', 'TCP')}"
        if port.get("name"):
            text = f"{port['name']} {text}"
        out.append(text)
    return ", ".join(out)


def _service(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    return [
        Fact("Type", str(spec.get("type", "ClusterIP"))),
        Fact("Cluster IP", str(spec.get("clusterIP") or "—")),
        Fact("Ports", _ports(spec.get("ports") or [])),
        Fact(
            "Selector",
            ", ".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())),
        ),
    ]


def _ingress(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    namespace = str(meta.get("namespace") or "")
    facts = [Fact("Class", str(spec.get("ingressClassName") or "—"))]
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            backend = (path.get("backend") or {}).get("service") or {}
            port = backend.get("port") or {}
            facts.append(
                Fact(
                    f"{rule.get('host', '*')}{path.get('path', '/')}",
                    f"service {backend.get('name')}:{port.get('number') or port.get('name') or ''}",
                    url_for_kind("Service", namespace, str(backend.get("name") or "")),
                )
            )
    for tls in spec.get("tls") or []:
        facts.append(
            Fact(
                "TLS",
                f"{', '.join(tls.get('hosts') or [])} "
                f"(certificate in Secret {tls.get('secretName', '')})",
            )
        )
    return facts


def _hpa(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    ref = spec.get("scaleTargetRef") or {}
    facts = [
        Fact(
            "Target",
            f"{ref.get('kind')} {ref.get('name')}",
            url_for_kind(
                str(ref.get("kind")), str(meta.get("namespace") or ""), str(ref.get("name") or "")
            ),
        ),
        Fact(
            "Replicas",
            f"current {status.get('currentReplicas', '?')}"
            f" · desired {status.get('desiredReplicas', '?')}"
            f" · min {spec.get('minReplicas', 1)} · max {spec.get('maxReplicas', '?')}",
        ),
    ]
    current = {
        (m.get("resource") or {}).get("name"): (m.get("resource") or {}).get("current") or {}
        for m in status.get("currentMetrics") or []
    }
    for metric in spec.get("metrics") or []:
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        now = current.get(resource.get("name")) or {}
        if "averageUtilization" in target:
            value = (
                f"{now.get('averageUtilization', '?')}% of requests"
                f" (target {target['averageUtilization']}%)"
            )
        else:
            value = f"target {target.get('averageValue') or target.get('value') or '?'}"
        facts.append(Fact(f"Metric {resource.get('name') or metric.get('type')}", value))
    return facts


def _pvc(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    phase = str(status.get("phase") or "Pending")
    return [
        Fact("Status", phase, tone="ok" if phase == "Bound" else "warn"),
        Fact("Capacity", str((status.get("capacity") or {}).get("storage") or "—")),
        Fact(
            "Requested",
            str(((spec.get("resources") or {}).get("requests") or {}).get("storage") or "—"),
        ),
        Fact("Access modes", ", ".join(spec.get("accessModes") or [])),
        Fact("Storage class", str(spec.get("storageClassName") or "—")),
        Fact("Volume", str(spec.get("volumeName") or "—")),
    ]


def _configmap(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    data = obj.get("data") or {}
    return [Fact(key, f"{len(str(value))} bytes") for key, value in sorted(data.items())] or [
        Fact("Data", "empty")
    ]


def _event(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    involved = obj.get("involvedObject") or {}
    kind = str(involved.get("kind") or "")
    return [
        Fact(
            "Type", str(obj.get("type") or ""), tone="bad" if obj.get("type") == "Warning" else ""
        ),
        Fact("Reason", str(obj.get("reason") or "")),
        Fact("Message", str(obj.get("message") or "")),
        Fact(
            "About",
            f"{kind} {involved.get('name', '')}",
            url_for_kind(
                kind, str(involved.get("namespace") or ""), str(involved.get("name") or "")
            ),
        ),
        Fact("Count", str(obj.get("count") or 1)),
        Fact("Last seen", str(obj.get("lastTimestamp") or obj.get("eventTime") or "")),
    ]


def _node(obj: Obj, meta: Obj, spec: Obj, status: Obj) -> list[Fact]:
    info = status.get("nodeInfo") or {}
    ready = next(
        (c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), ""
    )
    facts = [
        Fact("Ready", "yes" if ready == "True" else "no", tone="ok" if ready == "True" else "bad"),
        Fact(
            "Schedulable",
            "no (cordoned)" if spec.get("unschedulable") else "yes",
            tone="warn" if spec.get("unschedulable") else "",
        ),
        Fact(
            "Addresses",
            ", ".join(f"{a.get('type')} {a.get('address')}" for a in status.get("addresses") or []),
        ),
        Fact("Kubelet", str(info.get("kubeletVersion") or "—")),
        Fact("OS", f"{info.get('osImage', '')} {info.get('architecture', '')}".strip() or "—"),
    ]
    return facts


_SUMMARIES = {
    "deployments": _deployment,
    "statefulsets": _statefulset,
    "daemonsets": _daemonset,
    "replicasets": _replicaset,
    "pods": _pod,
    "jobs": _job,
    "cronjobs": _cronjob,
    "services": _service,
    "ingresses": _ingress,
    "horizontalpodautoscalers": _hpa,
    "persistentvolumeclaims": _pvc,
    "configmaps": _configmap,
    "events": _event,
    "nodes": _node,
}


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str
    since: str

    @property
    def tone(self) -> str:
        # For most conditions True is good; for a node's pressure conditions it is trouble.
        bad_when_true = self.type.endswith("Pressure") or self.type in (
            "NetworkUnavailable",
            "ReplicaFailure",
            "Failed",
        )
        good = (self.status == "True") != bad_when_true
        return "ok" if good else "bad"


def conditions(obj: Obj) -> list[Condition]:
    return [
        Condition(
            type=str(c.get("type", "")),
            status=str(c.get("status", "")),
            reason=str(c.get("reason") or ""),
            message=str(c.get("message") or ""),
            since=str(c.get("lastTransitionTime") or c.get("lastHeartbeatTime") or ""),
        )
        for c in _status(obj).get("conditions") or []
    ]


@dataclass(frozen=True)
class PodRow:
    name: str
    namespace: str
    href: str
    logs_href: str
    status: str
    tone: str
    ready: str
    restarts: int
    node: str
    node_href: str
    age: str


def pod_rows(pods: list[Obj]) -> list[PodRow]:
    rows = []
    for pod in pods:
        meta, spec, status = _meta(pod), _spec(pod), _status(pod)
        namespace, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        statuses = status.get("containerStatuses") or []
        state = pod_status(pod)
        node = str(spec.get("nodeName") or "")
        rows.append(
            PodRow(
                name=name,
                namespace=namespace,
                href=reverse("workloads:detail", args=[namespace, "pods", name]),
                logs_href=reverse("workloads:logs", args=[namespace, name]),
                status=state,
                tone=_tone(state),
                ready=f"{sum(1 for cs in statuses if cs.get('ready'))}/"
                f"{len(spec.get('containers') or [])}",
                restarts=restarts(pod),
                node=node,
                node_href=reverse("workloads:cluster_detail", args=["nodes", node]) if node else "",
                age=age(str(meta.get("creationTimestamp", ""))),
            )
        )
    return rows


@dataclass(frozen=True)
class Probe:
    type: str  # liveness | readiness | startup
    action: str  # "HTTP GET /healthz on port 8000", "TCP port 5432", "exec pg_isready"
    timing: str
    thresholds: str


def _probe(kind: str, probe: Obj) -> Probe:
    if "httpGet" in probe:
        get = probe["httpGet"]
        action = f"{get.get('scheme', 'HTTP')} GET {get.get('path', '/')} on port {get.get('port')}"
    elif "tcpSocket" in probe:
        action = f"TCP port {probe['tcpSocket'].get('port')}"
    elif "grpc" in probe:
        action = f"gRPC port {probe['grpc'].get('port')}"
    elif "exec" in probe:
        action = "exec " + " ".join(str(a) for a in (probe["exec"].get("command") or []))
    else:
        action = "?"
    timing = (
        f"delay {probe.get('initialDelaySeconds', 0)}s · period {probe.get('periodSeconds', 10)}s"
        f" · timeout {probe.get('timeoutSeconds', 1)}s"
    )
    thresholds = (
        f"success {probe.get('successThreshold', 1)} · failure {probe.get('failureThreshold', 3)}"
    )
    return Probe(kind, action, timing, thresholds)


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str  # a literal value from the spec ("" for a reference)
    reference: str  # "from Secret db-credentials key password", "from ConfigMap …"


def _env(env: Obj) -> EnvVar:
    source = env.get("valueFrom")
    if not source:
        return EnvVar(str(env.get("name", "")), str(env.get("value", "")), "")
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        text = f"from Secret {ref.get('name')} key {ref.get('key')}"
    elif "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        text = f"from ConfigMap {ref.get('name')} key {ref.get('key')}"
    elif "fieldRef" in source:
        text = f"from field {source['fieldRef'].get('fieldPath')}"
    elif "resourceFieldRef" in source:
        ref = source["resourceFieldRef"]
        text = (
            f"from resource {ref.get('resource')} of container {ref.get('containerName', 'this')}"
        )
    else:
        text = "from an unknown source"
    if (source.get("secretKeyRef") or source.get("configMapKeyRef") or {}).get("optional"):
        text += " (optional)"
    return EnvVar(str(env.get("name", "")), "", text)


def _env_from(source: Obj) -> str:
    prefix = f" with prefix {source['prefix']}" if source.get("prefix") else ""
    if "secretRef" in source:
        return f"every key of Secret {source['secretRef'].get('name')}{prefix}"
    if "configMapRef" in source:
        return f"every key of ConfigMap {source['configMapRef'].get('name')}{prefix}"
    return "an unknown source"


@dataclass(frozen=True)
class Usage:
    resource: str
    value: str
    of_request: str  # "35% of request", "" without a request
    of_limit: str
    tone: str  # "bad" over the limit's 90 %, "warn" over the request


def _share(used: float, bound: str | None) -> float | None:
    total = quantity(bound) if bound else 0.0
    return used / total if total else None


def usage_of(resources: Obj, usage: dict[str, str]) -> list[Usage]:
    """Current usage against the container's requests and limits."""
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    out = []
    for name in ("cpu", "memory"):
        if name not in usage:
            continue
        used = quantity(usage[name])
        of_request, of_limit = _share(used, requests.get(name)), _share(used, limits.get(name))
        tone = ""
        if of_limit is not None and of_limit >= 0.9:
            tone = "bad"
        elif of_request is not None and of_request > 1:
            tone = "warn"
        out.append(
            Usage(
                name,
                _show(name, used),
                f"{of_request:.0%} of request" if of_request is not None else "",
                f"{of_limit:.0%} of limit" if of_limit is not None else "",
                tone,
            )
        )
    return out


@dataclass
class Container:
    name: str
    image: str
    init: bool
    ports: str
    requests: dict[str, str]
    limits: dict[str, str]
    probes: list[Probe] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    env_from: list[str] = field(default_factory=list)
    usage: list[Usage] = field(default_factory=list)
    state: str = ""
    ready: bool | None = None
    restarts: int = 0
    last_termination: str = ""


def _state(cs: Obj) -> str:
    state = cs.get("state") or {}
    if "running" in state:
        return f"running since {state['running'].get('startedAt', '')}"
    if "waiting" in state:
        waiting = state["waiting"]
        return f"waiting: {waiting.get('reason', '')} {waiting.get('message', '')}".strip()
    if "terminated" in state:
        term = state["terminated"]
        return f"terminated: {term.get('reason', '')} (exit {term.get('exitCode', '?')})"
    return ""


def _container_port(port: Obj) -> str:
    name = f"{port['name']} " if port.get("name") else ""
    return f"{name}{port.get('containerPort')}/{port.get('protocol', 'TCP')}"


def containers(
    pod_spec: Obj, pod_status: Obj | None = None, usage: dict[str, dict[str, str]] | None = None
) -> list[Container]:
    statuses = {
        cs.get("name"): cs
        for cs in [
            *((pod_status or {}).get("initContainerStatuses") or []),
            *((pod_status or {}).get("containerStatuses") or []),
        ]
    }
    out = []
    for init, items in (
        (True, pod_spec.get("initContainers") or []),
        (False, pod_spec.get("containers") or []),
    ):
        for c in items:
            resources = c.get("resources") or {}
            cs = statuses.get(c.get("name"))
            last = ((cs or {}).get("lastState") or {}).get("terminated") or {}
            out.append(
                Container(
                    name=str(c.get("name", "")),
                    image=str(c.get("image", "")),
                    init=init,
                    ports=", ".join(_container_port(p) for p in c.get("ports") or []),
                    requests={k: str(v) for k, v in (resources.get("requests") or {}).items()},
                    limits={k: str(v) for k, v in (resources.get("limits") or {}).items()},
                    probes=[
                        _probe(name, c[f"{name}Probe"])
                        for name in ("liveness", "readiness", "startup")
                        if c.get(f"{name}Probe")
                    ],
                    env=[_env(e) for e in c.get("env") or []],
                    env_from=[_env_from(s) for s in c.get("envFrom") or []],
                    usage=usage_of(resources, (usage or {}).get(str(c.get("name")), {})),
                    state=_state(cs) if cs else "",
                    ready=bool(cs.get("ready")) if cs else None,
                    restarts=int((cs or {}).get("restartCount") or 0),
                    last_termination=(
                        f"{last.get('reason', '')} (exit {last.get('exitCode', '?')})"
                        f" at {last.get('finishedAt', '')}"
                        if last
                        else ""
                    ),
                )
            )
    return out


@dataclass(frozen=True)
class Resource:
    name: str
    capacity: str
    allocatable: str
    requested: str  # by the pods shown (the console's namespaces), "" when not summed
    percent: str  # requested as a share of allocatable
    used: str = ""  # what metrics-server reports in use now


_SUFFIXES = {
    "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
    "P": 1e15, "E": 1e18, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
    "Pi": 2.0**50, "Ei": 2.0**60,
}  # fmt: skip


def quantity(text: str) -> float:
    """A Kubernetes quantity ("250m", "1.5Gi", "4") as a number; 0 when unreadable."""
    text = str(text).strip()
    for size in (2, 1, 0):
        number, suffix = (text[:-size], text[-size:]) if size else (text, "")
        if suffix in _SUFFIXES:
            try:
                return float(number) * _SUFFIXES[suffix]
            except ValueError:
                continue
    return 0.0


def _show(name: str, value: float) -> str:
    if name == "cpu":
        return f"{round(value * 1000)}m" if value < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    if name in ("memory", "ephemeral-storage"):
        return f"{value / 2**20:.0f}Mi"
    return f"{value:g}"


def requested(pods: list[Obj]) -> dict[str, float]:
    """What the running and pending pods request, summed per resource as the scheduler
    counts it: the larger of the containers' sum and the biggest init container."""
    totals: dict[str, float] = {"pods": 0.0}
    for pod in pods:
        if _status(pod).get("phase") in ("Succeeded", "Failed"):
            continue
        totals["pods"] += 1
        spec = _spec(pod)
        summed: dict[str, float] = {}
        for container in spec.get("containers") or []:
            for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
                summed[name] = summed.get(name, 0.0) + quantity(value)
        for container in spec.get("initContainers") or []:
            for name, value in ((container.get("resources") or {}).get("requests") or {}).items():
                summed[name] = max(summed.get(name, 0.0), quantity(value))
        for name, value in summed.items():
            totals[name] = totals.get(name, 0.0) + value
    return totals


def node_resources(
    node: Obj, pods: list[Obj] | None = None, usage: dict[str, str] | None = None
) -> list[Resource]:
    status = _status(node)
    capacity, allocatable = status.get("capacity") or {}, status.get("allocatable") or {}
    asked = requested(pods) if pods is not None else {}
    out = []
    for name in ["cpu", "memory", GPU, "pods", "ephemeral-storage"]:
        if name not in capacity and name not in allocatable and name != GPU:
            continue
        share = ""
        if pods is not None and quantity(allocatable.get(name, "0")):
            share = f"{100 * asked.get(name, 0.0) / quantity(allocatable[name]):.0f}%"
        out.append(
            Resource(
                name,
                str(capacity.get(name, "—")),
                str(allocatable.get(name, "—")),
                _show(name, asked.get(name, 0.0)) if pods is not None else "",
                share,
                _show(name, quantity(usage[name])) if usage and name in usage else "",
            )
        )
    return out


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


def taints(node: Obj) -> list[Taint]:
    return [
        Taint(str(t.get("key", "")), str(t.get("value") or ""), str(t.get("effect", "")))
        for t in _spec(node).get("taints") or []
    ]
