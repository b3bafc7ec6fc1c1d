"""The Kubernetes REST API on aiohttp: routing and the verbs (watch and subresources aside)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import uuid
from typing import Any

import yaml
from aiohttp import web

from opsconsole.sandbox import (
    apply,
    auth,
    convert,
    crds,
    defaults,
    errors,
    eviction,
    gc,
    metrics_api,
    patch,
    protobuf,
    rbac,
    schema,
    subresources,
    tables,
    tokens,
    validation,
    watching,
)
from opsconsole.sandbox.httputil import (
    JSON,
    Obj,
    Target,
    dry_run,
    dumps,
    json_response,
    present,
    storage_type,
    truthy,
)
from opsconsole.sandbox.resources import (
    ResourceType,
    api_group_doc,
    api_group_list_doc,
    api_versions_doc,
    by_path,
    preferred,
    resource_list_doc,
)
from opsconsole.sandbox.selectors import parse_fields, parse_labels
from opsconsole.sandbox.store import Change, Store, clone

SERVER_VERSION: Obj = {
    "major": "1",
    "minor": "37",
    "gitVersion": "v1.37.0-sandbox",
    "gitCommit": "sandbox",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class Api:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.watch_tasks: set[asyncio.Queue[Change | None]] = set()
        self.shutting_down = False

    # -- routing ----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        if parts == ["version"]:
            return json_response(SERVER_VERSION)
        if parts == ["api"]:
            return json_response(api_versions_doc())
        if parts == ["apis"]:
            return json_response(api_group_list_doc())
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 2:
            if len(parts) == 2:
                doc = api_group_doc(parts[1])
                if doc is None:
                    raise errors.ApiError(404, "the server could not find the requested resource")
                return json_response(doc)
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise errors.ApiError(404, "the server could not find the requested resource")
        if group in auth.REVIEW_GROUPS and rest:
            return await auth.review(self.store, request, group, version, rest)
        if group == "metrics.k8s.io":
            return self._resource_metrics(request, version, rest)
        if not rest:
            doc = resource_list_doc(group, version)
            if doc is None:
                raise errors.ApiError(404, "the server could not find the requested resource")
            return json_response(doc)
        target = self._target(group, version, rest)
        crds.FIELD_VALIDATION.set(request.query.get("fieldValidation", ""))
        return await self._dispatch(request, target)

    def _resource_metrics(
        self, request: web.Request, version: str, rest: list[str]
    ) -> web.StreamResponse:
        """metrics.k8s.io: node and pod usage for `kubectl top`, read-only."""
        if version != "v1beta1" or request.method != "GET":
            raise errors.ApiError(404, "the server could not find the requested resource")
        if not rest:
            return json_response(metrics_api.resource_list())
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        name = rest[1] if len(rest) == 2 else None
        if rest[0] == "pods" and len(rest) <= 2:
            selector = request.query.get("labelSelector")
            return json_response(metrics_api.pods(self.store, namespace, name, selector))
        if rest[0] == "nodes" and len(rest) <= 2 and namespace is None:
            return json_response(metrics_api.nodes(self.store, name))
        raise errors.ApiError(404, "the server could not find the requested resource")

    def _target(self, group: str, version: str, rest: list[str]) -> Target:
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            inner = by_path(group, version, rest[2])
            if inner is not None and inner.namespaced:
                namespace, rest = rest[1], rest[2:]
        rt = by_path(group, version, rest[0])
        if rt is None or len(rest) > 3:
            raise errors.ApiError(404, "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and sub not in rt.subresources:
            raise errors.ApiError(404, "the server could not find the requested resource")
        if rt.namespaced and name is not None and namespace is None:
            raise errors.ApiError(404, "the server could not find the requested resource")
        return Target(rt, namespace, name, sub)

    async def _dispatch(self, request: web.Request, t: Target) -> web.StreamResponse:
        method = request.method
        q = request.query
        if t.sub == "log":
            if method != "GET":
                raise errors.method_not_allowed(method)
            return await subresources.logs(self, request, t)
        if t.sub == "scale":
            return await subresources.scale(self, request, t)
        if t.sub in ("exec", "attach", "portforward"):
            return await subresources.connect(self, request, t)
        if t.sub == "eviction":
            return await eviction.evict(self, request, t)
        if t.sub == "token":
            return await tokens.create_token(self, request, t)
        if t.name is None:
            if method == "GET":
                if truthy(q.get("watch")):
                    return await watching.watch(self, request, t)
                return self.list_objects(request, t)
            if method == "POST":
                return await self.create(request, t)
            if method == "DELETE":
                return await self.delete_collection(request, t)
            raise errors.method_not_allowed(method)
        if method == "GET":
            obj = self.store.must_get(storage_type(t.rt), t.namespace or "", t.name)
            if "as=Table" in request.headers.get("Accept", ""):
                meta = {"resourceVersion": obj["metadata"]["resourceVersion"]}
                include = request.query.get("includeObject", "Metadata")
                rows = [present(t.rt, obj)]
                return json_response(tables.table(t.rt.kind, rows, meta, include))
            return json_response(present(t.rt, obj))
        if method == "PUT":
            return await self.replace(request, t)
        if method == "PATCH":
            return await self.patch(request, t)
        if method == "DELETE":
            return await self.delete(request, t)
        raise errors.method_not_allowed(method)

    # -- helpers ----------------------------------------------------------------------------

    async def body(self, request: web.Request, namespace: str | None = None) -> Any:
        raw = await request.read()
        if "protobuf" in (request.content_type or ""):
            return self._from_protobuf(raw, namespace or "")
        if not raw:
            raise errors.bad_request("the request body is empty")
        try:
            if "yaml" in (request.content_type or ""):
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"the request body is not valid: {exc}") from None

    def _from_protobuf(self, raw: bytes, namespace: str) -> Obj:
        """kubectl's typed clients send protobuf; protobuf.py decodes it by k8s.io/api."""
        decoded = protobuf.decode(raw)
        meta = decoded.setdefault("metadata", {})
        if namespace:
            meta["namespace"] = meta.get("namespace") or namespace
        return decoded

    def _prepare(self, rt: ResourceType, t: Target, obj: Any, creating: bool) -> Obj:
        if not isinstance(obj, dict):
            raise errors.bad_request("the request body must be a JSON object")
        if rt.group == "events.k8s.io":
            obj = convert.from_events_v1(obj)
            rt = preferred("", "events")
        elif rt.group == "autoscaling" and rt.version == "v1" and isinstance(obj, dict):
            obj = convert.hpa_from_v1(obj)
            rt = preferred("autoscaling", "horizontalpodautoscalers")
        if obj.get("kind") not in (None, rt.kind) or obj.get("apiVersion") not in (
            None,
            rt.api_version,
            t.rt.api_version,
        ):
            raise errors.bad_request(
                f"the API version in the data ({obj.get('apiVersion')}) does not match the "
                f"expected API version ({t.rt.api_version})"
            )
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        if rt.namespaced:
            if meta.get("namespace") and t.namespace and meta["namespace"] != t.namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = t.namespace or meta.get("namespace") or "default"
        if t.name is not None and meta.get("name") not in (None, t.name):
            raise errors.bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the "
                f"URL ({t.name})"
            )
        if t.name is not None:
            meta["name"] = t.name
        if creating:
            for key in (
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "deletionTimestamp",
                "generation",
            ):
                meta.pop(key, None)
            if rt.kind == "Job":
                meta["uid"] = str(uuid.uuid4())  # the defaulted selector needs it
                defaults.job_selector(obj)
        validation.decode(rt, obj)
        defaults.apply(rt.kind, obj)
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if t.sub == "status":  # a status write leaves the spec as it is
            schema.validate(rt, obj)
            status_write: Obj = obj
            return status_write
        old = (
            None
            if creating
            else self.store.get(storage_type(rt), meta.get("namespace", ""), meta["name"])
        )
        try:
            schema.validate(rt, obj)
        except errors.ApiError as exc:
            raise validation.with_schema_errors(rt, obj, old, exc) from None
        validation.check(rt, obj, old)
        crds.validate(rt, obj)
        rbac.confirm_no_escalation(self.store, rt.kind, obj)
        prepared: Obj = obj
        return prepared

    def _ns_exists(self, rt: ResourceType, ns: str) -> None:
        if rt.namespaced and self.store.get(preferred("", "namespaces"), "", ns) is None:
            raise errors.not_found("namespaces", ns)

    # -- verbs ------------------------------------------------------------------------------

    def list_objects(self, request: web.Request, t: Target) -> web.StreamResponse:
        q = request.query
        rt = storage_type(t.rt)
        labels = parse_labels(q.get("labelSelector"))
        fields = parse_fields(q.get("fieldSelector"), rt.kind)
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise errors.bad_request("limit must be an integer") from None
        start = None
        token = q.get("continue")
        if token:
            start = self._decode_continue(token)
        page = self.store.query(rt, t.namespace, labels, fields, limit, start)
        meta: Obj = {"resourceVersion": str(page.rv)}
        if page.next_key is not None:
            meta["continue"] = self._encode_continue(page.rv, page.next_key)
            if page.remaining is not None:
                meta["remainingItemCount"] = page.remaining
        accept = request.headers.get("Accept", "")
        if "as=Table" in accept:
            include = q.get("includeObject", "Metadata")
            items = [present(t.rt, o) for o in page.items]
            return json_response(tables.table(rt.kind, items, meta, include))
        if t.rt != rt:  # another version than the stored one (events.k8s.io, autoscaling/v1)
            encoded = [dumps(present(t.rt, o)) for o in page.items]
        else:
            encoded = [self.store.encode(rt, o) for o in page.items]
        head = dumps({"kind": t.rt.list_kind, "apiVersion": t.rt.api_version, "metadata": meta})
        # Splice the cached item JSON into the envelope instead of encoding it all again.
        text = head[:-1] + ',"items":[' + ",".join(encoded) + "]}"
        return web.Response(text=text, content_type=JSON)

    def _encode_continue(self, rv: int, key: tuple[str, str]) -> str:
        raw = dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(key)})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def _decode_continue(self, token: str) -> tuple[str, str]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            rv, (ns, name) = int(data["rv"]), data["start"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise errors.bad_request("continue key is not valid") from None
        if rv < self.store.compacted_rv:
            raise errors.gone(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter."
            )
        return (str(ns), str(name))

    async def create(self, request: web.Request, t: Target) -> web.StreamResponse:
        if t.sub is not None:
            raise errors.method_not_allowed("POST")
        rt = storage_type(t.rt)
        obj = self._prepare(t.rt, t, await self.body(request, t.namespace), creating=True)
        if rt.namespaced:
            self._ns_exists(rt, obj["metadata"]["namespace"])
        if rt.kind in (
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "HorizontalPodAutoscaler",
        ):
            # The status subresource owns it; Go's non-omitempty fields are still there.
            obj["status"] = {
                "StatefulSet": {"replicas": 0},
                "DaemonSet": {
                    "currentNumberScheduled": 0,
                    "numberMisscheduled": 0,
                    "desiredNumberScheduled": 0,
                    "numberReady": 0,
                },
                "HorizontalPodAutoscaler": {"currentReplicas": 0, "desiredReplicas": 0},
            }.get(rt.kind, {})
        self.record_manager(request, t, None, obj)
        created = self.store.create(rt, obj, dry_run=dry_run(request))
        return json_response(present(t.rt, created), 201)

    def record_manager(self, request: web.Request, t: Target, old: Obj | None, new: Obj) -> None:
        """managedFields: an Update by the request's field manager (see apply.py)."""
        manager = apply.manager_name(
            request.query.get("fieldManager"), request.headers.get("User-Agent", "")
        )
        has_status = "status" in storage_type(t.rt).subresources
        apply.record_update(old, new, manager, t.rt.api_version, t.sub, has_status)

    async def _write(
        self, request: web.Request, t: Target, new: Obj, current: Obj, record: bool = True
    ) -> Obj:
        rt = storage_type(t.rt)
        if t.sub == "status":
            merged = clone(current)
            merged["status"] = new.get("status", {})
            if new["metadata"].get("resourceVersion"):
                merged["metadata"]["resourceVersion"] = new["metadata"]["resourceVersion"]
            if not record and "managedFields" in new["metadata"]:
                merged["metadata"]["managedFields"] = new["metadata"]["managedFields"]  # apply
            new = merged
        elif "status" in rt.subresources:
            new["status"] = clone(current.get("status", {}))
        if record:
            self.record_manager(request, t, current, new)
        return self.store.update(rt, new, dry_run=dry_run(request))

    async def replace(self, request: web.Request, t: Target) -> web.StreamResponse:
        rt = storage_type(t.rt)
        assert t.name is not None
        new = self._prepare(t.rt, t, await self.body(request), creating=False)
        current = self.store.must_get(rt, t.namespace or "", t.name)
        updated = await self._write(request, t, new, current)
        return json_response(present(t.rt, updated))

    def apply_patch(self, request: web.Request, current: Obj, body: Any) -> Any:
        ctype = request.content_type
        if ctype == "application/json-patch+json":
            return patch.json_patch(current, body)
        if ctype == "application/merge-patch+json":
            return patch.merge_patch(current, body)
        if ctype == apply.APPLY_CONTENT_TYPE:
            return patch.merge_patch(current, body)  # the scale subresource's apply
        if ctype == "application/strategic-merge-patch+json":
            return patch.strategic_merge(current, body)
        raise errors.ApiError(
            415, f"the server does not support the patch type {ctype!r}", "UnsupportedMediaType"
        )

    async def patch(self, request: web.Request, t: Target) -> web.StreamResponse:
        rt = storage_type(t.rt)
        assert t.name is not None
        body = await self.body(request)
        current = self.store.get(rt, t.namespace or "", t.name)
        if request.content_type == apply.APPLY_CONTENT_TYPE:
            return await self._apply(request, t, body, current)
        if current is None:
            raise errors.not_found(rt.plural, t.name, rt.group)
        view = present(t.rt, current)
        patched = self.apply_patch(request, view, body)
        names_rv = isinstance(body, dict) and body.get("metadata", {}).get("resourceVersion")
        json_patch = request.content_type == "application/json-patch+json"
        if not json_patch and isinstance(patched, dict) and not names_rv:
            # A patch that names no resourceVersion applies to whatever is current.
            patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
                "resourceVersion"
            ]
        new = self._prepare(t.rt, t, patched, creating=False)
        updated = await self._write(request, t, new, current)
        return json_response(present(t.rt, updated))

    async def _apply(
        self, request: web.Request, t: Target, body: Any, current: Obj | None
    ) -> web.StreamResponse:
        """Server-side apply (apply.py): the field manager is required, as on a real server."""
        rt = storage_type(t.rt)
        manager = request.query.get("fieldManager", "")
        if not manager:
            raise errors.invalid(
                "PatchOptions",
                "",
                "meta.k8s.io",
                [
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value: is required for apply patch",
                        "field": "fieldManager",
                    }
                ],
            )
        if current is None and t.sub is not None:
            raise errors.not_found(rt.plural, t.name or "", rt.group)
        force = truthy(request.query.get("force"))
        has_status = "status" in rt.subresources
        view = present(t.rt, current) if current is not None else None
        merged = apply.apply(view, body, manager, force, t.rt.api_version, has_status, t.sub)
        if current is None:
            obj = self._prepare(t.rt, t, merged, creating=True)
            if rt.namespaced:
                self._ns_exists(rt, obj["metadata"]["namespace"])
            created = self.store.create(rt, obj, dry_run=dry_run(request))
            return json_response(present(t.rt, created), 201)
        names_rv = isinstance(body, dict) and (body.get("metadata") or {}).get("resourceVersion")
        if not names_rv:
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        new = self._prepare(t.rt, t, merged, creating=False)
        updated = await self._write(request, t, new, current, record=False)
        return json_response(present(t.rt, updated))

    async def delete(self, request: web.Request, t: Target) -> web.StreamResponse:
        rt = storage_type(t.rt)
        assert t.name is not None
        opts: Obj = {}
        if request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    opts = json.loads(raw)
                except ValueError:
                    raise errors.bad_request("invalid DeleteOptions") from None
        q = request.query
        propagation = q.get("propagationPolicy") or opts.get("propagationPolicy") or "Background"
        if opts.get("orphanDependents") is True or truthy(q.get("orphanDependents")):
            propagation = "Orphan"
        pre = opts.get("preconditions") or {}
        grace = opts.get("gracePeriodSeconds")
        if q.get("gracePeriodSeconds"):
            try:
                grace = int(q["gracePeriodSeconds"])
            except ValueError:
                raise errors.bad_request("gracePeriodSeconds must be an integer") from None
        dry = dry_run(request) or "All" in (opts.get("dryRun") or [])
        gone = gc.delete(
            self.store,
            rt,
            t.namespace or "",
            t.name,
            propagation,
            dry,
            pre.get("uid", ""),
            pre.get("resourceVersion", ""),
            grace if isinstance(grace, int) else None,
        )
        return json_response(present(t.rt, gone))

    async def delete_collection(self, request: web.Request, t: Target) -> web.StreamResponse:
        rt = storage_type(t.rt)
        q = request.query
        labels = parse_labels(q.get("labelSelector"))
        fields = parse_fields(q.get("fieldSelector"), rt.kind)
        page = self.store.query(rt, t.namespace, labels, fields)
        dry = dry_run(request)
        propagation = q.get("propagationPolicy") or "Background"
        deleted = []
        for obj in page.items:
            m = obj["metadata"]
            if self.store.get(rt, m.get("namespace", ""), m["name"]) is not None:
                deleted.append(
                    gc.delete(self.store, rt, m.get("namespace", ""), m["name"], propagation, dry)
                )
        return json_response(
            {
                "kind": t.rt.list_kind,
                "apiVersion": t.rt.api_version,
                "metadata": {"resourceVersion": str(self.store.rv)},
                "items": [present(t.rt, o) for o in deleted],
            }
        )

    def close_watches(self) -> None:
        self.shutting_down = True
        for q in list(self.watch_tasks):
            q.put_nowait(None)
