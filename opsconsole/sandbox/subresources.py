"""The scale and log subresources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from opsconsole.sandbox import errors
from opsconsole.sandbox.httputil import Obj, Target, dry_run, json_response, storage_type, truthy
from opsconsole.sandbox.logs import LogRequest, follow_lines, render_lines
from opsconsole.sandbox.resources import preferred
from opsconsole.sandbox.selectors import selector_from_match
from opsconsole.sandbox.store import clone

if TYPE_CHECKING:
    from opsconsole.sandbox.api import Api


def _scale_of(obj: Obj) -> Obj:
    meta = obj["metadata"]
    sel = selector_from_match(obj["spec"].get("selector"))
    selector = ",".join(
        f"{r.key}={next(iter(r.values))}"
        if r.op == "="
        else f"{r.key} {r.op} ({','.join(sorted(r.values))})"
        for r in sel
    )
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": obj["spec"].get("replicas", 0)},
        "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": selector},
    }


async def scale(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    rt = storage_type(t.rt)
    assert t.name is not None
    current = api.store.must_get(rt, t.namespace or "", t.name)
    scale = _scale_of(current)
    if request.method == "GET":
        return json_response(scale)
    body = await api.body(request)
    if request.method == "PUT":
        new_scale = body
    elif request.method == "PATCH":
        new_scale = api.apply_patch(request, scale, body)
    else:
        raise errors.method_not_allowed(request.method)
    try:
        replicas = int(new_scale["spec"]["replicas"])
    except (KeyError, TypeError, ValueError):
        raise errors.invalid(
            "Scale",
            t.name,
            "autoscaling",
            [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value",
                    "field": "spec.replicas",
                }
            ],
        ) from None
    if replicas < 0:
        raise errors.invalid(
            "Scale",
            t.name,
            "autoscaling",
            [
                {
                    "reason": "FieldValueInvalid",
                    "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                    "field": "spec.replicas",
                }
            ],
        )
    obj = clone(current)
    obj["spec"]["replicas"] = replicas
    want = (new_scale.get("metadata") or {}).get("resourceVersion")
    obj["metadata"]["resourceVersion"] = want or current["metadata"]["resourceVersion"]
    api.record_manager(request, t, current, obj)  # the manager owns spec.replicas, via "scale"
    updated = api.store.update(rt, obj, dry_run=dry_run(request))
    return json_response(_scale_of(updated))


async def connect(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    """exec, attach and portforward: there is no container to connect to, and we say so.

    400 with a Status, as a real server answers a connection it cannot upgrade; kubectl prints
    it as `Error from server (BadRequest): …`.
    """
    assert t.name is not None
    assert t.sub is not None
    if request.method not in ("GET", "POST"):
        raise errors.method_not_allowed(request.method)
    pod = api.store.must_get(preferred("", "pods"), t.namespace or "", t.name)
    what = {"exec": "exec into", "attach": "attach to", "portforward": "forward ports to"}[t.sub]
    raise errors.bad_request(
        f"the sandbox cluster runs no containers: cannot {what} pod "
        f'"{pod["metadata"]["name"]}" in namespace "{t.namespace}" (exec, attach and '
        "port-forward need a real cluster)"
    )


async def logs(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    assert t.name is not None
    pod = api.store.must_get(preferred("", "pods"), t.namespace or "", t.name)
    q = request.query
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    container = q.get("container") or ""
    if not container:
        if len(containers) != 1:
            raise errors.bad_request(
                f"a container name must be specified for pod {t.name}, choose one of: "
                f"[{' '.join(containers)}]"
            )
        container = containers[0]
    if container not in containers + [c["name"] for c in pod["spec"].get("initContainers") or []]:
        raise errors.bad_request(f"container {container} is not valid for pod {t.name}")

    def num(key: str) -> int | None:
        try:
            return int(q[key]) if q.get(key) else None
        except ValueError:
            raise errors.bad_request(f"{key} must be an integer") from None

    req = LogRequest(
        container=container,
        tail=num("tailLines"),
        since=num("sinceSeconds"),
        timestamps=truthy(q.get("timestamps")),
        previous=truthy(q.get("previous")),
        limit_bytes=num("limitBytes"),
    )
    lines = render_lines(pod, req)
    if not truthy(q.get("follow")):
        return web.Response(text="".join(lines), content_type="text/plain")
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await resp.prepare(request)
    for line in lines:
        await resp.write(line.encode())
    pods = preferred("", "pods")
    async for line in follow_lines(
        pod, req, lambda: api.store.get(pods, t.namespace or "", t.name or "")
    ):
        if api.shutting_down:
            break
        await resp.write(line.encode())
    return resp
