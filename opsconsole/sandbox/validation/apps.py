"""apps/v1: Deployments, ReplicaSets, StatefulSets, DaemonSets
(pkg/apis/apps/validation/validation.go and the registry strategies' update rules)."""

from __future__ import annotations

import re
from typing import Any

from opsconsole.sandbox.validation import core
from opsconsole.sandbox.validation import meta as m
from opsconsole.sandbox.validation.field import (
    Errors,
    forbidden,
    invalid,
    nonnegative,
    not_supported,
    required,
)

Obj = dict[str, Any]
_PERCENT = re.compile(r"^[0-9]+%$")


def _int_or_percent(value: Any, path: str) -> Errors:
    if isinstance(value, str):
        if not _PERCENT.match(value):
            return [
                invalid(
                    path,
                    value,
                    m.regex_error(
                        "a valid percent string must be a numeric string followed by an ending '%'",
                        "[0-9]+%",
                        "1%",
                        "93%",
                    ),
                )
            ]
        return []
    return nonnegative(path, value)


def _value(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:-1]) if _PERCENT.match(value) else 0
    return value if isinstance(value, int) else 0


def _not_over_100(value: Any, path: str) -> Errors:
    if isinstance(value, str) and _PERCENT.match(value) and int(value[:-1]) > 100:
        return [invalid(path, value, "must not be greater than 100%")]
    return []


def _selector(spec: Obj, kind: str) -> Errors:
    sel = spec.get("selector")
    if sel is None:
        return [required("spec.selector")]
    errs = m.label_selector(sel, "spec.selector")
    if m.selector_empty(sel):
        errs.append(
            invalid(
                "spec.selector", m.selector_struct(sel), f"empty selector is invalid for {kind}"
            )
        )
    return errs


def _template_matches(spec: Obj) -> Errors:
    sel, tmpl = spec.get("selector"), spec.get("template") or {}
    tlabels = (tmpl.get("metadata") or {}).get("labels") or {}
    if not m.selector_empty(sel) and not m.selector_matches(sel, tlabels):
        return [
            invalid(
                "spec.template.metadata.labels",
                tlabels,
                "`selector` does not match template `labels`",
            )
        ]
    return []


def _always_restarts(spec: Obj, kind: str) -> Errors:
    tspec = (spec.get("template") or {}).get("spec") or {}
    errs: Errors = []
    if tspec.get("restartPolicy") != "Always":
        errs.append(
            not_supported(
                "spec.template.spec.restartPolicy", tspec.get("restartPolicy"), ["Always"]
            )
        )
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    return errs


def _strategy(strategy: Any) -> Errors:
    path = "spec.strategy"
    strategy = strategy if isinstance(strategy, dict) else {}
    stype = strategy.get("type")
    ru = strategy.get("rollingUpdate")
    if stype == "Recreate":
        if ru is not None:
            return [
                forbidden(
                    f"{path}.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    if stype == "RollingUpdate":
        if ru is None:
            return [required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
        p = f"{path}.rollingUpdate"
        unavailable, surge = ru.get("maxUnavailable"), ru.get("maxSurge")
        errs = _int_or_percent(unavailable, f"{p}.maxUnavailable")
        errs += _int_or_percent(surge, f"{p}.maxSurge")
        if _value(unavailable) == 0 and _value(surge) == 0:
            errs.append(
                invalid(f"{p}.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0")
            )
        errs += _not_over_100(unavailable, f"{p}.maxUnavailable")
        return errs
    return [not_supported(path, strategy, ["Recreate", "RollingUpdate"])]


def deployment(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    errs += nonnegative("spec.replicas", spec.get("replicas"))
    errs += _selector(spec, "deployment")
    errs += _template_matches(spec)
    errs += core.pod_template(spec.get("template"), "spec.template")
    errs += _always_restarts(spec, "ReplicaSet")
    errs += _strategy(spec.get("strategy"))
    errs += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    errs += nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        errs += nonnegative("spec.progressDeadlineSeconds", deadline)
        if deadline <= (spec.get("minReadySeconds") or 0):
            errs.append(
                invalid(
                    "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    if old is not None:
        errs += m.immutable_selector(spec.get("selector"), (old.get("spec") or {}).get("selector"))
    return errs


def replica_set(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    errs += nonnegative("spec.replicas", spec.get("replicas"))
    errs += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    errs += _selector(spec, "deployment")  # sic: the real message says deployment here too
    errs += _template_matches(spec)
    errs += core.pod_template(spec.get("template"), "spec.template")
    errs += _always_restarts(spec, "ReplicaSet")
    if old is not None:
        errs += m.immutable_selector(spec.get("selector"), (old.get("spec") or {}).get("selector"))
    return errs


def stateful_set(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_label)
    spec = obj.get("spec") or {}
    policy = spec.get("podManagementPolicy")
    if not policy:
        errs.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errs.append(
            invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
        )
    strategy = spec.get("updateStrategy") or {}
    stype = strategy.get("type")
    if not stype:
        errs.append(required("spec.updateStrategy"))
    elif stype == "OnDelete":
        if strategy.get("rollingUpdate") is not None:
            errs.append(
                invalid(
                    "spec.updateStrategy.rollingUpdate",
                    strategy["rollingUpdate"],
                    "only allowed for updateStrategy 'RollingUpdate'",
                )
            )
    elif stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate") or {}
        errs += nonnegative("spec.updateStrategy.rollingUpdate.partition", ru.get("partition"))
        if ru.get("maxUnavailable") is not None:
            p = "spec.updateStrategy.rollingUpdate.maxUnavailable"
            errs += _int_or_percent(ru["maxUnavailable"], p)
            if _value(ru["maxUnavailable"]) == 0:
                errs.append(invalid(p, ru["maxUnavailable"], "cannot be 0"))
            errs += _not_over_100(ru["maxUnavailable"], p)
    else:
        errs.append(
            invalid("spec.updateStrategy", strategy, "must be 'RollingUpdate' or 'OnDelete'")
        )
    errs += nonnegative("spec.replicas", spec.get("replicas"))
    errs += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    sel = spec.get("selector")
    if sel is None:
        errs.append(required("spec.selector"))
    else:
        errs += m.label_selector(sel, "spec.selector")
        if m.selector_empty(sel):
            errs.append(
                invalid(
                    "spec.selector",
                    m.selector_struct(sel),
                    "empty selector is invalid for statefulset",
                )
            )
    errs += _template_matches(spec)
    tmpl = spec.get("template") or {}
    # Only the template's labels and annotations: the real validation leaves the pod spec
    # of a StatefulSet unchecked (its volumes come partly from volumeClaimTemplates).
    errs += m.template_meta(tmpl.get("metadata"), "spec.template")
    errs += _always_restarts(spec, "StatefulSet")
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or []):
        errs += core.pvc_spec(claim.get("spec"), f"spec.volumeClaimTemplates[{i}].spec")
    if old is not None:
        mutable = (
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        )
        new_rest = {k: v for k, v in spec.items() if k not in mutable}
        old_rest = {k: v for k, v in (old.get("spec") or {}).items() if k not in mutable}
        if new_rest != old_rest:
            errs.append(
                forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                    "'minReadySeconds' are forbidden",
                )
            )
    return errs


def daemon_set(obj: Obj, old: Obj | None) -> Errors:
    errs = m.object_meta(obj["metadata"], m.dns1123_subdomain)
    spec = obj.get("spec") or {}
    sel = spec.get("selector")
    errs += m.label_selector(sel, "spec.selector")
    errs += _template_matches(spec) if sel is not None else []
    if sel is not None and m.selector_empty(sel):
        errs.append(
            invalid(
                "spec.selector", m.selector_struct(sel), "empty selector is invalid for daemonset"
            )
        )
    if sel is None:
        errs.append(required("spec.selector"))
    errs += core.pod_template(spec.get("template"), "spec.template")
    errs += _always_restarts(spec, "DaemonSet")
    errs += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    strategy = spec.get("updateStrategy") or {}
    stype = strategy.get("type")
    if stype == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        p = "spec.updateStrategy.rollingUpdate"
        if ru is None:
            errs.append(required(p))
        else:
            unavailable, surge = ru.get("maxUnavailable"), ru.get("maxSurge")
            errs += _int_or_percent(unavailable, f"{p}.maxUnavailable")
            errs += _int_or_percent(surge, f"{p}.maxSurge")
            errs += _not_over_100(unavailable, f"{p}.maxUnavailable")
            errs += _not_over_100(surge, f"{p}.maxSurge")
            has_unavailable, has_surge = _value(unavailable) != 0, _value(surge) != 0
            if has_unavailable and has_surge:
                errs.append(
                    invalid(
                        f"{p}.maxSurge", surge, "may not be set when maxUnavailable is non-zero"
                    )
                )
            elif not has_unavailable and not has_surge:
                errs.append(required(f"{p}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    elif stype != "OnDelete":
        errs.append(not_supported("spec.updateStrategy", strategy, ["RollingUpdate", "OnDelete"]))
    errs += nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    if old is not None:
        errs += m.immutable_selector(sel, (old.get("spec") or {}).get("selector"))
    return errs
