"""The API server's own request metrics, as k8s.io/apiserver/pkg/endpoints/metrics names them.

`apiserver_request_total`, `apiserver_request_duration_seconds` and
`apiserver_longrunning_requests`, with the real labels and the real rules for them: GET of a
collection is LIST, `watch=true` is WATCH, an apply patch is APPLY, the log/exec/attach/
portforward/proxy subresources are CONNECT, a create's scope is `resource`. Only resource
requests (`/api/…`, `/apis/…` naming a resource) are counted, so tests can count exactly the
requests a client made; discovery, `/metrics`, `/healthz` and `/sandbox/*` are not.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import NamedTuple

from opsconsole.sandbox.resources import by_path

COMPONENT = "apiserver"
# requestLatencies' buckets in metrics.go, chosen there for the API call latency SLOs.
BUCKETS: tuple[float, ...] = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5)
BUCKETS += (2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60)
CONNECT_SUBRESOURCES = {"log", "exec", "portforward", "attach", "proxy"}
METRICS_RESOURCES = {"pods", "nodes"}  # metrics.k8s.io


class Labels(NamedTuple):
    verb: str
    dry_run: str
    group: str
    version: str
    resource: str
    subresource: str
    scope: str


def _falsy(value: str) -> bool:
    return value.lower() in ("0", "false")


def labels_for(method: str, path: str, query: dict[str, list[str]], ctype: str) -> Labels | None:
    """The labels a real API server gives this request, or None if it is not a resource one."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        # RequestInfoFactory: a namespace's own subresources keep "namespaces" the resource.
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in ("status", "finalize"):
            rest = rest[2:]
    if len(rest) > 3:
        return None
    resource = rest[0]
    if group == "metrics.k8s.io":
        if resource not in METRICS_RESOURCES:
            return None
    elif by_path(group, version, resource) is None:
        return None
    name = rest[1] if len(rest) >= 2 else ""
    sub = rest[2] if len(rest) == 3 else ""
    method = method.upper()
    # CleanScope: a name (or a create) is "resource", else a namespace, else "cluster".
    scope = "resource" if name or method == "POST" else "namespace" if namespace else "cluster"
    verb = method
    if method in ("GET", "HEAD"):
        verb = "GET" if scope == "resource" else "LIST"
        watch = query.get("watch")
        if watch and not _falsy(watch[0]):
            verb = "WATCH"
    if method == "PATCH" and ctype == "application/apply-patch+yaml":
        verb = "APPLY"
    if sub in CONNECT_SUBRESOURCES:
        verb = "CONNECT"
    dry = ",".join(sorted(set(query.get("dryRun", []))))
    return Labels(verb, dry, group, version, resource, sub, scope)


def long_running(labels: Labels) -> bool:
    return labels.verb in ("WATCH", "CONNECT")


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: float = 0.0
    count: int = 0


class RequestMetrics:
    """Counters kept in memory for the life of the server (as a real one's are per process)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[Labels, int], int] = {}
        self.durations: dict[Labels, _Histogram] = {}
        self.open: dict[Labels, int] = {}

    def started(self, labels: Labels) -> None:
        if long_running(labels):
            self.open[labels] = self.open.get(labels, 0) + 1

    def finished(self, labels: Labels, code: int, seconds: float) -> None:
        if long_running(labels):
            self.open[labels] -= 1
        key = (labels, code)
        self.requests[key] = self.requests.get(key, 0) + 1
        h = self.durations.setdefault(labels, _Histogram())
        i = bisect.bisect_left(BUCKETS, seconds)  # the first bucket with le >= seconds
        if i < len(BUCKETS):
            h.buckets[i] += 1
        h.total += seconds
        h.count += 1

    def render(self) -> str:
        out = [
            "# HELP apiserver_request_total Counter of apiserver requests broken out for each "
            "verb, dry run value, group, version, resource, scope, component, and HTTP "
            "response code.",
            "# TYPE apiserver_request_total counter",
        ]
        for (labels, code), n in sorted(self.requests.items()):
            out.append(f'apiserver_request_total{{{_labels(labels, True)},code="{code}"}} {n}')
        out += [
            "# HELP apiserver_request_duration_seconds Response latency distribution in seconds "
            "for each verb, dry run value, group, version, resource, subresource, scope and "
            "component.",
            "# TYPE apiserver_request_duration_seconds histogram",
        ]
        for labels, h in sorted(self.durations.items()):
            text = _labels(labels, True)
            cumulative = 0
            for le, n in zip(BUCKETS, h.buckets, strict=True):
                cumulative += n
                out.append(
                    f'apiserver_request_duration_seconds_bucket{{{text},le="{le}"}} {cumulative}'
                )
            out.append(f'apiserver_request_duration_seconds_bucket{{{text},le="+Inf"}} {h.count}')
            out.append(f"apiserver_request_duration_seconds_sum{{{text}}} {h.total:.6f}")
            out.append(f"apiserver_request_duration_seconds_count{{{text}}} {h.count}")
        out += [
            "# HELP apiserver_longrunning_requests Gauge of all active long-running apiserver "
            "requests broken out by verb, group, version, resource, scope and component. Not "
            "all requests are tracked this way.",
            "# TYPE apiserver_longrunning_requests gauge",
        ]
        for labels, n in sorted(self.open.items()):
            out.append(f"apiserver_longrunning_requests{{{_labels(labels, False)}}} {n}")
        return "\n".join(out) + "\n"


def _labels(labels: Labels, dry_run: bool) -> str:
    pairs = [("verb", labels.verb)]
    if dry_run:
        pairs.append(("dry_run", labels.dry_run))
    pairs += [
        ("group", labels.group),
        ("version", labels.version),
        ("resource", labels.resource),
        ("subresource", labels.subresource),
        ("scope", labels.scope),
        ("component", COMPONENT),
    ]
    return ",".join(f'{k}="{v}"' for k, v in pairs)
