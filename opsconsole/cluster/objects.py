"""Live reads of one object and what hangs off it: its events, the pods it owns, the HPA that
drives it. Objects come back as the API server's JSON (dicts): the detail and YAML pages show
fields the typed models would rename or drop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from opsconsole.cluster.calls import Obj, get_json, list_items
from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.kinds import BY_PLURAL, Kind

PODS = BY_PLURAL["pods"]
EVENTS = BY_PLURAL["events"]
REPLICASETS = BY_PLURAL["replicasets"]
JOBS = BY_PLURAL["jobs"]
HPAS = BY_PLURAL["horizontalpodautoscalers"]


def get_object(cfg: ClusterConfig, kind: Kind, namespace: str | None, name: str) -> Obj:
    """One object as the API server serves it; NotFound, Forbidden … when it cannot."""
    where = quote(namespace, safe="") if kind.namespaced and namespace else None
    return get_json(cfg, kind.object_path(where, quote(name, safe="")))


@dataclass(frozen=True)
class EventRow:
    type: str  # Normal | Warning
    reason: str
    message: str
    count: int
    first_seen: str
    last_seen: str
    source: str

    @property
    def warning(self) -> bool:
        return self.type == "Warning"


def _event_row(event: Obj) -> EventRow:
    meta = event.get("metadata") or {}
    series = event.get("series") or {}
    last = (
        series.get("lastObservedTime")
        or event.get("lastTimestamp")
        or event.get("eventTime")
        or meta.get("creationTimestamp")
        or ""
    )
    source = event.get("source") or {}
    return EventRow(
        type=str(event.get("type") or "Normal"),
        reason=str(event.get("reason") or ""),
        message=str(event.get("message") or ""),
        count=int(event.get("count") or series.get("count") or 1),
        first_seen=str(event.get("firstTimestamp") or event.get("eventTime") or last),
        last_seen=str(last),
        source=str(
            source.get("component") or event.get("reportingComponent") or source.get("host") or ""
        ),
    )


def events_for(cfg: ClusterConfig, obj: Obj) -> list[EventRow]:
    """The events about one object (by uid, so a namesake from before a re-create is left
    out), newest first."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") or "default"  # a node's events live in "default"
    items = list_items(
        cfg,
        EVENTS.collection_path(namespace),
        {"fieldSelector": f"involvedObject.uid={meta.get('uid', '')}"},
    )
    rows = [_event_row(item) for item in items]
    rows.sort(key=lambda row: row.last_seen, reverse=True)
    return rows


def selector_string(selector: Obj | None) -> str:
    """A LabelSelector as the `labelSelector` query parameter spells it."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def _owned_by(obj: Obj, uids: set[str]) -> bool:
    return any(
        ref.get("uid") in uids for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
    )


def _uid(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _list_selected(cfg: ClusterConfig, kind: Kind, namespace: str, selector: str) -> list[Obj]:
    return list_items(cfg, kind.collection_path(namespace), {"labelSelector": selector or None})


def owned_replicasets(cfg: ClusterConfig, deployment: Obj) -> list[Obj]:
    namespace = deployment["metadata"]["namespace"]
    selector = selector_string((deployment.get("spec") or {}).get("selector"))
    items = _list_selected(cfg, REPLICASETS, namespace, selector)
    return [rs for rs in items if _owned_by(rs, {_uid(deployment)})]


def owned_jobs(cfg: ClusterConfig, cronjob: Obj) -> list[Obj]:
    namespace = cronjob["metadata"]["namespace"]
    items = list_items(cfg, JOBS.collection_path(namespace))
    jobs = [job for job in items if _owned_by(job, {_uid(cronjob)})]
    jobs.sort(key=lambda job: job["metadata"].get("creationTimestamp", ""), reverse=True)
    return jobs


def pods_for(
    cfg: ClusterConfig, kind: Kind, obj: Obj, replicasets: list[Obj] | None = None
) -> list[Obj]:
    """The pods a workload owns (through its ReplicaSets for a Deployment, its Jobs for a
    CronJob), or a Service selects; none for other kinds. A Deployment's ReplicaSets may be
    passed in when the caller has them already (its page reads them for the history too)."""
    meta = obj.get("metadata") or {}
    namespace = str(meta.get("namespace") or "")
    spec = obj.get("spec") or {}
    if kind.plural == "services":
        if not spec.get("selector"):
            return []
        return _sorted(
            _list_selected(cfg, PODS, namespace, selector_string({"matchLabels": spec["selector"]}))
        )
    if kind.plural == "cronjobs":
        jobs = owned_jobs(cfg, obj)
        return _sorted([pod for job in jobs for pod in pods_for(cfg, JOBS, job)])
    if kind.plural == "deployments":
        sets = replicasets if replicasets is not None else owned_replicasets(cfg, obj)
        owners = {_uid(rs) for rs in sets}
    elif kind.plural in ("statefulsets", "daemonsets", "replicasets", "jobs"):
        owners = {_uid(obj)}
    else:
        return []
    if not owners:
        return []
    pods = _list_selected(cfg, PODS, namespace, selector_string(spec.get("selector")))
    return _sorted([pod for pod in pods if _owned_by(pod, owners)])


def pods_on_node(cfg: ClusterConfig, node: str, namespaces: list[str]) -> list[Obj]:
    """The pods scheduled on a node, in the namespaces the console shows."""
    pods: list[Obj] = []
    for namespace in namespaces:
        pods.extend(
            list_items(
                cfg, PODS.collection_path(namespace), {"fieldSelector": f"spec.nodeName={node}"}
            )
        )
    return _sorted(pods)


def _sorted(pods: list[Obj]) -> list[Obj]:
    return sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))


METRICS = "/apis/metrics.k8s.io/v1beta1"


def pod_usage(cfg: ClusterConfig, namespace: str, name: str) -> dict[str, dict[str, str]]:
    """Each container's current cpu and memory as metrics-server reports them (what `kubectl
    top pod --containers` shows); NotFound where no metrics-server runs."""
    body = get_json(
        cfg, f"{METRICS}/namespaces/{quote(namespace, safe='')}/pods/{quote(name, safe='')}"
    )
    return {
        str(c.get("name")): {k: str(v) for k, v in (c.get("usage") or {}).items()}
        for c in body.get("containers") or []
    }


def node_usage(cfg: ClusterConfig, name: str) -> dict[str, str]:
    body = get_json(cfg, f"{METRICS}/nodes/{quote(name, safe='')}")
    return {k: str(v) for k, v in (body.get("usage") or {}).items()}


def hpa_for(cfg: ClusterConfig, kind: Kind, obj: Obj) -> Obj | None:
    """The HorizontalPodAutoscaler whose scaleTargetRef names this object, if any."""
    meta = obj.get("metadata") or {}
    for hpa in list_items(cfg, HPAS.collection_path(str(meta.get("namespace") or ""))):
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == kind.kind and ref.get("name") == meta.get("name"):
            return hpa
    return None


@dataclass(frozen=True)
class SecretReference:
    name: str
    where: str  # "env TOKEN of container api", "volume certs", "imagePullSecrets"


def secret_references(pod_spec: Obj) -> list[SecretReference]:
    """Every Secret a pod (template) names, and where: the console shows these names and never
    reads a Secret."""
    refs: list[SecretReference] = []
    containers: list[Any] = [
        *(pod_spec.get("initContainers") or []),
        *(pod_spec.get("containers") or []),
    ]
    for container in containers:
        cname = container.get("name", "")
        for env in container.get("env") or []:
            key_ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if key_ref:
                refs.append(
                    SecretReference(
                        str(key_ref.get("name", "")),
                        f"env {env.get('name', '')} of container {cname} "
                        f"(key {key_ref.get('key', '')})",
                    )
                )
        for source in container.get("envFrom") or []:
            if source.get("secretRef"):
                refs.append(
                    SecretReference(
                        str(source["secretRef"].get("name", "")),
                        f"envFrom of container {cname}",
                    )
                )
    for volume in pod_spec.get("volumes") or []:
        if volume.get("secret"):
            refs.append(
                SecretReference(
                    str(volume["secret"].get("secretName", "")), f"volume {volume.get('name', '')}"
                )
            )
        for source in (volume.get("projected") or {}).get("sources") or []:
            if source.get("secret"):
                refs.append(
                    SecretReference(
                        str(source["secret"].get("name", "")),
                        f"projected volume {volume.get('name', '')}",
                    )
                )
    for pull in pod_spec.get("imagePullSecrets") or []:
        refs.append(SecretReference(str(pull.get("name", "")), "imagePullSecrets"))
    return refs
