"""Kubernetes' protobuf encoding, decoded by the real message definitions.

kubectl's typed clients (`kubectl create deployment|job|service|role|quota|token …`, `run`,
`expose`, `autoscale`) send protobuf and do not fall back to JSON on 415. The message
definitions — field number → JSON name, type, repeated/map, Go pointer, `omitempty`, inlined
embedded structs — are in proto_schema.json, derived from k8s.io/api and k8s.io/apimachinery
by scripts/gen_proto_schema.py. A body becomes the JSON the same Go struct would marshal to,
so the rest of the server sees what a JSON client would have sent. A field number the schema
does not know is refused (415), never dropped.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsconsole.sandbox import errors

Obj = dict[str, Any]
MAGIC = b"k8s\x00"

_SCHEMA = json.loads(Path(__file__).with_name("proto_schema.json").read_text())
Field = tuple[str, str, int]
MESSAGES: dict[str, dict[int, Field]] = {
    name: {int(n): (f[0], f[1], f[2]) for n, f in table.items()}
    for name, table in _SCHEMA["messages"].items()
}
# Go slices wrapped in a message so that nil and empty differ; in JSON just the list.
LISTS: frozenset[str] = frozenset(_SCHEMA["lists"])
_FLAGS: dict[str, int] = _SCHEMA["flags"]
REPEATED, MAP, POINTER = _FLAGS["repeated"], _FLAGS["map"], _FLAGS["pointer"]
OMITEMPTY, INLINE = _FLAGS["omitempty"], _FLAGS["inline"]

_META = "k8s.io.apimachinery.pkg.apis.meta.v1."
QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
TIME, MICRO_TIME, DURATION = _META + "Time", _META + "MicroTime", _META + "Duration"
FIELDS_V1 = _META + "FieldsV1"
RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension"
SPECIAL = {QUANTITY, INT_OR_STRING, TIME, MICRO_TIME, DURATION, FIELDS_V1, RAW_EXTENSION}

VARINT_TYPES = {"int32", "int64", "uint32", "uint64", "bool"}
# Set to a directory to keep every protobuf body received (the decoder's test data).
CAPTURE_ENV = "OPSCONSOLE_SANDBOX_CAPTURE_PROTOBUF"


class _Absent:
    """A value Go marshals as null (a zero Time): the field is left out."""


ABSENT = _Absent()
Wire = tuple[int, int, int | bytes]


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
        if shift > 63:
            raise errors.bad_request("malformed protobuf varint")


def fields(data: bytes) -> list[Wire]:
    """(field number, wire type, value): varints as int, length-delimited and fixed as bytes."""
    out: list[Wire] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.append((number, wire, value))
            continue
        if wire == 2:
            length, i = _varint(data, i)
        elif wire in (1, 5):
            length = 8 if wire == 1 else 4
        else:
            raise errors.bad_request(f"unsupported protobuf wire type {wire}")
        if i + length > len(data):
            raise errors.bad_request("truncated protobuf body")
        out.append((number, wire, data[i : i + length]))
        i += length
    return out


def _refuse(message: str, path: str, number: int) -> errors.ApiError:
    return errors.ApiError(
        415,
        f"the sandbox cannot decode field {number} of protobuf message {message} (at "
        f"{path or 'the top level'}): it is not in the schema from k8s.io/api; send JSON",
        "UnsupportedMediaType",
    )


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _frac(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    return f"{whole}.{str(rest).zfill(len(str(unit)) - 1).rstrip('0')}"


def go_duration(ns: int) -> str:
    """time.Duration.String(): 1h0m0s, 1m30s, 1.5s, 250ms, 0s."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)
    if u < 1_000_000_000:
        unit, size = ("ns", 1) if u < 1000 else ("µs", 1000) if u < 1_000_000 else ("ms", 10**6)
        return f"{sign}{_frac(u, size)}{unit}"
    secs, nanos = divmod(u, 1_000_000_000)
    hours, rest = divmod(secs, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{_frac(seconds * 1_000_000_000 + nanos, 1_000_000_000)}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _sub(data: bytes) -> dict[int, int | bytes]:
    return {number: value for number, _, value in fields(data)}


def _int(value: int | bytes | None) -> int:
    return value if isinstance(value, int) else 0


def _special(type_name: str, data: bytes, path: str) -> Any:
    msg = _sub(data)
    if type_name == QUANTITY:
        return _str(msg.get(1, b""), path)
    if type_name == INT_OR_STRING:
        if _int(msg.get(1)) == 1:
            return _str(msg.get(3, b""), path)
        return _signed(_int(msg.get(2)), 32)
    if type_name in (TIME, MICRO_TIME):
        if not data:
            return ABSENT  # Go's zero time, which marshals as null
        when = datetime.fromtimestamp(_signed(_int(msg.get(1)), 64), UTC)
        if type_name == TIME:  # whole seconds only, as metav1.Time's own codec keeps
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{_int(msg.get(2)) // 1000:06d}Z"
    if type_name == DURATION:
        return go_duration(_signed(_int(msg.get(1)), 64))
    raw = msg.get(1, b"")
    if not isinstance(raw, bytes) or not raw:
        return ABSENT
    if raw.startswith(MAGIC):
        return decode(raw)
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.bad_request(f"{path}: embedded object is neither JSON nor protobuf") from None


def _str(value: int | bytes, path: str) -> str:
    if not isinstance(value, bytes):
        raise errors.bad_request(f"{path}: expected a length-delimited string")
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise errors.bad_request(f"{path}: a string that is not UTF-8") from None


def _scalar(type_name: str, wire: int, value: int | bytes, path: str) -> Any:
    if type_name in VARINT_TYPES:
        if not isinstance(value, int):
            raise errors.bad_request(f"{path}: expected a varint for {type_name}")
        if type_name == "bool":
            return bool(value)
        if type_name == "int32":
            return _signed(value, 32)
        if type_name == "int64":
            return _signed(value, 64)
        return value
    if type_name == "string":
        return _str(value, path)
    if type_name == "bytes":
        if not isinstance(value, bytes):
            raise errors.bad_request(f"{path}: expected length-delimited bytes")
        return base64.b64encode(value).decode()
    if (wire, type_name) in ((1, "double"), (5, "float")) and isinstance(value, bytes):
        return struct.unpack("<d" if wire == 1 else "<f", value)[0]
    raise errors.bad_request(f"{path}: wire type {wire} does not fit {type_name}")


def _value(type_name: str, wire: int, value: int | bytes, path: str) -> Any:
    if type_name not in MESSAGES:
        return _scalar(type_name, wire, value, path)
    if not isinstance(value, bytes):
        raise errors.bad_request(f"{path}: expected an embedded {type_name}")
    if type_name in SPECIAL:
        return _special(type_name, value, path)
    if type_name in LISTS:
        (_, item_type, _) = MESSAGES[type_name][1]
        return [_value(item_type, w, v, path) for n, w, v in fields(value) if n == 1]
    return message(type_name, value, path)


def _zero(value: Any) -> bool:
    return value is ABSENT or (not isinstance(value, dict | list) and value in ("", 0, False))


def message(type_name: str, data: bytes, path: str = "") -> Obj:
    """One message as the JSON its Go struct marshals to (empty non-pointer structs and
    `omitempty` zero values left out, as JSON clients leave them)."""
    table = MESSAGES[type_name]
    out: Obj = {}
    for number, wire, value in fields(data):
        spec = table.get(number)
        if spec is None:
            raise _refuse(type_name, path, number)
        name, item_type, flags = spec
        where = f"{path}.{name}" if path else name
        if flags & MAP:
            entry = _sub(value if isinstance(value, bytes) else b"")
            key = _str(entry.get(1, b""), where)
            inner = entry.get(2, 0 if item_type in VARINT_TYPES else b"")
            decoded = _value(item_type, 0 if isinstance(inner, int) else 2, inner, where)
            out.setdefault(name, {})[key] = "" if decoded is ABSENT else decoded
            continue
        if flags & REPEATED:
            items = out.setdefault(name, [])
            if wire == 2 and item_type in VARINT_TYPES and isinstance(value, bytes):
                packed = value  # proto2 decoders accept packed numbers too
                i = 0
                while i < len(packed):
                    number_value, i = _varint(packed, i)
                    items.append(_scalar(item_type, 0, number_value, where))
            else:
                items.append(_value(item_type, wire, value, f"{where}[{len(items)}]"))
            continue
        decoded = _value(item_type, wire, value, where)
        if flags & INLINE and isinstance(decoded, dict):
            out.update(decoded)
            continue
        if decoded is ABSENT:
            continue
        if not flags & POINTER:
            # A Go value field is always on the wire; its zero means "not set".
            if isinstance(decoded, dict) and not decoded:
                continue
            if item_type in (INT_OR_STRING, QUANTITY) and _zero(decoded):
                continue
            if flags & OMITEMPTY and _zero(decoded):
                continue
        out[name] = decoded
    return out


def message_name(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    package = group.split(".")[0] if group else "core"
    return f"k8s.io.api.{package}.{version}.{kind}"


def envelope(body: bytes) -> tuple[str, str, bytes]:
    """apiVersion, kind and the raw message of runtime.Unknown behind the `k8s\\0` magic."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("protobuf body without the k8s envelope")
    unknown = _sub(body[len(MAGIC) :])
    head = unknown.get(1, b"")
    type_meta = _sub(head if isinstance(head, bytes) else b"")
    raw = unknown.get(2, b"")
    api_version = _str(type_meta.get(1, b""), "apiVersion")
    kind = _str(type_meta.get(2, b""), "kind")
    return api_version, kind, raw if isinstance(raw, bytes) else b""


def decode(body: bytes) -> Obj:
    """A whole object. Its status is left out: on create the server sets status itself."""
    api_version, kind, raw = envelope(body)
    _capture(kind, body)
    name = message_name(api_version, kind)
    if name not in MESSAGES:
        raise errors.ApiError(
            415,
            f"the sandbox has no protobuf schema for {api_version} {kind}; send JSON",
            "UnsupportedMediaType",
        )
    obj = message(name, raw)
    obj.pop("status", None)
    return {"apiVersion": api_version, "kind": kind, **obj}


def _capture(kind: str, body: bytes) -> None:
    directory = os.environ.get(CAPTURE_ENV)
    if not directory:
        return
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^a-z0-9]+", "-", kind.lower())
    count = len(list(folder.glob(f"{stem}*.pb")))
    (folder / f"{stem}{'-' + str(count) if count else ''}.pb").write_bytes(body)
