"""CustomResourceDefinitions (apiextensions.k8s.io/v1): a stored CRD makes its kind served.

Creating a CRD registers one ResourceType per served version (discovery, CRUD, list/watch,
the status and scale subresources it declares), marks it Established, and from then on
written objects are pruned and validated against the version's openAPIV3Schema, with the
messages kube-openapi's validator gives. Deleting the CRD removes its objects and its types.

The types join resources.RESOURCES, so they are process-wide: two sandboxes in one process
(the tests) see each other's CRD kinds in discovery, each with its own objects. The sandbox
installs the CRDs in crds/ (cert-manager, the Vertical Pod Autoscaler, Argo CD) before it
seeds k8s/, as a cluster with those add-ons would have them.
"""

from __future__ import annotations

import copy
import json
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import yaml

from opsconsole.sandbox import errors
from opsconsole.sandbox.resources import PREFERRED, RESOURCES, ResourceType, preferred
from opsconsole.sandbox.store import Change, Store, clone, now_iso

Obj = dict[str, Any]
GROUP = "apiextensions.k8s.io"
BUNDLED = Path(__file__).resolve().parent / "crds"
_registered: dict[str, list[ResourceType]] = {}
# The request's fieldValidation (api.py sets it per request): Strict refuses unknown fields.
FIELD_VALIDATION: ContextVar[str] = ContextVar("fieldValidation", default="")


def crd_type() -> ResourceType:
    return preferred(GROUP, "customresourcedefinitions")


# -- registration ----------------------------------------------------------------------------


def types_of(crd: Obj) -> list[ResourceType]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
    # The storage version first: preferred() and the group's preferred version pick it.
    versions.sort(key=lambda v: not v.get("storage"))
    out: list[ResourceType] = []
    for v in versions:
        subs = v.get("subresources") or {}
        subresources = ("status",) if "status" in subs else ()  # no scale for CRs (yet)
        schema = ((v.get("schema") or {}).get("openAPIV3Schema")) or {}
        out.append(
            ResourceType(
                str(spec.get("group", "")),
                str(v.get("name", "")),
                str(names.get("kind", "")),
                str(names.get("plural", "")),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                subresources=subresources,
                categories=tuple(names.get("categories") or ()),
                tracks_generation=True,
                extra={"crd": crd["metadata"]["name"], "schema": schema},
            )
        )
    return out


def register(crd: Obj) -> list[ResourceType]:
    name = crd["metadata"]["name"]
    unregister(name)
    types = types_of(crd)
    RESOURCES.extend(types)
    _registered[name] = types
    if types and types[0].group not in PREFERRED:
        PREFERRED[types[0].group] = types[0].version
    return types


def unregister(name: str) -> None:
    for rt in _registered.pop(name, []):
        if rt in RESOURCES:
            RESOURCES.remove(rt)


def _established(crd: Obj) -> Obj | None:
    """The status the apiextensions controllers write, or None when it is already there."""
    spec = crd.get("spec") or {}
    storage = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
    conditions = (crd.get("status") or {}).get("conditions") or []
    if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
        return None
    now = now_iso()
    status = {
        "acceptedNames": clone(spec.get("names") or {}),
        "conditions": [
            {
                "type": "NamesAccepted",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "NoConflicts",
                "message": "no conflicts found",
            },
            {
                "type": "Established",
                "status": "True",
                "lastTransitionTime": now,
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            },
        ],
        "storedVersions": storage,
    }
    updated: Obj = clone(crd)
    updated["status"] = status
    return updated


def _on_change(store: Store, change: Change) -> None:
    if change.key != crd_type().key:
        return
    name = change.obj["metadata"]["name"]
    if change.type == "DELETED":
        for rt in _registered.get(name, []):
            for obj in list(store.objects(rt)):
                meta = obj["metadata"]
                if store.get(rt, meta.get("namespace", ""), meta["name"]) is not None:
                    store.remove(rt, meta.get("namespace", ""), meta["name"])
        unregister(name)
        return
    register(change.obj)
    established = _established(change.obj)
    if established is not None:
        store.update(crd_type(), established, check_rv=False)


def install(store: Store) -> None:
    """Serve CRDs from now on, and apply the bundled ones (cert-manager, VPA, Argo CD)."""
    if not any(getattr(fn, "_crds", False) for fn in store.listeners):

        def listener(change: Change) -> None:
            _on_change(store, change)

        listener._crds = True  # type: ignore[attr-defined]
        store.listeners.append(listener)
    for obj in store.objects(crd_type()):
        register(obj)
    for path in sorted(BUNDLED.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and store.get(crd_type(), "", doc["metadata"]["name"]) is None:
                store.create(crd_type(), doc)


# -- validation of what is written ------------------------------------------------------------

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def validate(rt: ResourceType, obj: Obj) -> None:
    """A CRD's own rules, or a custom resource pruned and checked against its schema."""
    if rt.group == GROUP and rt.kind == "CustomResourceDefinition":
        _validate_crd(obj)
        return
    schema = rt.extra.get("schema")
    if not schema:
        return
    pruned: list[str] = []
    _prune(obj, schema, pruned, "", top=True)
    if pruned and FIELD_VALIDATION.get() == "Strict":
        unknown = ", ".join(f'unknown field "{p}"' for p in pruned)
        raise errors.bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: strict '
            f"decoding error: {unknown}"
        )
    causes = [_cause(e) for e in _validator(json.dumps(schema, sort_keys=True)).iter_errors(obj)]
    causes.sort(key=lambda c: c["field"])
    if causes:
        name = str((obj.get("metadata") or {}).get("name", ""))
        raise errors.invalid(rt.kind, name, rt.group, causes)


def _validate_crd(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    want = f"{names.get('plural', '')}.{spec.get('group', '')}"
    name = str(obj["metadata"].get("name", ""))
    causes: list[Obj] = []
    if name != want:
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                "field": "metadata.name",
            }
        )
    if not _DNS_SUBDOMAIN.match(str(spec.get("group", ""))) or "." not in spec.get("group", ""):
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "{spec.get("group", "")}": should be a domain with '
                "at least one dot",
                "field": "spec.group",
            }
        )
    storage = [v for v in spec.get("versions") or [] if v.get("storage")]
    if len(storage) != 1:
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: {json.dumps(spec.get('versions'))}: must have "
                "exactly one version marked as storage version",
                "field": "spec.versions",
            }
        )
    if causes:
        raise errors.invalid("CustomResourceDefinition", name, GROUP, causes)


def _prune(obj: Any, schema: Obj, pruned: list[str], path: str, top: bool = False) -> None:
    """Drop the fields the schema does not declare, as the API server prunes them."""
    if isinstance(obj, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(obj):
                _prune(item, items, pruned, f"{path}[{i}]")
        return
    if not isinstance(obj, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    for key in list(obj):
        if top and key in ("apiVersion", "kind", "metadata"):
            continue
        here = f"{path}.{key}" if path else key
        if props is not None and key in props:
            _prune(obj[key], props[key], pruned, here)
        elif isinstance(extra, dict):
            _prune(obj[key], extra, pruned, here)
        elif props is not None or extra is False:
            del obj[key]
            pruned.append(here)


def _json_schema(node: Any) -> Any:
    """openAPIV3Schema → JSON Schema: nullable and int-or-string spelled out, metadata free."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    out.pop("nullable", None)
    return out


_validators: dict[str, Any] = {}


def _validator(key: str) -> Any:
    if key not in _validators:
        schema = _json_schema(copy.deepcopy(json.loads(key)))
        props = schema.setdefault("properties", {})
        props["metadata"] = {"type": "object"}  # ObjectMeta is the server's to check
        _validators[key] = jsonschema.validators.Draft4Validator(schema)
    return _validators[key]


_JSON_TYPES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _field(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _cause(err: Any) -> Obj:
    """kube-openapi's validation errors (k8s.io/kube-openapi/pkg/validation/errors)."""
    field = _field(err.absolute_path)
    value = err.instance
    shown = (
        json.dumps(value)
        if not isinstance(value, dict | list)
        else '"' + type(value).__name__ + '"'
    )
    kind = err.validator
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else "?"
        return {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": f"{field}.{name}" if field else name,
        }
    if kind == "type":
        actual = _JSON_TYPES.get(type(value), "object")
        want = err.validator_value
        want = want if isinstance(want, str) else want[0]
        return {
            "reason": "FieldValueTypeInvalid",
            "message": f'Invalid value: "{actual}": {field} in body must be of type {want}: '
            f'"{actual}"',
            "field": field,
        }
    if kind == "enum":
        supported = ", ".join(json.dumps(v) for v in err.validator_value)
        return {
            "reason": "FieldValueNotSupported",
            "message": f"Unsupported value: {shown}: supported values: {supported}",
            "field": field,
        }
    messages = {
        "pattern": f"{field} in body should match '{err.validator_value}'",
        "minimum": f"{field} in body should be greater than or equal to {err.validator_value}",
        "maximum": f"{field} in body should be less than or equal to {err.validator_value}",
        "minItems": f"{field} in body should have at least {err.validator_value} items",
        "maxItems": f"{field} in body should have at most {err.validator_value} items",
        "minLength": f"{field} in body should be at least {err.validator_value} chars long",
        "maxLength": f"{field} in body may not be longer than {err.validator_value}",
        "minProperties": f"{field} in body should have at least {err.validator_value} properties",
        "maxProperties": f"{field} in body should have at most {err.validator_value} properties",
    }
    detail = messages.get(kind, err.message)
    if kind in ("minItems", "maxItems", "minProperties", "maxProperties"):
        shown = str(len(value))  # kube-openapi shows the count, not the value
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {shown}: {detail}",
        "field": field,
    }
