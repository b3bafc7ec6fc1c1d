"""core/v1: pods and pod templates, Services, ConfigMaps, Secrets, PVCs
(pkg/apis/core/validation/validation.go)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from opsconsole.sandbox.validation import meta as m
from opsconsole.sandbox.validation.field import (
    Errors,
    FieldError,
    Struct,
    duplicate,
    forbidden,
    invalid,
    nonnegative,
    not_supported,
    required,
    too_long,
)

Obj = dict[str, Any]

# Quantities as resource.Quantity parses them (api/resource/quantity.go's splitREString).
QUANTITY_RE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_SUFFIX = {
    "": 0,
    "n": -9,
    "u": -6,
    "m": -3,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
QUANTITY_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def parse_quantity(value: Any) -> Decimal | None:
    """The exact value of a quantity, or None when the API server would refuse to decode it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value)
    match = QUANTITY_RE.match(text)
    if not match:
        return None
    number, suffix = match.groups()
    try:
        base = Decimal(number)
    except ArithmeticError:
        return None
    if suffix in _BINARY:
        return base * Decimal(2 ** _BINARY[suffix])
    if suffix in _SUFFIX:
        return base * (Decimal(10) ** _SUFFIX[suffix])
    exp = re.match(r"^[eE]([-+]?[0-9]+)$", suffix)
    if exp:
        return base * (Decimal(10) ** int(exp.group(1)))
    return None


def bad_quantities(obj: Any, path: str = "") -> list[str]:
    """Paths of resource quantities that do not parse anywhere in an object."""
    found: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in ("requests", "limits", "capacity", "allocatable", "hard") and isinstance(
                value, dict
            ):
                found += [f"{sub}.{k}" for k, v in value.items() if parse_quantity(v) is None]
            else:
                found += bad_quantities(value, sub)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            found += bad_quantities(item, f"{path}[{i}]")
    return found


_PORT_NAME_RE = re.compile(r"^[-a-z0-9]+$")


def port_name(value: str) -> list[str]:
    errs = []
    if len(value) > 15:
        errs.append("must be no more than 15 characters")
    if not _PORT_NAME_RE.match(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_num(value: Any) -> list[str]:
    if isinstance(value, int) and 1 <= value <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def port_num_or_name(value: Any, path: str) -> Errors:
    if isinstance(value, str):
        return [invalid(path, value, msg) for msg in port_name(value)]
    return [invalid(path, value, msg) for msg in port_num(value)]


def _canonical(value: Any) -> str:
    from opsconsole.sandbox import quantity

    return str(quantity.canonical(value))


def resources(res: Any, path: str) -> Errors:
    errs: Errors = []
    if not isinstance(res, dict):
        return errs
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    for kind, values in (("limits", limits), ("requests", requests)):
        for name, value in values.items():
            errs += _resource_name(str(name), f"{path}.{kind}[{name}]")
            q = parse_quantity(value)
            if q is not None and q < 0:
                errs.append(
                    invalid(
                        f"{path}.{kind}[{name}]",
                        _canonical(value),
                        "must be greater than or equal to 0",
                    )
                )
    for name, value in requests.items():
        req = parse_quantity(value)
        if name not in limits:
            if not _overcommit(name):
                errs.append(
                    required(f"{path}.limits", "Limit must be set for non overcommitable resources")
                )
            continue
        lim = parse_quantity(limits[name])
        if req is None or lim is None:
            continue
        if req != lim and not _overcommit(name):
            errs.append(
                invalid(
                    f"{path}.requests",
                    _canonical(value),
                    f"must be equal to {name} limit of {_canonical(limits[name])}",
                )
            )
        elif req > lim:
            errs.append(
                invalid(
                    f"{path}.requests",
                    _canonical(value),
                    f"must be less than or equal to {name} limit of {_canonical(limits[name])}",
                )
            )
    return errs


_STANDARD_CONTAINER = {"cpu", "memory", "ephemeral-storage"}


def _overcommit(name: str) -> bool:
    """helper.IsOvercommitAllowed: native resources other than hugepages."""
    native = "/" not in name or name.split("/", 1)[0].endswith("kubernetes.io")
    return native and not name.startswith("hugepages-")


def _resource_name(name: str, path: str) -> Errors:
    errs = [invalid(path, name, msg) for msg in m.qualified_name(name)]
    if errs:
        return errs
    if "/" not in name and name not in _STANDARD_CONTAINER and not name.startswith("hugepages-"):
        return [invalid(path, name, "must be a standard resource for containers")]
    return []


_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _handler(probe: Obj, path: str) -> Errors:
    present = [h for h in _HANDLERS if probe.get(h) is not None]
    if not present:
        return [required(path, "must specify a handler type")]
    errs: Errors = []
    for extra in present[1:]:
        errs.append(forbidden(f"{path}.{extra}", "may not specify more than 1 handler type"))
    for kind in ("httpGet", "tcpSocket"):
        action = probe.get(kind)
        if isinstance(action, dict):
            errs += port_num_or_name(action.get("port"), f"{path}.{kind}.port")
    return errs


def probe(value: Any, path: str) -> Errors:
    if not isinstance(value, dict):
        return []
    errs = _handler(value, path)
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs += nonnegative(f"{path}.{key}", value.get(key))
    return errs


_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_PULL = ["Always", "IfNotPresent", "Never"]


def _container_ports(ports: Any, path: str) -> Errors:
    errs: Errors = []
    names: set[str] = set()
    for i, port in enumerate(ports or []):
        p = f"{path}[{i}]"
        name = port.get("name")
        if name:
            msgs = port_name(name)
            if msgs:
                errs += [invalid(f"{p}.name", name, msg) for msg in msgs]
            elif name in names:
                errs.append(duplicate(f"{p}.name", name))
            else:
                names.add(name)
        cp = port.get("containerPort")
        if not cp:
            errs.append(required(f"{p}.containerPort"))
        else:
            errs += [invalid(f"{p}.containerPort", cp, msg) for msg in port_num(cp)]
        hp = port.get("hostPort")
        if hp:
            errs += [invalid(f"{p}.hostPort", hp, msg) for msg in port_num(hp)]
        proto = port.get("protocol")
        if not proto:
            errs.append(required(f"{p}.protocol"))
        elif proto not in _PROTOCOLS:
            errs.append(not_supported(f"{p}.protocol", proto, _PROTOCOLS))
    return errs


_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")


def _env(env: Any, path: str) -> Errors:
    errs: Errors = []
    for i, var in enumerate(env or []):
        p = f"{path}[{i}]"
        name = str(var.get("name") or "")
        if not name:
            errs.append(required(f"{p}.name"))
        elif any(ord(ch) < 32 or ord(ch) > 126 or ch == "=" for ch in name):
            errs.append(
                invalid(
                    f"{p}.name",
                    name,
                    "a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='",
                )
            )
        source = var.get("valueFrom")
        if source is None:
            continue
        sources = [k for k in _ENV_SOURCES if source.get(k) is not None]
        if not sources:
            errs.append(
                invalid(
                    f"{p}.valueFrom",
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                    "`secretKeyRef`",
                )
            )
        elif len(sources) > 1:
            errs.append(
                invalid(
                    f"{p}.valueFrom", "", "may not have more than one field specified at a time"
                )
            )
        elif var.get("value"):
            errs.append(
                invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty")
            )
        for ref in ("configMapKeyRef", "secretKeyRef"):
            selector = source.get(ref)
            if isinstance(selector, dict) and not selector.get("key"):
                errs.append(required(f"{p}.valueFrom.{ref}.key"))
    return errs


def _mounts(mounts: Any, volumes: set[str], path: str) -> Errors:
    errs: Errors = []
    paths: set[str] = set()
    for j, mount in enumerate(mounts or []):
        p = f"{path}[{j}]"
        name = mount.get("name")
        if not name:
            errs.append(required(f"{p}.name"))
        if name not in volumes:
            errs.append(FieldError("FieldValueNotFound", f"{p}.name", name or ""))
        where = mount.get("mountPath")
        if not where:
            errs.append(required(f"{p}.mountPath"))
        elif where in paths:
            errs.append(invalid(f"{p}.mountPath", where, "must be unique"))
        paths.add(where)
    return errs


def _container(c: Obj, volumes: set[str], path: str) -> Errors:
    """validateContainerCommon, then the probes (validateContainers' own checks)."""
    errs: Errors = []
    name = c.get("name")
    if not name:
        errs.append(required(f"{path}.name"))
    else:
        errs += [invalid(f"{path}.name", name, msg) for msg in m.dns1123_label(name)]
    if not c.get("image"):
        errs.append(required(f"{path}.image"))
    policy = c.get("terminationMessagePolicy")
    if not policy:
        errs.append(required(f"{path}.terminationMessagePolicy"))
    elif policy not in ("File", "FallbackToLogsOnError"):
        errs.append(
            not_supported(
                f"{path}.terminationMessagePolicy", policy, ["File", "FallbackToLogsOnError"]
            )
        )
    errs += _container_ports(c.get("ports"), f"{path}.ports")
    errs += _env(c.get("env"), f"{path}.env")
    errs += _mounts(c.get("volumeMounts"), volumes, f"{path}.volumeMounts")
    pull = c.get("imagePullPolicy")
    if not pull:
        errs.append(required(f"{path}.imagePullPolicy"))
    elif pull not in _PULL:
        errs.append(not_supported(f"{path}.imagePullPolicy", pull, _PULL))
    errs += resources(c.get("resources"), f"{path}.resources")
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        errs += probe(c.get(kind), f"{path}.{kind}")
    live = c.get("livenessProbe")
    if isinstance(live, dict) and live.get("successThreshold", 1) != 1:
        errs.append(
            invalid(f"{path}.livenessProbe.successThreshold", live["successThreshold"], "must be 1")
        )
    start = c.get("startupProbe")
    if isinstance(start, dict) and start.get("successThreshold", 1) != 1:
        errs.append(
            invalid(f"{path}.startupProbe.successThreshold", start["successThreshold"], "must be 1")
        )
    return errs


_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def tolerations(value: Any, path: str) -> Errors:
    """ValidateTolerations."""
    errs: Errors = []
    for i, t in enumerate(value or []):
        p = f"{path}[{i}]"
        key, op, val, effect = t.get("key"), t.get("operator"), t.get("value"), t.get("effect")
        if key:
            errs += [invalid(f"{p}.key", key, msg) for msg in m.qualified_name(key)]
        if not key and op != "Exists":
            errs.append(
                invalid(
                    f"{p}.operator",
                    op or "",
                    'operator must be Exists when `key` is empty, which means "match all values '
                    'and all keys"',
                )
            )
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                invalid(
                    f"{p}.effect",
                    effect or "",
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
        if op in (None, "", "Equal"):
            msgs = m.label_value(str(val or ""))
            if msgs:
                errs.append(invalid(f"{p}.operator", val or "", ";".join(msgs)))
        elif op == "Exists":
            if val:
                shown = Struct((k, t[k]) for k in _TOLERATION_FIELDS if t.get(k) not in (None, ""))
                errs.append(
                    invalid(
                        f"{p}.operator", shown, "value must be empty when `operator` is 'Exists'"
                    )
                )
        else:
            errs.append(not_supported(f"{p}.operator", op, ["Equal", "Exists"]))
        if effect and effect not in _EFFECTS:
            errs.append(not_supported(f"{p}.effect", effect, _EFFECTS))
    return errs


_TOLERATION_FIELDS = ("key", "operator", "value", "effect", "tolerationSeconds")
_RESTART = ["Always", "OnFailure", "Never"]
_DNS = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]


def pod_spec(spec: Any, path: str) -> Errors:
    """ValidatePodSpec for the fields workloads set (containers, volumes, policies)."""
    errs: Errors = []
    if not isinstance(spec, dict):
        return [required(path)]
    volumes: set[str] = set()
    for i, vol in enumerate(spec.get("volumes") or []):
        name = vol.get("name")
        p = f"{path}.volumes[{i}].name"
        if not name:
            errs.append(required(p))
        else:
            errs += [invalid(p, name, msg) for msg in m.dns1123_label(name)]
            if name in volumes:
                errs.append(duplicate(p, name))
            volumes.add(name)
    seen: set[str] = set()
    containers = spec.get("containers") or []
    if not containers:
        errs.append(required(f"{path}.containers"))
    # Containers are judged before init containers, as ValidatePodSpec does.
    for group in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(group) or []):
            p = f"{path}.{group}[{i}]"
            errs += _container(c, volumes, p)
            name = c.get("name")
            if name and name in seen:
                errs.append(duplicate(f"{p}.name", name))
            elif name:
                seen.add(name)
    restart = spec.get("restartPolicy")
    if not restart:
        errs.append(required(f"{path}.restartPolicy"))
    elif restart not in _RESTART:
        errs.append(not_supported(f"{path}.restartPolicy", restart, _RESTART))
    dns = spec.get("dnsPolicy")
    if not dns:
        errs.append(required(f"{path}.dnsPolicy"))
    elif dns not in _DNS:
        errs.append(not_supported(f"{path}.dnsPolicy", dns, _DNS))
    for key in ("terminationGracePeriodSeconds", "activeDeadlineSeconds"):
        errs += nonnegative(f"{path}.{key}", spec.get(key))
    if spec.get("activeDeadlineSeconds") == 0:
        errs.append(
            invalid(
                f"{path}.activeDeadlineSeconds",
                0,
                "must be between 1 and 2147483647, inclusive",
            )
        )
    errs += m.label_map(spec.get("nodeSelector"), f"{path}.nodeSelector")
    errs += tolerations(spec.get("tolerations"), f"{path}.tolerations")
    if spec.get("serviceAccountName"):
        name = spec["serviceAccountName"]
        errs += [
            invalid(f"{path}.serviceAccountName", name, msg) for msg in m.dns1123_subdomain(name)
        ]
    return errs


def pod_template(tmpl: Any, path: str) -> Errors:
    """ValidatePodTemplateSpec: the template's labels and annotations, then its spec."""
    if not isinstance(tmpl, dict):
        return [required(path)]
    return m.template_meta(tmpl.get("metadata"), f"{path}.metadata") + pod_spec(
        tmpl.get("spec"), f"{path}.spec"
    )


def pod(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    errs += pod_spec(obj.get("spec"), "spec")
    for i, c in enumerate((obj.get("spec") or {}).get("containers") or []):
        image = str(c.get("image") or "")
        if image != image.strip():
            errs.append(
                invalid(
                    f"spec.containers[{i}].image",
                    image,
                    "must not have leading or trailing whitespace",
                )
            )
    if old is not None:
        errs += _pod_update(obj, old)
    return errs


def _pod_update(obj: Obj, old: Obj) -> Errors:
    """A pod's spec may change only in its images, activeDeadlineSeconds and tolerations."""
    new_spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
    if len(new_spec.get("containers") or []) != len(old_spec.get("containers") or []):
        return [forbidden("spec.containers", "pod updates may not add or remove containers")]

    def mutable_removed(spec: Obj) -> Obj:
        out = {
            k: v
            for k, v in spec.items()
            if k not in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")
        }
        for group in ("containers", "initContainers"):
            if group in out:
                out[group] = [{k: v for k, v in c.items() if k != "image"} for c in out[group]]
        return out

    if mutable_removed(new_spec) != mutable_removed(old_spec):
        return [
            forbidden(
                "spec",
                "pod updates may not change fields other than `spec.containers[*].image`,"
                "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                "`spec.tolerations` (only additions to existing tolerations),"
                "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                "previously negative)",
            )
        ]
    return []


# -- Service ----------------------------------------------------------------------------------

_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]


def service(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1035_label)
    spec = obj.get("spec") or {}
    stype = spec.get("type")
    if stype not in _SERVICE_TYPES:
        errs.append(not_supported("spec.type", stype, _SERVICE_TYPES))
    ports = spec.get("ports") or []
    if not ports and stype != "ExternalName" and spec.get("clusterIP") != "None":
        errs.append(required("spec.ports"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        p = f"spec.ports[{i}]"
        name = port.get("name")
        if len(ports) > 1 and not name:
            errs.append(required(f"{p}.name"))
        elif name:
            errs += [invalid(f"{p}.name", name, msg) for msg in m.dns1123_label(name)]
            if name in names:
                errs.append(duplicate(f"{p}.name", name))
            names.add(name)
        errs += [invalid(f"{p}.port", port.get("port"), msg) for msg in port_num(port.get("port"))]
        proto = port.get("protocol")
        if proto not in _PROTOCOLS:
            errs.append(not_supported(f"{p}.protocol", proto, _PROTOCOLS))
        if "targetPort" in port:
            errs += port_num_or_name(port["targetPort"], f"{p}.targetPort")
        node_port = port.get("nodePort")
        if node_port and stype not in ("NodePort", "LoadBalancer"):
            errs.append(forbidden(f"{p}.nodePort", "may not be used when `type` is 'ClusterIP'"))
        elif node_port:
            errs += [invalid(f"{p}.nodePort", node_port, msg) for msg in port_num(node_port)]
    errs += m.label_map(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if affinity not in ("ClientIP", "None"):
        errs.append(not_supported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
    if old is not None:
        old_ips = (old.get("spec") or {}).get("clusterIPs") or []
        new_ips = spec.get("clusterIPs") or []
        for i, ip in enumerate(old_ips):
            if i < len(new_ips) and new_ips[i] != ip:
                errs.append(invalid(f"spec.clusterIPs[{i}]", new_ips, "may not change once set"))
        if old_ips and not new_ips:
            errs.append(
                invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset")
            )
    return errs


# -- ConfigMap, Secret ------------------------------------------------------------------------

_KEY_RE = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_CONFIG_SIZE = 1024 * 1024


def config_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _KEY_RE.match(value):
        errs.append(
            m.regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                "[-._a-zA-Z0-9]+",
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def config_map(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    total = 0
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    for key, value in data.items():
        errs += [invalid(f"data[{key}]", key, msg) for msg in config_key(key)]
        total += len(str(value).encode())
    for key, value in binary.items():
        errs += [invalid(f"binaryData[{key}]", key, msg) for msg in config_key(key)]
        if key in data:
            errs.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(str(value)) * 3 // 4
    if total > MAX_CONFIG_SIZE:
        errs.append(too_long("", MAX_CONFIG_SIZE))
    changed = old is not None and (
        data != (old.get("data") or {}) or binary != (old.get("binaryData") or {})
    )
    if old is not None and old.get("immutable") and changed:
        errs.append(forbidden("data", "field is immutable when `immutable` is set"))
    return errs


def secret(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    for key in obj.get("data") or {}:
        errs += [invalid("data[" + key + "]", key, msg) for msg in config_key(key)]
    if old is not None and old.get("type") and obj.get("type") != old.get("type"):
        errs.append(invalid("type", obj.get("type"), "field is immutable"))
    return errs


# -- PersistentVolumeClaim --------------------------------------------------------------------

_ACCESS = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def pvc_spec(spec: Any, path: str) -> Errors:
    errs: Errors = []
    if not isinstance(spec, dict):
        return [required(path)]
    modes = spec.get("accessModes") or []
    if not modes:
        errs.append(required(f"{path}.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in _ACCESS:
            errs.append(not_supported(f"{path}.accessModes", mode, _ACCESS))
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        errs.append(required(f"{path}.resources[storage]"))
    else:
        q = parse_quantity(storage)
        if q is not None and q <= 0:
            errs.append(
                invalid(
                    f"{path}.resources[storage]", _canonical(storage), "must be greater than zero"
                )
            )
    return errs


def pvc(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    errs += pvc_spec(obj.get("spec"), "spec")
    if old is None:
        return errs
    new_spec, old_spec = dict(obj.get("spec") or {}), dict(old.get("spec") or {})
    bound = (old.get("status") or {}).get("phase") == "Bound"

    def storage(spec: Obj) -> Any:
        return ((spec.get("resources") or {}).get("requests") or {}).get("storage")

    new_size, old_size = parse_quantity(storage(new_spec)), parse_quantity(storage(old_spec))
    comparable_new = dict(new_spec)
    comparable_old = dict(old_spec)
    for spec in (comparable_new, comparable_old):
        spec.pop("volumeAttributesClassName", None)
        if bound:
            spec.pop("resources", None)
        # A bound claim gets its volumeName from the binder; the user does not send it.
        if not spec.get("volumeName"):
            spec.pop("volumeName", None)
    if not new_spec.get("volumeName") and old_spec.get("volumeName"):
        comparable_new["volumeName"] = old_spec["volumeName"]
    if comparable_new != comparable_old:
        errs.append(
            forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and "
                "volumeAttributesClassName for bound claims",
            )
        )
    capacity = parse_quantity(((old.get("status") or {}).get("capacity") or {}).get("storage"))
    floor = capacity if capacity is not None else old_size
    if new_size is not None and floor is not None and new_size < floor and bound:
        errs.append(
            forbidden(
                "spec.resources.requests.storage", "field can not be less than status.capacity"
            )
        )
    return errs
