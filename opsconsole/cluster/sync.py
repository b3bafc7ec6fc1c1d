"""LIST each kind once (paged), then WATCH it; hand every change as a row to a sink.

One `KindSync` per (kind, namespace) — or per kind across the cluster, filtered to the
allowed namespaces — runs `run()` in a thread. It knows no Redis: rows go to a `Sink`
(replace_all / upsert / delete / touch / failed), which opsconsole.workloads.cache implements.

Raw JSON (`_preload_content=False`) instead of the client's models: deserialising 50k pods
into model objects takes minutes; json.loads of the same pages takes seconds.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from opsconsole.cluster.kinds import Kind
from opsconsole.cluster.rows import Row, row_for

log = logging.getLogger(__name__)

PAGE_SIZE = 500
# The API server ends a watch after timeoutSeconds; we then watch again from the last
# resourceVersion, and say the kind is in sync. Bookmarks say so more often where the server
# sends them; a quiet kind is still confirmed once a minute. Jitter spreads the renewals.
WATCH_SECONDS = 60
# A read timeout longer than the watch's own timeout: silence longer than that is a dead link.
READ_TIMEOUT = WATCH_SECONDS + 30
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF = 30.0


class Sink(Protocol):
    """Where rows go. `scope` is the namespace a LIST covered, or None for all of them."""

    def replace_all(self, plural: str, scope: str | None, rows: Iterable[Row]) -> int: ...
    def upsert(self, plural: str, row: Row) -> None: ...
    def delete(self, plural: str, row: Row) -> None: ...
    def touch(self, plural: str, scope: str | None) -> None: ...
    def failed(self, plural: str, scope: str | None, reason: str) -> None: ...


class Gone(Exception):
    """The resourceVersion we watch from was compacted away (410): LIST again."""


@dataclass
class KindSync:
    api: client.ApiClient
    kind: Kind
    sink: Sink
    stop: threading.Event
    namespace: str | None = None  # None: the whole cluster (cluster-scoped kinds, or -A)
    keep: Callable[[Row], bool] | None = None  # e.g. only the allowed namespaces
    page_size: int = PAGE_SIZE
    watch_seconds: int = WATCH_SECONDS
    relists: int = field(default=0, init=False)  # how often it listed: tests and logs read it

    @property
    def label(self) -> str:
        return f"{self.kind.plural}@{self.namespace or '*'}"

    def run(self) -> None:
        """LIST, WATCH until it breaks, LIST again; until `stop` is set."""
        backoff = 0.5
        while not self.stop.is_set():
            try:
                version = self.relist()
                backoff = 0.5
                while not self.stop.is_set():
                    version = self.watch(version)
            except Gone:
                log.info("%s: resourceVersion expired (410 Gone); listing again", self.label)
                continue
            except ApiException as exc:
                if exc.status in (401, 403):
                    reason = (
                        f"the console may not list {self.kind.plural} ({exc.status} {exc.reason})"
                    )
                    self.sink.failed(self.kind.plural, self.namespace, reason)
                    log.warning("%s: %s", self.label, reason)
                    self.stop.wait(60)
                    continue
                log.warning(
                    "%s: API error %s %s; listing again", self.label, exc.status, exc.reason
                )
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
                log.warning("%s: connection lost (%s); listing again", self.label, exc)
            self.stop.wait(backoff * (1 + random.random()))  # noqa: S311 (jitter, not crypto)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _get(self, query: list[tuple[str, Any]], read_timeout: float) -> urllib3.HTTPResponse:
        response: urllib3.HTTPResponse = self.api.call_api(
            self.kind.collection_path(self.namespace),
            "GET",
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=(CONNECT_TIMEOUT, read_timeout),
        )
        return response

    def _pages(self, versions: list[str]) -> Iterator[Row]:
        token = ""
        while True:
            query: list[tuple[str, Any]] = [("limit", self.page_size)]
            if token:
                query.append(("continue", token))
            response = self._get(query, 60)
            try:
                body = json.loads(response.data)
            finally:
                response.release_conn()
            meta = body.get("metadata") or {}
            for obj in body.get("items") or []:
                row = row_for(self.kind.plural, obj)
                if self.keep is None or self.keep(row):
                    yield row
            token = meta.get("continue") or ""
            if not token:
                versions.append(str(meta.get("resourceVersion", "")))
                return

    def relist(self) -> str:
        """LIST every page and replace the kind's rows wholesale; the list's resourceVersion."""
        versions: list[str] = []
        count = self.sink.replace_all(self.kind.plural, self.namespace, self._pages(versions))
        self.relists += 1
        log.info("%s: listed %d rows at resourceVersion %s", self.label, count, versions[-1])
        return versions[-1]

    def watch(self, version: str) -> str:
        """Apply events from `version` on until the server ends the watch; the last version."""
        query: list[tuple[str, Any]] = [
            ("watch", "true"),
            ("resourceVersion", version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", self.watch_seconds + random.randint(0, self.watch_seconds // 8)),  # noqa: S311
        ]
        response = self._get(query, READ_TIMEOUT + 30)
        try:
            for line in _lines(response):
                if self.stop.is_set():
                    break
                version = self._apply(json.loads(line), version)
        finally:
            response.release_conn()
        self.sink.touch(self.kind.plural, self.namespace)
        return version

    def _apply(self, event: dict[str, Any], version: str) -> str:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Gone(obj.get("message", ""))
            raise ValueError(f"watch error: {obj.get('message', obj)}")
        new_version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
        if kind == "BOOKMARK":
            self.sink.touch(self.kind.plural, self.namespace)
            return new_version
        row = row_for(self.kind.plural, obj)
        if self.keep is not None and not self.keep(row):
            return new_version
        if kind == "DELETED":
            self.sink.delete(self.kind.plural, row)
        else:
            self.sink.upsert(self.kind.plural, row)
        self.sink.touch(self.kind.plural, self.namespace)
        return new_version


def _lines(response: urllib3.HTTPResponse) -> Iterator[bytes]:
    """The watch stream's JSON lines, as they arrive."""
    buffer = b""
    for chunk in response.stream(amt=None, decode_content=True):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                yield line
    if buffer.strip():
        yield buffer


def plan(
    api: client.ApiClient,
    kinds: Iterable[Kind],
    namespaces: list[str],
    sink: Sink,
    stop: threading.Event,
    cluster_wide: bool = False,
) -> list[KindSync]:
    """One KindSync per kind and allowed namespace; or, with `cluster_wide` (a ClusterRole to
    list across namespaces), one per kind filtered to the allowed namespaces — fewer watches
    when the console is allowed many namespaces."""
    allowed = frozenset(namespaces)

    def keep(row: Row) -> bool:
        return row["namespace"] in allowed

    syncs: list[KindSync] = []
    for kind in kinds:
        if not kind.namespaced:
            syncs.append(KindSync(api, kind, sink, stop))
        elif cluster_wide:
            syncs.append(KindSync(api, kind, sink, stop, keep=keep))
        else:
            syncs.extend(KindSync(api, kind, sink, stop, namespace=ns) for ns in namespaces)
    return syncs


def start(syncs: list[KindSync]) -> list[threading.Thread]:
    threads = [threading.Thread(target=s.run, name=f"sync-{s.label}", daemon=True) for s in syncs]
    for thread in threads:
        thread.start()
    return threads
