"""Validation as the API server does it, after defaulting: the rules of
pkg/apis/*/validation and the registry strategies, one module per kind family, answered with
the real 422 `Status` (see field.py for how each cause is worded).

`check(rt, obj, old)` raises that 422 for a create (`old` None) or an update; `decode(rt, obj)`
raises the 400 the server gives when a body does not decode (a quantity that does not parse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import ResourceType
from opsconsole.sandbox.validation import apps, batch, core, other
from opsconsole.sandbox.validation import meta as m
from opsconsole.sandbox.validation.field import Errors, FieldError

Obj = dict[str, Any]
Validator = Callable[[Obj, Obj | None], Errors]

VALIDATORS: dict[str, Validator] = {
    "Pod": core.pod,
    "Service": core.service,
    "ConfigMap": core.config_map,
    "Secret": core.secret,
    "PersistentVolumeClaim": core.pvc,
    "Deployment": apps.deployment,
    "ReplicaSet": apps.replica_set,
    "StatefulSet": apps.stateful_set,
    "DaemonSet": apps.daemon_set,
    "Job": batch.job,
    "CronJob": batch.cron_job,
    "HorizontalPodAutoscaler": other.hpa,
    "Ingress": other.ingress,
    "PodDisruptionBudget": other.pdb,
    "NetworkPolicy": other.network_policy,
    "Namespace": other.named(m.dns1123_label),
    "ServiceAccount": other.named(m.dns1123_subdomain),
    "PersistentVolume": other.named(m.dns1123_subdomain),
    "Node": other.named(m.dns1123_subdomain),
    "StorageClass": other.named(m.dns1123_subdomain),
    "PriorityClass": other.named(m.dns1123_subdomain),
    "ResourceQuota": other.named(m.dns1123_subdomain),
    "LimitRange": other.named(m.dns1123_subdomain),
    "Endpoints": other.named(m.dns1123_subdomain),
    "ControllerRevision": other.named(m.dns1123_subdomain),
    "Lease": other.named(m.dns1123_subdomain),
}


def errors_for(kind: str, obj: Obj, old: Obj | None = None) -> Errors:
    validator = VALIDATORS.get(kind)
    if validator is None or not isinstance(obj.get("metadata"), dict):
        return []
    return validator(obj, old)


def invalid(rt: ResourceType, name: str, errs: list[FieldError]) -> errors.ApiError:
    """apierrors.NewInvalid: one cause per error, the message their aggregate (deduplicated)."""
    causes = [e.cause() for e in errs]
    return errors.invalid(rt.kind, name, rt.group, causes)


def check(rt: ResourceType, obj: Obj, old: Obj | None = None) -> None:
    errs = errors_for(rt.kind, obj, old)
    if errs:
        raise invalid(rt, str(obj["metadata"].get("name") or ""), errs)


def with_schema_errors(
    rt: ResourceType, obj: Obj, old: Obj | None, schema_error: errors.ApiError
) -> errors.ApiError:
    """The schema's 422 with this module's wording wherever both judged the same field.

    The schema catches types and required fields before the rules here can run safely; where
    the rules here speak to the same field (`pathType must be specified`), theirs is the real
    server's message, so it replaces the schema's.
    """
    try:
        errs = errors_for(rt.kind, obj, old)
    except (AttributeError, TypeError, ValueError, KeyError):
        return schema_error  # the body's types are too far off for the rules to read it
    if not errs:
        return schema_error
    ours = {e.field for e in errs}
    schema_causes = (schema_error.details or {}).get("causes") or []
    causes = [e.cause() for e in errs] + [c for c in schema_causes if c["field"] not in ours]
    name = str(obj["metadata"].get("name") or "") if isinstance(obj.get("metadata"), dict) else ""
    return errors.invalid(rt.kind, name, rt.group, causes)


def decode(rt: ResourceType, obj: Any) -> None:
    """A quantity that does not parse fails decoding, before defaulting and validation."""
    bad = core.bad_quantities(obj.get("spec")) if isinstance(obj, dict) else []
    if bad:
        version = rt.api_version.rsplit("/", 1)[-1]
        raise errors.bad_request(
            f'{rt.kind} in version "{version}" cannot be handled as a {rt.kind}: '
            f"{core.QUANTITY_ERROR}"
        )
