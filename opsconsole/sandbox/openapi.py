"""A minimal OpenAPI v3 index, enough for kubectl to know the server validates fields itself.

`kubectl apply/create -f` first asks /openapi/v3 whether the PATCH/POST operations of a kind
accept `fieldValidation`; if so it leaves validation to the server (the sandbox validates
strictly), otherwise it wants the full OpenAPI v2 document, which the sandbox does not have.
"""

from __future__ import annotations

import hashlib
from typing import Any

from opsconsole.sandbox.resources import RESOURCES, ResourceType

Obj = dict[str, Any]


def _prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _versions() -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for rt in RESOURCES:
        if (rt.group, rt.version) not in seen:
            seen.append((rt.group, rt.version))
    return seen


def root() -> Obj:
    paths = {}
    for group, version in _versions():
        prefix = _prefix(group, version)
        digest = hashlib.sha256(prefix.encode()).hexdigest()[:16].upper()
        paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    return {"paths": paths}


def _operation(rt: ResourceType, verb: str) -> Obj:
    params = [
        {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        for name in ("dryRun", "fieldManager", "fieldValidation")
    ]
    return {
        "operationId": f"{verb}{rt.kind}",
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": {
            "group": rt.group,
            "version": rt.version,
            "kind": rt.kind,
        },
    }


def group_version(path: str) -> Obj | None:
    for group, version in _versions():
        if _prefix(group, version) != path.strip("/"):
            continue
        paths: Obj = {}
        for rt in RESOURCES:
            if (rt.group, rt.version) != (group, version):
                continue
            base = f"/{path.strip('/')}"
            base += f"/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"/{rt.plural}"
            paths[base] = {"post": _operation(rt, "post")}
            paths[base + "/{name}"] = {
                "put": _operation(rt, "put"),
                "patch": _operation(rt, "patch"),
            }
        return {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v1.37.0"},
            "paths": paths,
            "components": {"schemas": {}},
        }
    return None
