"""Just enough of Kubernetes' protobuf encoding for kubectl's typed-client writes.

kubectl sends protobuf bodies from its typed clients (`kubectl create job|deployment|
namespace|configmap|secret|serviceaccount`, `kubectl autoscale`) and does not fall back to
JSON on 415. Full decoding would need every generated.proto; instead: ObjectMeta and the flat
kinds are decoded whole; Deployments, Jobs and autoscaling/v2 HPAs through field tables that
cover what `kubectl create … --image` and `kubectl autoscale` set (a non-empty field outside
them is refused, never dropped); a Job created from a CronJob takes its spec from that
CronJob's jobTemplate (what kubectl copies). Anything else: 415.
"""

from __future__ import annotations

import base64
from typing import Any

from opsconsole.sandbox import errors

Obj = dict[str, Any]
MAGIC = b"k8s\x00"


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(data):
            raise errors.bad_request("truncated protobuf body")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs; length-delimited values stay bytes."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.append((number, value))
        elif wire == 2:
            length, i = _varint(data, i)
            out.append((number, data[i : i + length]))
            i += length
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise errors.bad_request("unsupported protobuf wire type")
    return out


def _text(value: int | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _map_entry(value: int | bytes) -> tuple[str, str]:
    entry = dict(fields(value if isinstance(value, bytes) else b""))
    return _text(entry.get(1, b"")), _text(entry.get(2, b""))


def _owner(value: bytes) -> Obj:
    names = {1: "kind", 3: "name", 4: "uid", 5: "apiVersion"}
    ref: Obj = {}
    for number, v in fields(value):
        if number in names:
            ref[names[number]] = _text(v)
        elif number == 6:
            ref["controller"] = bool(v)
        elif number == 7:
            ref["blockOwnerDeletion"] = bool(v)
    return ref


def object_meta(data: bytes) -> Obj:
    meta: Obj = {}
    scalars = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    for number, value in fields(data):
        if number in scalars:
            if _text(value):
                meta[scalars[number]] = _text(value)
        elif number in (11, 12):
            key, val = _map_entry(value)
            meta.setdefault("labels" if number == 11 else "annotations", {})[key] = val
        elif number == 13 and isinstance(value, bytes):
            meta.setdefault("ownerReferences", []).append(_owner(value))
        elif number == 14:
            meta.setdefault("finalizers", []).append(_text(value))
    return meta


def _simple_fields(kind: str, message: list[tuple[int, int | bytes]]) -> Obj:
    """The bodies of the kinds `kubectl create namespace|configmap|secret|serviceaccount` send
    (field numbers from k8s.io/api/core/v1/generated.proto)."""
    out: Obj = {}
    for number, value in message:
        raw = value if isinstance(value, bytes) else b""
        if kind == "ConfigMap" and number == 2:
            key, val = _map_entry(value)
            out.setdefault("data", {})[key] = val
        elif kind == "ConfigMap" and number == 3:
            entry = dict(fields(raw))
            data = entry.get(2, b"")
            out.setdefault("binaryData", {})[_text(entry.get(1, b""))] = base64.b64encode(
                data if isinstance(data, bytes) else b""
            ).decode()
        elif kind == "Secret" and number == 2:
            entry = dict(fields(raw))
            data = entry.get(2, b"")
            out.setdefault("data", {})[_text(entry.get(1, b""))] = base64.b64encode(
                data if isinstance(data, bytes) else b""
            ).decode()
        elif kind == "Secret" and number == 3:
            out["type"] = _text(value)
        elif kind == "Secret" and number == 4:
            key, val = _map_entry(value)
            out.setdefault("stringData", {})[key] = val
        elif kind in ("ConfigMap", "Secret") and number == (4 if kind == "ConfigMap" else 5):
            out["immutable"] = bool(value)
        elif kind == "ServiceAccount" and number == 4:
            out["automountServiceAccountToken"] = bool(value)
        elif kind == "ServiceAccount" and number == 3:
            out.setdefault("imagePullSecrets", []).append(
                {"name": _text(dict(fields(raw)).get(1, b""))}
            )
    return out


SIMPLE_KINDS = {"Namespace", "ConfigMap", "Secret", "ServiceAccount"}


def decode(body: bytes) -> tuple[str, str, Obj]:
    """apiVersion, kind and metadata of a protobuf-encoded object."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("protobuf body without the k8s envelope")
    unknown = dict(fields(body[len(MAGIC) :]))
    head = unknown.get(1, b"")
    type_meta = dict(fields(head if isinstance(head, bytes) else b""))
    raw = unknown.get(2, b"")
    obj = dict(fields(raw if isinstance(raw, bytes) else b""))
    meta_bytes = obj.get(1, b"")
    meta = object_meta(meta_bytes if isinstance(meta_bytes, bytes) else b"")
    return _text(type_meta.get(1, b"")), _text(type_meta.get(2, b"")), meta


def decode_simple(body: bytes) -> Obj | None:
    """A whole Namespace, ConfigMap, Secret or ServiceAccount; None for any other kind."""
    api_version, kind, meta = decode(body)
    if kind not in SIMPLE_KINDS or api_version != "v1":
        return None
    raw = dict(fields(body[len(MAGIC) :])).get(2, b"")
    message = fields(raw if isinstance(raw, bytes) else b"")
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": meta,
        **_simple_fields(kind, [(n, v) for n, v in message if n != 1]),
    }


# Field tables (k8s.io/api generated.proto) for the workload bodies kubectl's typed clients
# send: `kubectl create deployment|job --image`. (json name, type, repeated, zero is a value).
# A non-empty field that is not listed makes the body refused (415) rather than half-read.
Field = tuple[str, str, bool, bool]
SCHEMAS: dict[str, dict[int, Field]] = {
    "Deployment": {
        1: ("metadata", "meta", False, False),
        2: ("spec", "DeploymentSpec", False, False),
        3: ("status", "ignore", False, False),
    },
    "Job": {
        1: ("metadata", "meta", False, False),
        2: ("spec", "JobSpec", False, False),
        3: ("status", "ignore", False, False),
    },
    "DeploymentSpec": {
        1: ("replicas", "int", False, True),
        2: ("selector", "LabelSelector", False, False),
        3: ("template", "PodTemplateSpec", False, False),
        4: ("strategy", "DeploymentStrategy", False, False),
        5: ("minReadySeconds", "int", False, False),
        6: ("revisionHistoryLimit", "int", False, True),
        7: ("paused", "bool", False, False),
        9: ("progressDeadlineSeconds", "int", False, True),
    },
    "DeploymentStrategy": {1: ("type", "str", False, False)},
    "JobSpec": {
        1: ("parallelism", "int", False, True),
        2: ("completions", "int", False, True),
        3: ("activeDeadlineSeconds", "int", False, True),
        4: ("selector", "LabelSelector", False, False),
        5: ("manualSelector", "bool", False, True),
        6: ("template", "PodTemplateSpec", False, False),
        7: ("backoffLimit", "int", False, True),
        8: ("ttlSecondsAfterFinished", "int", False, True),
        9: ("completionMode", "str", False, False),
        10: ("suspend", "bool", False, True),
    },
    "LabelSelector": {
        1: ("matchLabels", "map", False, False),
        2: ("matchExpressions", "LabelSelectorRequirement", True, False),
    },
    "LabelSelectorRequirement": {
        1: ("key", "str", False, False),
        2: ("operator", "str", False, False),
        3: ("values", "str", True, False),
    },
    "PodTemplateSpec": {
        1: ("metadata", "meta", False, False),
        2: ("spec", "PodSpec", False, False),
    },
    "PodSpec": {
        2: ("containers", "Container", True, False),
        3: ("restartPolicy", "str", False, False),
        4: ("terminationGracePeriodSeconds", "int", False, True),
        5: ("activeDeadlineSeconds", "int", False, True),
        6: ("dnsPolicy", "str", False, False),
        7: ("nodeSelector", "map", False, False),
        8: ("serviceAccountName", "str", False, False),
        10: ("nodeName", "str", False, False),
        16: ("hostname", "str", False, False),
        17: ("subdomain", "str", False, False),
        19: ("schedulerName", "str", False, False),
    },
    "Container": {
        1: ("name", "str", False, False),
        2: ("image", "str", False, False),
        3: ("command", "str", True, False),
        4: ("args", "str", True, False),
        5: ("workingDir", "str", False, False),
        6: ("ports", "ContainerPort", True, False),
        7: ("env", "EnvVar", True, False),
        8: ("resources", "ResourceRequirements", False, False),
        13: ("terminationMessagePath", "str", False, False),
        14: ("imagePullPolicy", "str", False, False),
        16: ("stdin", "bool", False, False),
        17: ("stdinOnce", "bool", False, False),
        18: ("tty", "bool", False, False),
        20: ("terminationMessagePolicy", "str", False, False),
    },
    "ContainerPort": {
        1: ("name", "str", False, False),
        2: ("hostPort", "int", False, False),
        3: ("containerPort", "int", False, False),
        4: ("protocol", "str", False, False),
        5: ("hostIP", "str", False, False),
    },
    "EnvVar": {1: ("name", "str", False, False), 2: ("value", "str", False, False)},
    # autoscaling/v2, as `kubectl autoscale` sends it.
    "HorizontalPodAutoscaler": {
        1: ("metadata", "meta", False, False),
        2: ("spec", "HorizontalPodAutoscalerSpec", False, False),
        3: ("status", "ignore", False, False),
    },
    "HorizontalPodAutoscalerSpec": {
        1: ("scaleTargetRef", "CrossVersionObjectReference", False, False),
        2: ("minReplicas", "int", False, True),
        3: ("maxReplicas", "int", False, True),
        4: ("metrics", "MetricSpec", True, False),
    },
    "CrossVersionObjectReference": {
        1: ("kind", "str", False, False),
        2: ("name", "str", False, False),
        3: ("apiVersion", "str", False, False),
    },
    "MetricSpec": {
        1: ("type", "str", False, False),
        4: ("resource", "ResourceMetricSource", False, False),
    },
    "ResourceMetricSource": {
        1: ("name", "str", False, False),
        2: ("target", "MetricTarget", False, False),
    },
    "MetricTarget": {
        1: ("type", "str", False, False),
        2: ("value", "quantity", False, False),
        3: ("averageValue", "quantity", False, False),
        4: ("averageUtilization", "int", False, True),
    },
    "ResourceRequirements": {
        1: ("limits", "quantities", False, False),
        2: ("requests", "quantities", False, False),
    },
}


def _empty(value: int | bytes) -> bool:
    return value in (0, b"")


def _message(schema: str, data: bytes) -> Obj:
    table = SCHEMAS[schema]
    out: Obj = {}
    for number, value in fields(data):
        spec = table.get(number)
        if spec is None:
            if _empty(value):
                continue  # a Go non-pointer field at its zero value: nothing was set
            raise errors.ApiError(
                415,
                f"the sandbox cannot decode field {number} of a protobuf {schema}; send JSON",
                "UnsupportedMediaType",
            )
        name, kind, repeated, keep_zero = spec
        if kind == "ignore":
            continue  # status is the server's
        raw = value if isinstance(value, bytes) else b""
        if kind == "str":
            decoded: Any = _text(value)
        elif kind == "int":
            decoded = value if isinstance(value, int) else 0
        elif kind == "bool":
            decoded = bool(value)
        elif kind == "map":
            key, val = _map_entry(value)
            out.setdefault(name, {})[key] = val
            continue
        elif kind == "quantities":
            entry = dict(fields(raw))
            inner = entry.get(2, b"")
            amount = dict(fields(inner if isinstance(inner, bytes) else b"")).get(1, b"")
            out.setdefault(name, {})[_text(entry.get(1, b""))] = _text(amount)
            continue
        elif kind == "quantity":
            decoded = _text(dict(fields(raw)).get(1, b""))
        elif kind == "meta":
            decoded = object_meta(raw)
        else:
            decoded = _message(kind, raw)
        if repeated:
            out.setdefault(name, []).append(decoded)
        elif keep_zero or decoded not in ("", 0, False, {}):
            out[name] = decoded
    return out


def decode_workload(body: bytes) -> Obj | None:
    """A Deployment, Job or HPA as `kubectl create deployment|job` and `kubectl autoscale`
    send it; None for other kinds."""
    api_version, kind, _ = decode(body)
    if (api_version, kind) not in (
        ("apps/v1", "Deployment"),
        ("batch/v1", "Job"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ):
        return None
    raw = dict(fields(body[len(MAGIC) :])).get(2, b"")
    obj = _message(kind, raw if isinstance(raw, bytes) else b"")
    return {"apiVersion": api_version, "kind": kind, **obj}
