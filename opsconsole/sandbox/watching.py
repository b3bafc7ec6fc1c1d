"""Watch: a chunked stream of JSON events, one line each, as the API server sends them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from opsconsole.sandbox import errors, tables
from opsconsole.sandbox.httputil import JSON, Target, dumps, present, storage_type, truthy
from opsconsole.sandbox.resources import ResourceType
from opsconsole.sandbox.selectors import parse_fields, parse_labels
from opsconsole.sandbox.store import Change, Watcher

if TYPE_CHECKING:
    from opsconsole.sandbox.api import Api

BOOKMARK_SECONDS = 1.0


async def watch(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    q = request.query
    rt = storage_type(t.rt)
    labels = parse_labels(q.get("labelSelector"))
    fields = parse_fields(q.get("fieldSelector"), rt.kind)
    bookmarks = truthy(q.get("allowWatchBookmarks"))
    timeout = float(q.get("timeoutSeconds") or 1800)
    table = "as=Table" in request.headers.get("Accept", "")
    queue: asyncio.Queue[Change | None] = asyncio.Queue()
    watcher = Watcher(rt.key, t.namespace, labels, fields, queue)
    rv_param = q.get("resourceVersion")
    initial: list[Change] = []
    gone: errors.ApiError | None = None
    if rv_param in (None, "", "0") or truthy(q.get("sendInitialEvents")):
        page = api.store.query(rt, t.namespace, labels, fields)
        initial = [
            Change(int(o["metadata"]["resourceVersion"]), "ADDED", rt.key, o, None)
            for o in page.items
        ]
    else:
        try:
            initial = [
                c
                for c in api.store.changes_since(rt, int(rv_param))
                if watcher.matches(c.obj) or watcher.matches(c.old)
            ]
        except ValueError:
            raise errors.bad_request(f"invalid resourceVersion {rv_param!r}") from None
        except errors.ApiError as exc:
            gone = exc
    api.store.subscribe(watcher)
    api.watch_tasks.add(queue)
    resp = web.StreamResponse(headers={"Content-Type": JSON, "Cache-Control": "no-cache"})
    try:
        await resp.prepare(request)
        if gone is not None:
            await resp.write((dumps({"type": "ERROR", "object": gone.status()}) + "\n").encode())
            return resp
        first = True
        for change in initial:
            await _send(resp, t.rt, watcher, change, table, first)
            first = False
        if truthy(q.get("sendInitialEvents")):
            # WatchList clients (kubectl's informers) wait for this mark before going on.
            mark = {
                "type": "BOOKMARK",
                "object": {
                    "kind": t.rt.kind,
                    "apiVersion": t.rt.api_version,
                    "metadata": {
                        "resourceVersion": str(api.store.rv),
                        "annotations": {"k8s.io/initial-events-end": "true"},
                    },
                },
            }
            await resp.write((dumps(mark) + "\n").encode())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not api.shutting_down:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                item = await asyncio.wait_for(queue.get(), min(remaining, BOOKMARK_SECONDS))
            except TimeoutError:
                if bookmarks:
                    mark = {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": t.rt.kind,
                            "apiVersion": t.rt.api_version,
                            "metadata": {"resourceVersion": str(api.store.rv)},
                        },
                    }
                    await resp.write((dumps(mark) + "\n").encode())
                continue
            if item is None:
                break
            await _send(resp, t.rt, watcher, item, table, first)
            first = False
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        api.store.unsubscribe(watcher)
        api.watch_tasks.discard(queue)
    return resp


async def _send(
    resp: web.StreamResponse,
    rt: ResourceType,
    watcher: Watcher,
    change: Change,
    table: bool,
    first: bool,
) -> None:
    now_in, was_in = watcher.matches(change.obj), watcher.matches(change.old)
    kind = change.type
    if change.type == "MODIFIED":
        kind = "MODIFIED" if now_in and was_in else "ADDED" if now_in else "DELETED"
    obj = present(rt, change.obj)
    if table:
        # kubectl get -w: one-row tables, column definitions only in the first event.
        tbl = tables.table(change.obj["kind"], [obj], {"resourceVersion": str(change.rv)}, "Object")
        if not first:
            tbl["columnDefinitions"] = []
        obj = tbl
    await resp.write((dumps({"type": kind, "object": obj}) + "\n").encode())
