"""Server-side apply and managedFields, after sigs.k8s.io/structured-merge-diff.

Every write through the API records its field manager in `metadata.managedFields`
(`operation: Update` for create/update/patch, with the manager from `fieldManager` or the
User-Agent's prefix, as the API server does); an apply patch (`application/apply-patch+yaml`)
merges the applied configuration into the live object, owns exactly the fields it sent,
conflicts (409) on fields another manager owns with a different value unless `force=true`,
and removes the fields it applied last time and no longer sends, unless another manager
owns them.

Field sets are kept as sets of paths whose elements are the fieldsV1 keys (`f:spec`,
`k:{"name":"web"}`, `v:"x"`). The schema knowledge structured-merge-diff takes from the
OpenAPI is reduced here to the tables below: which lists are maps keyed by which fields,
which lists are sets, which objects are atomic, which maps carry their own membership (`.`).
"""

from __future__ import annotations

import json
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.store import clone, now_iso

Obj = dict[str, Any]
Path = tuple[str, ...]
FieldSet = set[Path]
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"

# listType=map lists and their keys (the Kubernetes Go types' +listMapKey markers).
LIST_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "conditions": ("type",),
    "hostAliases": ("ip",),
    "ownerReferences": ("uid",),
    "topologySpreadConstraints": ("topologyKey", "whenUnsatisfiable"),
    "resourceClaims": ("name",),
    "readinessGates": ("conditionType",),
    "containerStatuses": ("name",),
    "initContainerStatuses": ("name",),
}
# listType=set lists of scalars.
SET_LISTS = {"finalizers"}
# Maps of free-form keys: the map itself is a member (`.`) besides its keys.
MAP_FIELDS = {
    "labels",
    "annotations",
    "matchLabels",
    "nodeSelector",
    "data",
    "binaryData",
    "stringData",
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "used",
    "parameters",
}
# Never owned: identity and bookkeeping (fieldmanager's stripMetaManager).
STRIPPED: set[Path] = {
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata",),
    ("f:metadata", "f:name"),
    ("f:metadata", "f:namespace"),
    ("f:metadata", "f:creationTimestamp"),
    ("f:metadata", "f:selfLink"),
    ("f:metadata", "f:uid"),
    ("f:metadata", "f:clusterName"),
    ("f:metadata", "f:generation"),
    ("f:metadata", "f:managedFields"),
    ("f:metadata", "f:resourceVersion"),
    ("f:metadata", "f:deletionTimestamp"),
    ("f:metadata", "f:deletionGracePeriodSeconds"),
}
_MISSING = object()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _keys_of(field: str, items: list[Any]) -> tuple[str, ...] | None:
    if field == "ports":
        # Container ports are keyed by containerPort and protocol, Service ports by port.
        if any(isinstance(i, dict) and "containerPort" in i for i in items):
            return ("containerPort", "protocol")
        return ("port", "protocol")
    return LIST_KEYS.get(field)


def _item_key(keys: tuple[str, ...], item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    values: Obj = {}
    for k in keys:
        if k in item:
            values[k] = item[k]
        elif k == "protocol":
            values[k] = "TCP"  # the default structured-merge-diff keys by
        elif k == "whenUnsatisfiable":
            continue
        else:
            return None
    return "k:" + _dumps(values)


def _atomic(field: str, value: Any) -> bool:
    # metav1.LabelSelector is +structType=atomic.
    return field in ("selector", "labelSelector", "namespaceSelector") and (
        isinstance(value, dict) and ("matchLabels" in value or "matchExpressions" in value)
    )


# -- field sets ------------------------------------------------------------------------------


def _walk(value: Any, field: str, prefix: Path, out: FieldSet) -> None:
    if isinstance(value, dict) and value and not _atomic(field, value):
        if field in MAP_FIELDS:
            out.add(prefix)
        for k, v in value.items():
            if v is not None:
                _walk(v, k, (*prefix, f"f:{k}"), out)
        return
    if isinstance(value, list) and value:
        if field in SET_LISTS and all(not isinstance(i, dict | list) for i in value):
            for item in value:
                out.add((*prefix, "v:" + _dumps(item)))
            return
        keys = _keys_of(field, value)
        if keys is not None:
            pes = [_item_key(keys, i) for i in value]
            if all(pes):
                for pe, item in zip(pes, value, strict=True):
                    assert pe is not None
                    out.add((*prefix, pe))
                    _walk_item(item, (*prefix, pe), out)
                return
    out.add(prefix)


def _walk_item(item: Obj, prefix: Path, out: FieldSet) -> None:
    for k, v in item.items():
        if v is not None:
            _walk(v, k, (*prefix, f"f:{k}"), out)


def field_set(obj: Obj, sub: str | None = None, has_status: bool = True) -> FieldSet:
    """The fields an object sets, minus what nobody owns; `sub` limits it to a subresource."""
    out: FieldSet = set()
    for k, v in obj.items():
        if v is not None:
            _walk(v, k, (f"f:{k}",), out)
    out = {p for p in out if p not in STRIPPED}
    if sub == "status":
        return {p for p in out if p[0] == "f:status"}
    if sub == "scale":
        return {p for p in out if p[:2] == ("f:spec", "f:replicas")}
    if has_status:
        out = {p for p in out if p[0] != "f:status"}
    return out


def to_fields_v1(fields: FieldSet) -> Obj:
    tree: Obj = {}
    for path in fields:
        node = tree
        for pe in path:
            node = node.setdefault(pe, {})
    for path in fields:
        node = tree
        for pe in path:
            node = node[pe]
        if node:
            node["."] = {}
    return tree


def from_fields_v1(tree: Any, prefix: Path = ()) -> FieldSet:
    out: FieldSet = set()
    if not isinstance(tree, dict):
        return out
    for key, child in tree.items():
        if key == ".":
            out.add(prefix)
        elif isinstance(child, dict) and child:
            out |= from_fields_v1(child, (*prefix, key))
        else:
            out.add((*prefix, key))
    return out


def path_string(path: Path) -> str:
    """fieldpath.Path.String(): `.spec.template.spec.containers[name="web"].image`."""
    parts = []
    for pe in path:
        kind, rest = pe[:1], pe[2:]
        if kind == "f":
            parts.append("." + rest)
        elif kind == "k":
            keys = json.loads(rest)
            parts.append("[" + ",".join(f"{k}={_to_string(v)}" for k, v in keys.items()) + "]")
        elif kind == "v":
            parts.append(f"[={_to_string(json.loads(rest))}]")
        else:
            parts.append(f"[{rest}]")
    return "".join(parts)


def _to_string(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else _dumps(value)


def value_at(obj: Any, path: Path) -> Any:
    cur = obj
    for pe in path:
        kind, rest = pe[:1], pe[2:]
        if kind == "f":
            if not isinstance(cur, dict) or rest not in cur:
                return _MISSING
            cur = cur[rest]
        elif kind == "k":
            want = json.loads(rest)
            if not isinstance(cur, list):
                return _MISSING
            cur = next((i for i in cur if _matches(i, want)), _MISSING)
            if cur is _MISSING:
                return _MISSING
        elif kind == "v":
            want = json.loads(rest)
            return want if isinstance(cur, list) and want in cur else _MISSING
        else:
            return _MISSING
    return cur


def _matches(item: Any, want: Obj) -> bool:
    if not isinstance(item, dict):
        return False
    for k, v in want.items():
        got = item.get(k, "TCP" if k == "protocol" else _MISSING)
        if got != v:
            return False
    return True


def _changed(old: Any, new: Any, fields: FieldSet) -> FieldSet:
    """Fields of `fields` added or modified from old to new (leaves by value, nodes if new)."""
    nodes = {p[:i] for p in fields for i in range(1, len(p))}
    out: FieldSet = set()
    for p in fields:
        was = value_at(old, p)
        if was is _MISSING or (p not in nodes and was != value_at(new, p)):
            out.add(p)
    return out


# -- managedFields entries -------------------------------------------------------------------


class Entry:
    def __init__(self, raw: Obj) -> None:
        self.manager = str(raw.get("manager", ""))
        self.operation = str(raw.get("operation", "Update"))
        self.api_version = str(raw.get("apiVersion", ""))
        self.time = raw.get("time")
        self.subresource = str(raw.get("subresource", ""))
        self.fields = from_fields_v1(raw.get("fieldsV1") or {})

    def ident(self) -> tuple[str, str, str, str]:
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """printManager() of k8s.io/apimachinery's managedfields/internal/conflict.go."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            return f"{text} using {self.api_version}"
        return text

    def encode(self) -> Obj:
        out: Obj = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def _entries(obj: Obj | None) -> list[Entry]:
    if obj is None:
        return []
    raw = obj.get("metadata", {}).get("managedFields") or []
    return [Entry(e) for e in raw if isinstance(e, dict)]


def _entry(entries: list[Entry], ident: tuple[str, str, str, str], api_version: str) -> Entry:
    for e in entries:
        if e.ident() == ident:
            e.api_version = api_version
            return e
    e = Entry(
        {
            "manager": ident[0],
            "operation": ident[1],
            "apiVersion": api_version,
            "subresource": ident[3],
        }
    )
    entries.append(e)
    return e


def _store(obj: Obj, entries: list[Entry]) -> None:
    kept = [e.encode() for e in entries if e.fields]
    if kept:
        obj["metadata"]["managedFields"] = kept
    else:
        obj["metadata"].pop("managedFields", None)


def _without_managed(obj: Obj) -> Obj:
    meta = {
        k: v
        for k, v in obj.get("metadata", {}).items()
        if k not in ("managedFields", "resourceVersion")
    }
    return {**obj, "metadata": meta}


def manager_name(field_manager: str | None, user_agent: str) -> str:
    """managerOrUserAgent(): the fieldManager, else the User-Agent before its first `/`."""
    if field_manager:
        return field_manager
    prefix = user_agent.split("/")[0]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in prefix)[:128]


def record_update(
    old: Obj | None,
    new: Obj,
    manager: str,
    api_version: str,
    sub: str | None = None,
    has_status: bool = True,
) -> None:
    """Record an Update by `manager` in new's managedFields (in place), as Updater.Update does:
    it owns what it added or changed; what it removed leaves every manager's set."""
    if (
        old is not None
        and not new["metadata"].get("managedFields")
        and old["metadata"].get("managedFields")
    ):
        new["metadata"]["managedFields"] = clone(old["metadata"]["managedFields"])
    if old is not None and _without_managed(old) == _without_managed(new):
        return  # a no-op write changes no ownership (and keeps its resourceVersion)
    entries = _entries(new)
    new_fields = field_set(new, sub, has_status)
    old_fields = field_set(old, sub, has_status) if old is not None else set()
    changed = _changed(old, new, new_fields)
    removed = old_fields - new_fields
    mine = _entry(entries, (manager, "Update", api_version, sub or ""), api_version)
    for e in entries:
        e.fields -= removed
        if e is not mine:
            e.fields -= changed
    mine.fields |= changed
    if changed or removed:
        mine.time = now_iso()
    _store(new, entries)


# -- apply -----------------------------------------------------------------------------------


def conflict_error(conflicts: list[tuple[Entry, Path]]) -> errors.ApiError:
    conflicts.sort(key=lambda c: (c[0].ident(), path_string(c[1])))
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {e.describe()}",
            "field": path_string(p),
        }
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        e, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {e.describe()}: {path_string(p)}"
    else:
        lines: list[str] = []
        seen: list[str] = []
        by_manager: dict[str, list[str]] = {}
        for e, p in conflicts:
            d = e.describe()
            if d not in by_manager:
                seen.append(d)
            by_manager.setdefault(d, []).append(path_string(p))
        for d in seen:
            lines.append(f"conflicts with {d}:")
            lines += [f"- {p}" for p in by_manager[d]]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.ApiError(409, message, "Conflict", {"causes": causes})


def merge(live: Any, config: Any, field: str = "") -> Any:
    """The applied configuration merged into the live value (structured-merge-diff Merge)."""
    if isinstance(config, dict) and isinstance(live, dict) and not _atomic(field, config):
        out = clone(live)
        for k, v in config.items():
            if v is None:
                continue
            out[k] = merge(live.get(k, _MISSING), v, k)
        return out
    if isinstance(config, list) and isinstance(live, list):
        if field in SET_LISTS:
            return clone(live) + [clone(i) for i in config if i not in live]
        keys = _keys_of(field, live + config)
        if keys is not None and all(_item_key(keys, i) for i in live + config):
            out_list = [clone(i) for i in live]
            for item in config:
                pe = _item_key(keys, item)
                idx = next((n for n, c in enumerate(out_list) if _item_key(keys, c) == pe), None)
                if idx is None:
                    out_list.append(clone(item))
                else:
                    out_list[idx] = merge(out_list[idx], item)
            return out_list
    return clone(config)


def _remove(obj: Any, path: Path) -> None:
    parent = value_at(obj, path[:-1]) if len(path) > 1 else obj
    pe = path[-1]
    kind, rest = pe[:1], pe[2:]
    if kind == "f" and isinstance(parent, dict):
        parent.pop(rest, None)
    elif kind == "k" and isinstance(parent, list):
        want = json.loads(rest)
        parent[:] = [i for i in parent if not _matches(i, want)]
    elif kind == "v" and isinstance(parent, list):
        value = json.loads(rest)
        parent[:] = [i for i in parent if i != value]


def apply(
    live: Obj | None,
    config: Any,
    manager: str,
    force: bool,
    api_version: str,
    has_status: bool = True,
    sub: str | None = None,
) -> Obj:
    """The object after `manager` applies `config` to `live` (None: it is being created);
    `sub` is the subresource applied to (`status`), whose fields alone count."""
    if not isinstance(config, dict):
        raise errors.bad_request("the apply patch must be an object")
    if (config.get("metadata") or {}).get("managedFields") is not None:
        raise errors.bad_request("metadata.managedFields must be nil")
    applied = field_set(config, sub, has_status)
    entries = _entries(live)
    ident = (manager, "Apply", "", sub or "")
    last = next((e for e in entries if e.ident() == ident), None)
    last_fields = set(last.fields) if last is not None else set()
    base = clone(live) if live is not None else {"metadata": {}}
    merged: Obj = merge(base, config)
    changed = _changed(live, merged, applied) if live is not None else set(applied)
    conflicts = [(e, p) for e in entries if e.ident() != ident for p in sorted(e.fields & changed)]
    if conflicts and not force:
        raise conflict_error(conflicts)
    for e in entries:
        if e.ident() != ident:
            e.fields -= changed
    mine = _entry(entries, ident, api_version)
    mine.fields = applied
    mine.time = now_iso()
    # Prune what this manager applied last time and no longer does, unless someone owns it.
    owned: FieldSet = set().union(*(e.fields for e in entries))
    removed: list[Path] = []
    for p in sorted(last_fields - applied, key=len):
        if any(p[: len(r)] == r for r in removed):
            continue
        if any(o[: len(p)] == p for o in owned):
            continue
        _remove(merged, p)
        removed.append(p)
        # A map or list emptied by the pruning goes too, unless it is owned itself.
        parent = p[:-1]
        while len(parent) > 1 and parent not in owned and value_at(merged, parent) in ({}, []):
            _remove(merged, parent)
            parent = parent[:-1]
    merged.setdefault("metadata", {})
    before = {e.ident(): e.fields for e in _entries(live)}
    if (
        live is not None
        and _without_managed(merged) == _without_managed(live)
        and before == {e.ident(): e.fields for e in entries if e.fields}
    ):
        unchanged: Obj = clone(live)  # a no-op apply: nothing changes, not even the time
        return unchanged
    _store(merged, entries)
    return merged
