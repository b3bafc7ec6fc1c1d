"""The controller manager: a work queue fed by store changes, delayed work, periodic sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox import errors
from opsconsole.sandbox.clock import Clock
from opsconsole.sandbox.events import Recorder
from opsconsole.sandbox.resources import ResourceType, preferred
from opsconsole.sandbox.store import Change, Store

Obj = dict[str, Any]
Item = tuple[str, str, str]  # (resource key, namespace, name)
log = logging.getLogger("opsconsole.sandbox")

PODS = preferred("", "pods")
NODES = preferred("", "nodes")
DEPLOYMENTS = preferred("apps", "deployments")
REPLICASETS = preferred("apps", "replicasets")
STATEFULSETS = preferred("apps", "statefulsets")
DAEMONSETS = preferred("apps", "daemonsets")
JOBS = preferred("batch", "jobs")
CRONJOBS = preferred("batch", "cronjobs")
HPAS = preferred("autoscaling", "horizontalpodautoscalers")
PVCS = preferred("", "persistentvolumeclaims")

Reconciler = Callable[["Context", str, str], None]


def controller_of(obj: Obj) -> Obj | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_ref(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


@dataclass
class Context:
    store: Store
    recorder: Recorder
    clock: Clock
    queue: set[Item] = field(default_factory=set)
    delayed: list[tuple[float, int, Item]] = field(default_factory=list)
    wake: asyncio.Event | None = None
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def enqueue(self, rt: ResourceType, namespace: str, name: str) -> None:
        self.queue.add((rt.key, namespace, name))
        if self.wake is not None:
            self.wake.set()

    def later(self, seconds: float, rt: ResourceType, namespace: str, name: str) -> None:
        when = asyncio.get_running_loop().time() + seconds
        heapq.heappush(self.delayed, (when, next(self._seq), (rt.key, namespace, name)))

    def write(self, rt: ResourceType, obj: Obj) -> Obj | None:
        """A controller's write: last writer wins; a vanished object is not an error."""
        try:
            return self.store.update(rt, obj, check_rv=False)
        except errors.ApiError:
            return None

    def create(self, rt: ResourceType, obj: Obj) -> Obj | None:
        try:
            return self.store.create(rt, obj)
        except errors.ApiError as exc:
            log.debug("controller create failed: %s", exc.message)
            return None


class Manager:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.reconcilers: dict[str, Reconciler] = {}
        self.watchers: list[Callable[[Context, Change], None]] = []
        self.periodic: list[tuple[float, Callable[[Context], None]]] = []
        self.task: asyncio.Task[None] | None = None
        ctx.store.listeners.append(self._on_change)

    def register(self, rt: ResourceType, fn: Reconciler) -> None:
        self.reconcilers[rt.key] = fn

    def _on_change(self, change: Change) -> None:
        meta = change.obj["metadata"]
        if change.key in self.reconcilers:
            self.ctx.queue.add((change.key, meta.get("namespace", ""), meta["name"]))
        for fn in self.watchers:
            fn(self.ctx, change)
        if self.ctx.wake is not None:
            self.ctx.wake.set()

    async def run(self) -> None:
        ctx = self.ctx
        ctx.wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        last_run = [0.0] * len(self.periodic)
        while True:
            now = loop.time()
            while ctx.delayed and ctx.delayed[0][0] <= now:
                _, _, item = heapq.heappop(ctx.delayed)
                ctx.queue.add(item)
            for i, (every, fn) in enumerate(self.periodic):
                if now - last_run[i] >= every:
                    last_run[i] = now
                    self._guard(fn, ctx)
            processed = 0
            while ctx.queue and processed < 2000:
                key, ns, name = ctx.queue.pop()
                reconcile = self.reconcilers.get(key)
                if reconcile is not None and not self._deleting(key, ns, name):
                    self._guard(reconcile, ctx, ns, name)
                processed += 1
                if processed % 200 == 0:
                    await asyncio.sleep(0)  # let API requests in during big reconciles
            ctx.wake.clear()
            if ctx.queue:
                await asyncio.sleep(0)
                continue
            timeout = 0.2
            if ctx.delayed:
                timeout = max(0.0, min(timeout, ctx.delayed[0][0] - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ctx.wake.wait(), timeout)

    def _deleting(self, key: str, ns: str, name: str) -> bool:
        """Controllers leave an object being deleted in the foreground alone (pods aside:
        the kubelet finishes their termination)."""
        if key == PODS.key:
            return False
        obj = self.ctx.store.buckets[key].objects.get((ns, name))
        return obj is not None and bool(obj["metadata"].get("deletionTimestamp"))

    @staticmethod
    def _guard(fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("controller %s failed", getattr(fn, "__name__", fn))

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
