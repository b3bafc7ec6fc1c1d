"""The three patch formats the API server accepts: JSON patch, merge patch, strategic merge."""

from __future__ import annotations

from typing import Any

from opsconsole.sandbox.errors import ApiError, bad_request
from opsconsole.sandbox.store import clone

Obj = dict[str, Any]

# patchMergeKey of the list fields we serve (from the Kubernetes Go types). Lists not named
# here are atomic: the patch replaces them, as for args, command and tolerations.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "readinessGates": "conditionType",
}
# Lists of scalars merged as sets (patchStrategy merge on []string).
SET_LISTS = {"finalizers"}


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902."""
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    doc = clone(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid json patch operation: {op!r}")
        kind, path = op["op"], _pointer(op["path"])
        if kind == "add":
            doc = _put(doc, path, clone(op["value"]), insert=True)
        elif kind == "remove":
            doc, _ = _take(doc, path)
        elif kind == "replace":
            _get(doc, path)
            doc = _put(doc, path, clone(op["value"]), insert=False)
        elif kind == "move":
            doc, value = _take(doc, _pointer(op["from"]))
            doc = _put(doc, path, value, insert=True)
        elif kind == "copy":
            doc = _put(doc, path, clone(_get(doc, _pointer(op["from"]))), insert=True)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError(422, f"testing value {op['path']} failed", "Invalid")
        else:
            raise bad_request(f"unknown json patch operation {kind!r}")
    return doc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid json pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, path: list[str]) -> Any:
    cur = doc
    for part in path[:-1]:
        if isinstance(cur, list):
            cur = cur[_index(cur, part, False)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            raise ApiError(422, f"path /{'/'.join(path)} does not exist", "Invalid")
    return cur


def _index(lst: list[Any], part: str, insert: bool) -> int:
    if part == "-" and insert:
        return len(lst)
    try:
        i = int(part)
    except ValueError:
        raise bad_request(f"invalid list index {part!r}") from None
    if i < 0 or i > len(lst) or (i == len(lst) and not insert):
        raise ApiError(422, f"list index {i} out of range", "Invalid")
    return i


def _get(doc: Any, path: list[str]) -> Any:
    if not path:
        return doc
    parent = _parent(doc, path)
    if isinstance(parent, list):
        return parent[_index(parent, path[-1], False)]
    if not isinstance(parent, dict) or path[-1] not in parent:
        raise ApiError(422, f"path /{'/'.join(path)} does not exist", "Invalid")
    return parent[path[-1]]


def _put(doc: Any, path: list[str], value: Any, insert: bool) -> Any:
    if not path:
        return value
    parent = _parent(doc, path)
    if isinstance(parent, list):
        i = _index(parent, path[-1], insert)
        if insert:
            parent.insert(i, value)
        else:
            parent[i] = value
    elif isinstance(parent, dict):
        parent[path[-1]] = value
    else:
        raise ApiError(422, f"cannot add to /{'/'.join(path)}", "Invalid")
    return doc


def _take(doc: Any, path: list[str]) -> tuple[Any, Any]:
    value = _get(doc, path)
    parent = _parent(doc, path)
    if isinstance(parent, list):
        del parent[_index(parent, path[-1], False)]
    else:
        del parent[path[-1]]
    return doc, value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def strategic_merge(target: Any, patch: Any) -> Any:
    """Kubernetes strategic merge patch for the directives kubectl sends."""
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get("$patch") == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = clone(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k in ("$retainKeys", "$patch"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            result[field] = [x for x in result.get(field) or [] if x not in v]
            continue
        if v is None:
            result.pop(k, None)
        elif isinstance(v, list):
            current = result.get(k)
            result[k] = _merge_list(k, current if isinstance(current, list) else [], v)
        elif isinstance(v, dict):
            merged = strategic_merge(result.get(k), v)
            if merged is None:
                result.pop(k, None)
            else:
                result[k] = merged
        else:
            result[k] = clone(v)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_key(field: str, items: list[Any]) -> str | None:
    key = MERGE_KEYS.get(field)
    if field == "ports":
        # Container ports merge on containerPort, Service ports on port.
        key = (
            "containerPort"
            if any("containerPort" in i for i in items if isinstance(i, dict))
            else "port"
        )
    return key


def _merge_list(field: str, current: list[Any], patch: list[Any]) -> list[Any]:
    if field in SET_LISTS:
        return current + [x for x in patch if x not in current]
    key = _merge_key(field, current + patch)
    if key is None or not all(isinstance(i, dict) for i in current + patch):
        return [clone(i) for i in patch if not (isinstance(i, dict) and i.get("$patch"))]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [clone(i) for i in patch if i.get("$patch") != "replace"]
    result = [clone(i) for i in current]
    for item in patch:
        idx = next((n for n, c in enumerate(result) if c.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del result[idx]
        elif idx is None:
            result.append(clone(item))
        else:
            result[idx] = strategic_merge(result[idx], item)
    return result
