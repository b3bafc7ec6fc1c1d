"""The sandbox: store + controllers + the aiohttp server, and ways to run it.

`Sandbox.start()` serves on a loopback port inside a running event loop (the management
command); `Sandbox.serve_in_thread()` runs it on its own loop in a daemon thread (the pytest
fixture).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from aiohttp import web

from opsconsole.sandbox import (
    apimetrics,
    auth,
    crds,
    errors,
    kubeconfig,
    metrics,
    openapi,
    rbac,
    schema,
    seed,
    synthetic,
    tls,
    tokens,
)
from opsconsole.sandbox.api import Api
from opsconsole.sandbox.clock import Clock
from opsconsole.sandbox.controllers import build, nodes
from opsconsole.sandbox.faults import Faults, apply
from opsconsole.sandbox.httputil import json_response
from opsconsole.sandbox.store import Store

log = logging.getLogger("opsconsole.sandbox")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The API server asks etcd to compact every 5 minutes (--etcd-compaction-interval).
COMPACT_SECONDS = 300.0


def check_loopback(host: str) -> str:
    """The sandbox is never reachable from other machines: refuse anything but loopback."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the sandbox binds only to loopback addresses, not {host!r}")


class Sandbox:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        time_scale: float = 60.0,
        heartbeat_seconds: float = nodes.HEARTBEAT_SECONDS,
        compact_seconds: float = COMPACT_SECONDS,
    ) -> None:
        self.host = check_loopback(host)
        self.port = port
        self.tls_port = 0  # HTTPS for kubectl, which sends tokens only over TLS (tls.py)
        self.tls: tls.Tls | None = None
        self.store = Store()
        self.clock = Clock(scale=time_scale)
        self.faults = Faults()
        self.request_metrics = apimetrics.RequestMetrics()
        self.api = Api(self.store)
        self.manager, self.ctx = build(self.store, self.clock)
        self.manager.periodic.append((heartbeat_seconds, nodes.heartbeat))
        self._compact_mark = 0
        self.manager.periodic.append((compact_seconds, self._compact_history))
        self.runner: web.AppRunner | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def tls_url(self) -> str | None:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.tls_port}" if self.tls is not None else None

    # -- the app ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        labels = None
        if request.path.startswith(("/api/", "/apis/")):
            query = {k: request.query.getall(k, []) for k in ("watch", "dryRun")}
            labels = apimetrics.labels_for(
                request.method, request.path, query, request.content_type
            )
        if labels is None:
            return await self._serve(request, handler)
        self.request_metrics.started(labels)
        started, code = time.perf_counter(), 0
        try:
            resp = await self._serve(request, handler)
            dropped = request.transport is None or request.transport.is_closing()
            code = 0 if dropped and not resp.prepared else resp.status
            return resp
        except web.HTTPException as exc:
            code = exc.status
            raise
        finally:
            self.request_metrics.finished(labels, code, time.perf_counter() - started)

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if not request.path.startswith("/sandbox"):
                rule = self.faults.take(request.method, request.path, dict(request.query))
                if rule is not None:
                    if rule.drop:
                        if rule.latency_ms:
                            await asyncio.sleep(rule.latency_ms / 1000)
                        if request.transport is not None:
                            request.transport.abort()
                        return web.Response(status=500)
                    await apply(rule)
            if not request.path.startswith(auth.OPEN_PATHS):
                auth.admit(self.store, request, lambda token: tokens.subject(self.api, token))
            return await handler(request)
        except errors.ApiError as exc:
            resp = json_response(exc.status(), exc.code)
            resp.headers.update(exc.headers)
            return resp
        except web.HTTPException:
            raise
        except Exception as exc:
            log.exception("sandbox: %s %s failed", request.method, request.path)
            return json_response(
                errors.ApiError(500, f"Internal error occurred: {exc}").status(), 500
            )

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=16 * 2**20)
        app.router.add_get("/metrics", self._metrics)
        for probe in ("/healthz", "/readyz", "/livez"):
            app.router.add_get(probe, self._ok)
        app.router.add_get("/sandbox", self._info)
        app.router.add_route("*", "/sandbox/faults", self._faults)
        app.router.add_post("/sandbox/compact", self._compact)
        app.router.add_get("/openapi/{tail:.*}", self._openapi)
        app.router.add_route("*", "/{tail:.*}", self.api.handle)
        return app

    async def _ok(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    async def _openapi(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if tail == "v3":
            return json_response(openapi.root())
        if tail.startswith("v3/"):
            doc = openapi.group_version(tail[3:])
            if doc is not None:
                return json_response(doc)
        # No OpenAPI v2: kubectl then uses its compiled-in types (e.g. for apply patches).
        raise errors.ApiError(404, "the server could not find the requested resource")

    async def _metrics(self, request: web.Request) -> web.StreamResponse:
        text = metrics.render(self.store) + self.request_metrics.render()
        return web.Response(
            text=text, content_type="text/plain", headers={"X-Content-Type-Options": "nosniff"}
        )

    async def _info(self, request: web.Request) -> web.StreamResponse:
        counts = {key: len(b.keys) for key, b in self.store.buckets.items() if b.keys}
        return json_response(
            {
                "sandbox": True,
                "resourceVersion": self.store.rv,
                "objects": counts,
                "timeScale": self.clock.scale,
            }
        )

    async def _faults(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            return json_response({"rules": self.faults.describe()})
        if request.method == "DELETE":
            self.faults.clear()
            return json_response({"rules": []})
        if request.method == "POST":
            try:
                body: Any = json.loads(await request.read())
            except ValueError:
                raise errors.bad_request("fault rules are JSON") from None
            specs = body if isinstance(body, list) else [body]
            rules = [self.faults.add(spec) for spec in specs]
            return json_response({"ids": [r.id for r in rules]}, 201)
        raise errors.method_not_allowed(request.method)

    def _compact_history(self, ctx: Any) -> None:
        """Compact to the revision of the previous run: history reaches one to two periods back.

        Like the API server's compactor, which compacts etcd to the revision it noted last
        time, so a client resuming a watch or a paged LIST from before that gets 410 Gone.
        """
        self.store.compact_to(self._compact_mark)
        self._compact_mark = self.store.rv

    async def _compact(self, request: web.Request) -> web.StreamResponse:
        self.store.compact()
        return json_response({"compactedResourceVersion": self.store.compacted_rv})

    # -- lifecycle --------------------------------------------------------------------------

    def seed(self, directory: Path | None, pods: int = 0) -> seed.SeedReport:
        seed.ensure_namespace(self.store, "default")
        seed.ensure_namespace(self.store, "kube-system")
        rbac.bootstrap(self.store)
        crds.install(self.store)  # before k8s/, whose VPA, cert-manager, Argo CD objects need them
        report = seed.seed(self.store, directory) if directory else seed.SeedReport()
        if pods:
            synthetic.fill(self.store, pods)
        return report

    async def start(self) -> None:
        schema.warm()
        self.loop = asyncio.get_running_loop()
        self.runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self.tls = tls.self_signed()
        if self.tls is not None:
            secure = web.TCPSite(
                self.runner, self.host, self.tls_port, ssl_context=self.tls.context
            )
            await secure.start()
            server = getattr(secure, "_server", None)
            if server is not None and server.sockets:
                self.tls_port = server.sockets[0].getsockname()[1]
        self.manager.start()

    async def stop(self) -> None:
        self.api.close_watches()
        await self.manager.stop()
        if self.runner is not None:
            await self.runner.cleanup()

    def write_kubeconfig(self, path: Path) -> None:
        if self.tls is not None and self.tls_url is not None:
            kubeconfig.write(path, self.tls_url, self.tls.certificate)
        else:
            kubeconfig.write(path, self.url)

    # -- in a thread (tests) ----------------------------------------------------------------

    def serve_in_thread(self) -> None:
        started: Future[None] = Future()

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._stopped = asyncio.Event()

            async def body() -> None:
                try:
                    await self.start()
                except BaseException as exc:
                    started.set_exception(exc)
                    return
                started.set_result(None)
                assert self._stopped is not None
                await self._stopped.wait()
                await self.stop()

            loop.run_until_complete(body())
            loop.close()

        self._thread = threading.Thread(target=main, name="sandbox", daemon=True)
        self._thread.start()
        started.result(timeout=30)

    def call(self, fn: Callable[[], Any], timeout: float = 10) -> Any:
        """Run fn on the sandbox's loop (the store is not thread-safe) and return its result."""
        assert self.loop is not None
        done: Future[Any] = Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:
                done.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return done.result(timeout=timeout)

    def shutdown_thread(self) -> None:
        if self.loop is None or self._thread is None or self._stopped is None:
            return
        self.loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Until the controllers have nothing queued (delayed work may still be pending)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.call(lambda: bool(self.ctx.queue)):
                return
            time.sleep(0.02)
