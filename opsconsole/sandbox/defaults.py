"""Server-side defaulting as the API server does it: the SetDefaults_* functions of
pkg/apis/{core,apps,batch,autoscaling}/v1*/defaults.go (walked as zz_generated.defaults.go
walks them: every container, probe, port, volume and env var of every pod template), plus what
the API server's admission and create strategies add to a Pod (DefaultTolerationSeconds, the
ServiceAccount and Priority plugins, the QoS class)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from opsconsole.sandbox import quantity
from opsconsole.sandbox.store import clone

Obj = dict[str, Any]

DEFAULT_TOLERATION_SECONDS = 300
MODE_0644 = 420  # SecretVolumeSourceDefaultMode and friends: 0644


def _image_tag(image: str) -> str:
    """parsers.ParseImageName's tag: "latest" when neither tag nor digest is given."""
    if "@" in image:
        return ""
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else "latest"


def _handler(action: Any) -> None:
    """SetDefaults_HTTPGetAction for a probe's or lifecycle hook's handler."""
    if isinstance(action, dict) and isinstance(action.get("httpGet"), dict):
        action["httpGet"].setdefault("path", "/")
        action["httpGet"].setdefault("scheme", "HTTP")


def _probe(probe: Any) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        if not probe.get(key):
            probe[key] = value
    _handler(probe)


def _resource_list(values: Any) -> Any:
    if isinstance(values, dict):
        return {k: quantity.canonical(v) for k, v in values.items()}
    return values


def _container(c: Obj, host_network: bool) -> None:
    image = str(c.get("image", ""))
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = "Always" if _image_tag(image) == "latest" else "IfNotPresent"
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    res = c.setdefault("resources", {})
    if isinstance(res, dict):
        for kind in ("requests", "limits"):
            if kind in res:
                res[kind] = _resource_list(res[kind])
    for p in c.get("ports") or []:
        if isinstance(p, dict):
            p.setdefault("protocol", "TCP")
            if host_network and not p.get("hostPort"):
                p["hostPort"] = p.get("containerPort")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(c.get(key))
    lifecycle = c.get("lifecycle")
    if isinstance(lifecycle, dict):
        _handler(lifecycle.get("postStart"))
        _handler(lifecycle.get("preStop"))
    for env in c.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")


_VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)


def _volume(v: Obj) -> None:
    if not any(v.get(k) is not None for k in _VOLUME_SOURCES):
        v["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(v.get(key), dict):
            v[key].setdefault("defaultMode", MODE_0644)
    if isinstance(v.get("hostPath"), dict):
        v["hostPath"].setdefault("type", "")
    projected = v.get("projected")
    if isinstance(projected, dict):
        for source in projected.get("sources") or []:
            token = source.get("serviceAccountToken") if isinstance(source, dict) else None
            if isinstance(token, dict):
                token.setdefault("expirationSeconds", 3600)
            fields = (
                (source.get("downwardAPI") or {}).get("items") if isinstance(source, dict) else None
            )
            for item in fields or []:
                if isinstance(item.get("fieldRef"), dict):
                    item["fieldRef"].setdefault("apiVersion", "v1")
    if isinstance(v.get("downwardAPI"), dict):
        for item in v["downwardAPI"].get("items") or []:
            if isinstance(item.get("fieldRef"), dict):
                item["fieldRef"].setdefault("apiVersion", "v1")
    ephemeral = (v.get("ephemeral") or {}).get("volumeClaimTemplate")
    if isinstance(ephemeral, dict) and isinstance(ephemeral.get("spec"), dict):
        ephemeral["spec"].setdefault("volumeMode", "Filesystem")


def _pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec and everything under it (templates and pods alike)."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    host_network = bool(spec.get("hostNetwork"))
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(group) or []:
            if isinstance(c, dict):
                _container(c, host_network)
    for v in spec.get("volumes") or []:
        if isinstance(v, dict):
            _volume(v)


def _requests_from_limits(spec: Obj) -> None:
    """SetDefaults_Pod (Pods only, never templates): a limit without a request is the request."""
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or []:
            res = c.get("resources") if isinstance(c, dict) else None
            if isinstance(res, dict) and isinstance(res.get("limits"), dict):
                requests = res.setdefault("requests", {})
                for key, value in res["limits"].items():
                    requests.setdefault(key, value)


def _tolerations(spec: Obj) -> None:
    """The DefaultTolerationSeconds admission plugin: tolerate not-ready/unreachable 300 s."""
    tolerations = spec.get("tolerations") or []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        covered = any(
            isinstance(t, dict)
            and t.get("effect") in (None, "", "NoExecute")
            and (t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists"))
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )
    spec["tolerations"] = tolerations


def _amount(value: Any) -> Decimal:
    text = str(quantity.canonical(value))
    return Decimal(str(quantity.parse(text)))


def qos_class(spec: Obj) -> str:
    """qos.GetPodQOS over cpu and memory of every container."""
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        res = c.get("resources") or {}
        have_limits = set()
        for name in ("cpu", "memory"):
            req = (res.get("requests") or {}).get(name)
            lim = (res.get("limits") or {}).get(name)
            if req is not None and _amount(req) != 0:
                requests[name] = requests.get(name, Decimal(0)) + _amount(req)
            if lim is not None and _amount(lim) != 0:
                limits[name] = limits.get(name, Decimal(0)) + _amount(lim)
                have_limits.add(name)
        if have_limits != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"


def pod(obj: Obj) -> None:
    """What a Pod gets on create: defaults, the admission plugins, its QoS class."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    _pod_spec(spec)
    _requests_from_limits(spec)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    if not spec.get("priorityClassName"):
        spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    _tolerations(spec)
    status = obj.setdefault("status", {"phase": "Pending"})
    status.setdefault("phase", "Pending")
    try:
        status["qosClass"] = qos_class(spec)
    except (ArithmeticError, ValueError, TypeError, AttributeError):
        status.setdefault("qosClass", "BestEffort")


# The last template a controller made pods from, with the defaulted pod it gives: a
# ReplicaSet of 100 pods defaults its template once rather than 100 times.
_TEMPLATE_CACHE: dict[int, tuple[Obj, Obj]] = {}


def pod_from_template(template_spec: Obj) -> Obj:
    """A pod (spec and status) as the API server stores it when made from this template spec.

    Stored objects are never mutated in place, so the template's identity is a safe key; the
    template itself is kept in the entry so its id cannot be reused while cached.
    """
    entry = _TEMPLATE_CACHE.get(id(template_spec))
    if entry is None or entry[0] is not template_spec:
        made: Obj = {"metadata": {}, "spec": clone(template_spec)}
        pod(made)
        if len(_TEMPLATE_CACHE) > 256:
            _TEMPLATE_CACHE.clear()
        entry = _TEMPLATE_CACHE[id(template_spec)] = (template_spec, made)
    made = entry[1]
    return {"spec": clone(made["spec"]), "status": clone(made["status"])}


def _template(obj: Obj) -> None:
    tmpl = obj.get("spec", {}).get("template")
    if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
        tmpl.setdefault("metadata", {})
        _pod_spec(tmpl["spec"])


def _rolling(spec: Obj, kind: str) -> None:
    strategy = spec.setdefault("strategy" if kind == "Deployment" else "updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        ru = strategy["rollingUpdate"] = ru if isinstance(ru, dict) else {}
        if kind == "Deployment":
            ru.setdefault("maxUnavailable", "25%")
            ru.setdefault("maxSurge", "25%")
        elif kind == "DaemonSet":
            ru.setdefault("maxUnavailable", 1)
            ru.setdefault("maxSurge", 0)
        else:
            ru.setdefault("partition", 0)


def _claim_spec(spec: Any) -> None:
    if isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
        res = spec.get("resources")
        if isinstance(res, dict):
            for kind in ("requests", "limits"):
                if kind in res:
                    res[kind] = _resource_list(res[kind])


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


def _job_spec(spec: Obj) -> None:
    """SetDefaults_Job's spec part."""
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if spec.get("podFailurePolicy") is None:
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    else:
        spec.setdefault("podReplacementPolicy", "Failed")


def _service(obj: Obj, spec: Obj) -> None:
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
        if client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if spec["type"] != "ExternalName":
        if spec.get("clusterIP") != "None":
            name = f"{obj['metadata'].get('namespace')}/{obj['metadata'].get('name')}"
            digest = hashlib.sha256(name.encode()).digest()
            spec.setdefault("clusterIP", f"10.96.{digest[0]}.{digest[1] % 254 + 1}")
        if spec.get("clusterIP"):
            ips = spec.get("clusterIPs")
            if not ips:
                spec["clusterIPs"] = [spec["clusterIP"]]
            elif ips[0] != spec["clusterIP"]:
                # The REST layer keeps the two in step when only clusterIP was changed.
                spec["clusterIPs"] = [spec["clusterIP"], *ips[1:]]
        # The Service registry allocates families: the sandbox is a single-stack IPv4 cluster.
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    for p in spec.get("ports") or []:
        p.setdefault("protocol", "TCP")
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    obj.setdefault("status", {"loadBalancer": {}})


def _hpa(spec: Obj) -> None:
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        up: Obj = {
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15},
            ],
        }
        down: Obj = {
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        }
        for key, rules in (("scaleUp", up), ("scaleDown", down)):
            given = behavior.get(key) or {}
            behavior[key] = {**rules, **{k: v for k, v in given.items() if v is not None}}


def apply(kind: str, obj: Obj) -> None:
    spec = obj.get("spec")
    if kind == "Pod" and isinstance(spec, dict):
        pod(obj)
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet") and isinstance(
        spec, dict
    ):
        _template(obj)
        if kind != "DaemonSet":
            spec.setdefault("replicas", 1)
        if kind != "ReplicaSet":
            spec.setdefault("revisionHistoryLimit", 10)
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
            _rolling(spec, kind)
        if kind == "Deployment":
            spec.setdefault("progressDeadlineSeconds", 600)
        if kind == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
            spec.setdefault(
                "persistentVolumeClaimRetentionPolicy",
                {"whenDeleted": "Retain", "whenScaled": "Retain"},
            )
            for claim in spec.get("volumeClaimTemplates") or []:
                if isinstance(claim, dict):
                    claim.setdefault("apiVersion", "v1")
                    claim.setdefault("kind", "PersistentVolumeClaim")
                    _claim_spec(claim.get("spec"))
                    claim.setdefault("status", {"phase": "Pending"})
        obj.setdefault("status", {"replicas": 0} if kind == "StatefulSet" else {})
    elif kind == "Job" and isinstance(spec, dict):
        _template(obj)
        _job_spec(spec)
        tlabels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if tlabels and not obj["metadata"].get("labels"):
            obj["metadata"]["labels"] = dict(tlabels)
        obj.setdefault("status", {})
    elif kind == "CronJob" and isinstance(spec, dict):
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        jt = spec.get("jobTemplate", {}).get("spec")
        if isinstance(jt, dict):
            # SetDefaults_Job is not run on a jobTemplate; only its pod template is defaulted.
            tmpl = jt.get("template")
            if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
                _pod_spec(tmpl["spec"])
        obj.setdefault("status", {})
    elif kind == "Service" and isinstance(spec, dict):
        _service(obj, spec)
    elif kind == "Namespace":
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"].get("name", ""))
    elif kind == "Secret":
        obj["type"] = obj.get("type") or "Opaque"
    elif kind == "PersistentVolumeClaim" and isinstance(spec, dict):
        _claim_spec(spec)
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "PersistentVolume" and isinstance(spec, dict):
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "HorizontalPodAutoscaler" and isinstance(spec, dict):
        _hpa(spec)
        obj.setdefault("status", {"currentReplicas": 0, "desiredReplicas": 0})
    elif kind == "NetworkPolicy" and isinstance(spec, dict):
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
        for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
            for port in rule.get("ports") or [] if isinstance(rule, dict) else []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
