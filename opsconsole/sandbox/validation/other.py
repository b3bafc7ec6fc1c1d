"""autoscaling/v2 HPAs, networking/v1 Ingresses and NetworkPolicies, policy/v1 PDBs, and the
plain kinds that only have metadata rules (pkg/apis/{autoscaling,networking,policy}/validation)."""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.validation import apps, core
from opsconsole.sandbox.validation import meta as m
from opsconsole.sandbox.validation.field import (
    Errors,
    invalid,
    not_supported,
    required,
)

Obj = dict[str, Any]


def hpa(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind"):
        errs.append(required("spec.scaleTargetRef.kind"))
    if not ref.get("name"):
        errs.append(required("spec.scaleTargetRef.name"))
    low = spec.get("minReplicas")
    if isinstance(low, int) and low < 1:
        errs.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    high = spec.get("maxReplicas")
    if isinstance(high, int) and high < 1:
        errs.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        errs.append(
            invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`")
        )
    for i, metric in enumerate(spec.get("metrics") or []):
        for source in ("resource", "containerResource"):
            target = (metric.get(source) or {}).get("target") or {}
            util = target.get("averageUtilization")
            if isinstance(util, int) and util <= 0:
                errs.append(
                    invalid(
                        f"spec.metrics[{i}].{source}.target.averageUtilization",
                        util,
                        "must be greater than 0",
                    )
                )
    return errs


_PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]


def _backend(backend: Any, path: str) -> Errors:
    if not isinstance(backend, dict):
        return []
    svc = backend.get("service")
    if not isinstance(svc, dict):
        return []
    errs: Errors = []
    name = svc.get("name")
    if not name:
        errs.append(required(f"{path}.service.name"))
    else:
        errs += [invalid(f"{path}.service.name", name, msg) for msg in m.dns1035_label(name)]
    port = svc.get("port") or {}
    if port.get("name") and port.get("number") is not None:
        errs.append(
            invalid(f"{path}.service.port", port, "cannot set both port name & port number")
        )
    elif port.get("name"):
        errs += [
            invalid(f"{path}.service.port.name", port["name"], msg)
            for msg in core.port_name(port["name"])
        ]
    elif port.get("number") is not None:
        errs += [
            invalid(f"{path}.service.port.number", port["number"], msg)
            for msg in core.port_num(port["number"])
        ]
    else:
        errs.append(required(f"{path}.service.port", "port name or number is required"))
    return errs


def ingress(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    rules = spec.get("rules") or []
    if not rules and not spec.get("defaultBackend"):
        errs.append(invalid("spec", rules, "either `defaultBackend` or `rules` must be specified"))
    errs += _backend(spec.get("defaultBackend"), "spec.defaultBackend")
    for i, rule in enumerate(rules):
        host = rule.get("host")
        if host:
            check = host[2:] if host.startswith("*.") else host
            errs += [
                invalid(f"spec.rules[{i}].host", host, msg) for msg in m.dns1123_subdomain(check)
            ]
        for j, p in enumerate(((rule.get("http") or {}).get("paths")) or []):
            where = f"spec.rules[{i}].http.paths[{j}]"
            ptype = p.get("pathType")
            if not ptype:
                errs.append(required(f"{where}.pathType", "pathType must be specified"))
            elif ptype not in _PATH_TYPES:
                errs.append(not_supported(f"{where}.pathType", ptype, _PATH_TYPES))
            elif ptype in ("Exact", "Prefix") and not str(p.get("path", "")).startswith("/"):
                errs.append(invalid(f"{where}.path", p.get("path", ""), "must be an absolute path"))
            errs += _backend(p.get("backend"), f"{where}.backend")
    for i, tls in enumerate(spec.get("tls") or []):
        for j, host in enumerate(tls.get("hosts") or []):
            check = host[2:] if host.startswith("*.") else host
            errs += [
                invalid(f"spec.tls[{i}].hosts[{j}]", host, msg)
                for msg in m.dns1123_subdomain(check)
            ]
    return errs


def pdb(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if low is not None and high is not None:
        errs.append(
            invalid("spec.minAvailable", low, "minAvailable and maxUnavailable cannot be both set")
        )
    for key, value in (("minAvailable", low), ("maxUnavailable", high)):
        if value is not None:
            errs += apps._int_or_percent(value, f"spec.{key}")
            errs += apps._not_over_100(value, f"spec.{key}")
    errs += m.label_selector(spec.get("selector"), "spec.selector")
    return errs


def network_policy(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    errs += m.label_selector(spec.get("podSelector"), "spec.podSelector")
    for i, ptype in enumerate(spec.get("policyTypes") or []):
        if ptype not in ("Ingress", "Egress"):
            errs.append(not_supported(f"spec.policyTypes[{i}]", ptype, ["Ingress", "Egress"]))
    return errs


def named(name_fn: m.NameFn) -> Any:
    """Kinds judged by their metadata alone (their own rules are out of the sandbox's scope)."""

    def check(obj: Obj, old: Obj | None) -> Errors:
        return m.object_meta(obj["metadata"], name_fn)

    return check
