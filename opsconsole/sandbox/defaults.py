"""Server-side defaulting for the fields kubectl and the console read back."""

from __future__ import annotations

import hashlib
from typing import Any

from opsconsole.sandbox import quantity

Obj = dict[str, Any]


def _pod_spec(spec: Obj) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        image = str(c.get("image", ""))
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "latest"
        c.setdefault("imagePullPolicy", "Always" if tag == "latest" else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        res = c.setdefault("resources", {})
        for kind in ("requests", "limits"):
            if isinstance(res.get(kind), dict):
                res[kind] = {k: quantity.canonical(v) for k, v in res[kind].items()}
        for p in c.get("ports") or []:
            p.setdefault("protocol", "TCP")


def _template(obj: Obj) -> None:
    tmpl = obj.get("spec", {}).get("template")
    if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
        tmpl.setdefault("metadata", {})
        _pod_spec(tmpl["spec"])


def _rolling(spec: Obj, kind: str) -> None:
    strategy = spec.setdefault("strategy" if kind == "Deployment" else "updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.setdefault("rollingUpdate", {})
        if kind == "Deployment":
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
        elif kind == "DaemonSet":
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        else:
            ru.setdefault("partition", 0)


def job_selector(obj: Obj) -> None:
    """Jobs get a controller-uid selector and template labels, like the real defaulting."""
    spec = obj.setdefault("spec", {})
    uid = obj["metadata"]["uid"]
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "controller-uid": uid,
        "batch.kubernetes.io/job-name": obj["metadata"]["name"],
        "job-name": obj["metadata"]["name"],
    }
    if not spec.get("manualSelector"):
        spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    tmeta = spec.setdefault("template", {}).setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), **labels}


def apply(kind: str, obj: Obj) -> None:
    spec = obj.get("spec")
    if kind == "Pod" and isinstance(spec, dict):
        _pod_spec(spec)
        spec.setdefault("serviceAccountName", "default")
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet") and isinstance(
        spec, dict
    ):
        _template(obj)
        if kind != "DaemonSet":
            spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
            _rolling(spec, kind)
        if kind == "Deployment":
            spec.setdefault("progressDeadlineSeconds", 600)
        if kind == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
        obj.setdefault("status", {"replicas": 0} if kind == "StatefulSet" else {})
    elif kind == "Job" and isinstance(spec, dict):
        _template(obj)
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
        obj.setdefault("status", {})
    elif kind == "CronJob" and isinstance(spec, dict):
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        jt = spec.get("jobTemplate", {}).get("spec")
        if isinstance(jt, dict):
            jt.setdefault("backoffLimit", 6)
            tmpl = jt.get("template")
            if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
                _pod_spec(tmpl["spec"])
        obj.setdefault("status", {})
    elif kind == "Service" and isinstance(spec, dict):
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") != "None":
            name = f"{obj['metadata'].get('namespace')}/{obj['metadata'].get('name')}"
            digest = hashlib.sha256(name.encode()).digest()
            spec.setdefault("clusterIP", f"10.96.{digest[0]}.{digest[1] % 254 + 1}")
        if spec.get("clusterIP"):
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
        obj.setdefault("status", {"loadBalancer": {}})
    elif kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"].get("name", ""))
    elif kind == "Secret":
        obj["type"] = obj.get("type") or "Opaque"
    elif kind == "PersistentVolumeClaim" and isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "HorizontalPodAutoscaler" and isinstance(spec, dict):
        spec.setdefault("minReplicas", 1)
        obj.setdefault("status", {"currentReplicas": 0, "desiredReplicas": 0})
