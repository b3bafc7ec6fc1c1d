"""The protobuf decoder on the bodies real kubectl sends (captured by
scripts/capture_kubectl_bodies.sh into kubectl_bodies/), compared with the JSON kubectl itself
prints for the same command; and the special types on messages built here by the wire rules."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from opsconsole.sandbox import errors, protobuf

BODIES = Path(__file__).with_name("kubectl_bodies")
CAPTURED = sorted(p.stem for p in BODIES.glob("*.pb"))
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _pruned(value: Any) -> Any:
    """Without what a decoded create body leaves out of kubectl's JSON: status (the server's),
    empty structs (Go value fields are always on the wire, so an empty one means unset) and
    nil slices (null). Both sides are pruned, as JSON cannot tell a pointer to an empty struct
    from an empty value struct; the pointer test below checks that difference."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items() if k != "status"}
        return {k: v for k, v in out.items() if v != {} and v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _body(name: str) -> bytes:
    return (BODIES / f"{name}.pb").read_bytes()


def test_the_captured_bodies_cover_every_kind_kubectl_create_sends() -> None:
    kinds = {json.loads(p.read_text())["kind"] for p in BODIES.glob("*.json")}
    assert kinds >= {
        "Namespace",
        "Deployment",
        "Service",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "ResourceQuota",
        "PriorityClass",
        "PodDisruptionBudget",
        "Ingress",
        "ServiceAccount",
        "HorizontalPodAutoscaler",
        "Job",
        "CronJob",
        "ConfigMap",
        "Secret",
    }
    assert "tokenrequest" in CAPTURED


@pytest.mark.parametrize("name", [n for n in CAPTURED if (BODIES / f"{n}.json").exists()])
def test_a_kubectl_body_decodes_to_the_json_kubectl_prints(name: str) -> None:
    expected = _pruned(json.loads((BODIES / f"{name}.json").read_text()))
    assert _pruned(protobuf.decode(_body(name))) == expected


def test_pointer_fields_keep_zero_values_and_value_fields_drop_them() -> None:
    deployment = protobuf.decode(_body("deployment"))
    assert deployment["spec"]["replicas"] == 0  # *int32 set to 0 on purpose
    assert "minReadySeconds" not in deployment["spec"]  # int32 at 0: not set
    assert "paused" not in deployment["spec"]
    job = protobuf.decode(_body("job-from-cronjob"))
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"] == {}  # a pointer to an empty struct is still set
    assert pod["terminationGracePeriodSeconds"] == 30
    assert job["metadata"]["ownerReferences"][0]["controller"] is True


def test_int_or_string_quantities_bytes_and_negative_numbers() -> None:
    assert protobuf.decode(_body("pdb-min-available"))["spec"]["minAvailable"] == "50%"
    assert protobuf.decode(_body("pdb-max-unavailable"))["spec"]["maxUnavailable"] == 1
    ports = protobuf.decode(_body("service-clusterip"))["spec"]["ports"]
    assert [p["targetPort"] for p in ports] == [8080, "http"]
    quota = protobuf.decode(_body("quota"))["spec"]["hard"]
    assert quota == {"cpu": "2", "memory": "4Gi", "pods": "10", "requests.nvidia.com/gpu": "1"}
    secret = protobuf.decode(_body("secret-generic"))
    assert base64.b64decode(secret["data"]["bin"]) == b"bin\x00\xff\x01"
    configmap = protobuf.decode(_body("configmap"))
    assert configmap["data"] == {"a": "b"}
    assert configmap["binaryData"] == {"bin": secret["data"]["bin"]}
    assert protobuf.decode(_body("priorityclass"))["value"] == -5


def test_a_token_request_body() -> None:
    assert protobuf.decode(_body("tokenrequest")) == {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {
            "audiences": ["api", "vault"],
            "boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s", "uid": "0b5c"},
            "expirationSeconds": 7200,
        },
    }


# -- messages built here, for the types kubectl's create bodies do not carry -----------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _num(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _object(api_version: str, kind: str, message: bytes) -> bytes:
    type_meta = _ld(1, api_version) + _ld(2, kind)
    return protobuf.MAGIC + _ld(1, type_meta) + _ld(2, message)


def test_micro_time_and_time() -> None:
    # A coordination.k8s.io/v1 Lease: holderIdentity 1, leaseDurationSeconds 2 (*int32),
    # acquireTime 3 and renewTime 4 (MicroTime: seconds 1, nanos 2).
    spec = (
        _ld(1, "node-a")
        + _num(2, 0)
        + _ld(3, _num(1, 1_767_225_600) + _num(2, 123_456_789))
        + _ld(4, b"")
    )
    lease = protobuf.decode(_object("coordination.k8s.io/v1", "Lease", _ld(2, spec)))
    assert lease["spec"] == {
        "holderIdentity": "node-a",
        "leaseDurationSeconds": 0,
        "acquireTime": "2026-01-01T00:00:00.123456Z",
    }  # renewTime was the zero time, which Go marshals as null
    meta = _ld(1, "x") + _ld(9, _num(1, 1_767_225_601) + _num(2, 5))  # deletionTimestamp
    ns = protobuf.decode(_object("v1", "Namespace", _ld(1, meta)))
    assert ns["metadata"] == {"name": "x", "deletionTimestamp": "2026-01-01T00:00:01Z"}


def test_an_autoscaling_v1_hpa_as_kubectl_autoscale_sends_it_to_a_v1_only_server() -> None:
    # HorizontalPodAutoscalerSpec: scaleTargetRef 1 (kind 1, name 2, apiVersion 3),
    # minReplicas 2, maxReplicas 3, targetCPUUtilizationPercentage 4.
    target = _ld(1, "Deployment") + _ld(2, "api") + _ld(3, "apps/v1")
    spec = _ld(1, target) + _num(2, 1) + _num(3, 4) + _num(4, 80)
    status = _num(3, 0) + _num(4, 0)  # Go value fields: always on the wire
    body = _ld(1, _ld(1, "api")) + _ld(2, spec) + _ld(3, status)
    hpa = protobuf.decode(_object("autoscaling/v1", "HorizontalPodAutoscaler", body))
    assert hpa == {
        "apiVersion": "autoscaling/v1",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "api"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "api", "apiVersion": "apps/v1"},
            "minReplicas": 1,
            "maxReplicas": 4,
            "targetCPUUtilizationPercentage": 80,
        },
    }


def test_an_eviction_as_kubectl_drain_sends_it() -> None:
    # policy/v1 Eviction: metadata 1, deleteOptions 2 (meta/v1 DeleteOptions:
    # gracePeriodSeconds 1 (*int64), propagationPolicy 4 (*string), dryRun 5).
    options = _num(1, 0) + _ld(4, "Background") + _ld(5, "All")
    body = _ld(1, _ld(1, "web-1") + _ld(3, "trading-system")) + _ld(2, options)
    assert protobuf.decode(_object("policy/v1", "Eviction", body)) == {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web-1", "namespace": "trading-system"},
        "deleteOptions": {
            "gracePeriodSeconds": 0,
            "propagationPolicy": "Background",
            "dryRun": ["All"],
        },
    }


def test_a_self_subject_access_review_as_kubectl_auth_can_i_sends_it() -> None:
    # authorization/v1: spec 2 → resourceAttributes 1 (namespace 1, verb 2, group 3,
    # resource 5); the empty status (3) is the server's to fill.
    attributes = _ld(1, "trading-system") + _ld(2, "delete") + _ld(3, "apps")
    attributes += _ld(4, "") + _ld(5, "deployments") + _ld(6, "") + _ld(7, "")
    body = _ld(1, b"") + _ld(2, _ld(1, attributes)) + _ld(3, _num(1, 0) + _ld(3, ""))
    review = protobuf.decode(_object("authorization.k8s.io/v1", "SelfSubjectAccessReview", body))
    assert review == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {
            "resourceAttributes": {
                "namespace": "trading-system",
                "verb": "delete",
                "group": "apps",
                "resource": "deployments",
            }
        },
    }


def test_raw_extension_holds_json() -> None:
    # apps/v1 ControllerRevision: data 2 (RawExtension: raw 1), revision 3.
    raw = json.dumps({"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}).encode()
    revision = _ld(1, _ld(1, "r1")) + _ld(2, _ld(1, raw)) + _num(3, 7)
    decoded = protobuf.decode(_object("apps/v1", "ControllerRevision", revision))
    assert decoded["data"] == json.loads(raw)
    assert decoded["revision"] == 7


def test_packed_repeated_numbers_are_read() -> None:
    # core/v1 PodSecurityContext.supplementalGroups (4) inside PodSpec.securityContext (14).
    packed = _varint(2) + _varint(1000) + _varint(2000)
    pod_spec = _ld(14, _varint(4 << 3 | 2) + _varint(len(packed) - 1) + packed[1:])
    pod_spec += _ld(2, _ld(1, "c") + _ld(2, "img"))
    pod = protobuf.decode(_object("v1", "Pod", _ld(1, _ld(1, "p")) + _ld(2, pod_spec)))
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1000, 2000]}


def test_go_duration_strings() -> None:
    seconds = 1_000_000_000
    assert protobuf.go_duration(0) == "0s"
    assert protobuf.go_duration(3600 * seconds) == "1h0m0s"
    assert protobuf.go_duration(90 * seconds) == "1m30s"
    assert protobuf.go_duration(1_500_000_000) == "1.5s"
    assert protobuf.go_duration(250_000_000) == "250ms"
    assert protobuf.go_duration(1500) == "1.5µs"
    assert protobuf.go_duration(-2 * seconds) == "-2s"


def test_an_unknown_field_is_refused_not_dropped() -> None:
    body = _object("v1", "ConfigMap", _ld(1, _ld(1, "cm")) + _ld(99, "surprise"))
    with pytest.raises(errors.ApiError) as caught:
        protobuf.decode(body)
    assert caught.value.code == 415
    assert "field 99 of protobuf message k8s.io.api.core.v1.ConfigMap" in caught.value.message


def test_an_unknown_field_deep_inside_names_its_place() -> None:
    container = _ld(1, "c") + _ld(2, "img") + _num(77, 1)
    spec = _ld(3, _ld(2, _ld(2, container)))  # DeploymentSpec.template.spec.containers
    with pytest.raises(errors.ApiError) as caught:
        protobuf.decode(_object("apps/v1", "Deployment", _ld(2, spec)))
    assert "(at spec.template.spec.containers[0])" in caught.value.message


def test_a_kind_without_a_schema_and_broken_bodies() -> None:
    with pytest.raises(errors.ApiError) as caught:
        protobuf.decode(_object("example.com/v1", "Widget", b""))
    assert caught.value.code == 415
    for broken in (b"not protobuf", protobuf.MAGIC + b"\x0a\x05ab", _object("v1", "Pod", b"\x08")):
        with pytest.raises(errors.ApiError) as bad:
            protobuf.decode(broken)
        assert bad.value.code == 400
    wrong_wire = _object("v1", "ConfigMap", _num(1, 5))  # metadata as a varint
    with pytest.raises(errors.ApiError):
        protobuf.decode(wrong_wire)


def test_the_generator_reads_proto_and_go_tags() -> None:
    spec = importlib.util.spec_from_file_location("gen", SCRIPTS / "gen_proto_schema.py")
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    proto = """package k8s.io.api.demo.v1;
// +protobuf.nullable=true
message Wrapper {
  repeated string items = 1;
}
message Thing {
  optional string name = 1;
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 2;
  repeated Wrapper lists = 3;
  optional Inner inner = 4;
  optional int32 count = 5;
}
"""
    go = """type Thing struct {
\tName string `json:"name" protobuf:"bytes,1,opt,name=name"`
\tLimits ResourceList `json:"limits,omitempty" protobuf:"bytes,2,rep,name=limits"`
\tInner `json:",inline" protobuf:"bytes,4,opt,name=inner"`
\tCount *int32 `json:"count,omitempty" protobuf:"varint,5,opt,name=count"`
}
"""
    pkg, messages, wrappers = gen.parse_proto(proto)
    structs = gen.parse_go([go])
    assert pkg == "k8s.io.api.demo.v1"
    assert wrappers == {"k8s.io.api.demo.v1.Wrapper"}
    thing = messages["k8s.io.api.demo.v1.Thing"]
    assert thing[2] == ("limits", "k8s.io.apimachinery.pkg.api.resource.Quantity", gen.MAP)
    assert thing[3] == ("lists", "k8s.io.api.demo.v1.Wrapper", gen.REPEATED)
    assert structs["Thing"][1] == ("name", 0)
    assert structs["Thing"][4] == ("", gen.INLINE)  # embedded: its fields join the parent
    assert structs["Thing"][5] == ("count", gen.POINTER | gen.OMITEMPTY)
