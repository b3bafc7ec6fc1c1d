"""The overview's facts, from the cache only: every service of each allowed namespace with its
replicas, image tag, revision, restarts and HPA; Pending pods with the scheduler's reason;
nodes with capacity and what is requested of them; recent warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsconsole.cluster.rows import Row
from opsconsole.workloads.cache import CLUSTER, Cache
from opsconsole.workloads.freshness import DataState, data_state

WORKLOAD_KINDS = ("deployments", "statefulsets", "daemonsets")
_KIND_NAMES = {
    "deployments": "Deployment",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
}
CALM = {"Healthy", "ScaledDown"}  # shown only up to HEALTHY_SHOWN; the rest always
DEGRADED = {"Degraded", "Stalled"}  # fewer pods available than desired, or a stuck rollout
# Healthy services shown across all namespaces, in their order (the first is the trading
# system's own): the page stays the same size however big the cluster. The rest are counted,
# with a link to their list; trouble is always shown (up to 200 per namespace and kind).
HEALTHY_SHOWN = 30
PENDING_SHOWN = 20
WARNINGS_SHOWN = 10
# Nodes shown: those not Ready first, then the fullest. A cluster of 200 nodes would otherwise
# make the overview grow with it; the totals line and the nodes list cover the rest.
NODES_SHOWN = 12
_NODE_RESOURCES = ("cpu", "memory", "gpu")


@dataclass(frozen=True)
class Workload:
    plural: str
    row: Row
    restarts: int
    hpa: Row | None

    @property
    def trouble(self) -> bool:
        return self.row["status"] in DEGRADED


@dataclass
class NamespaceOverview:
    namespace: str
    workloads: list[Workload] = field(default_factory=list)
    hidden_healthy: int = 0
    pending: list[Row] = field(default_factory=list)
    pending_total: int = 0
    warnings: list[Row] = field(default_factory=list)
    warnings_total: int = 0


@dataclass(frozen=True)
class NodeLine:
    row: Row
    requested: dict[str, float]

    @property
    def fullness(self) -> float:
        """The largest share of any allocatable resource that pods request."""
        shares = [
            self.requested.get(res, 0.0) / float(self.row[f"{res}_allocatable"])
            for res in _NODE_RESOURCES
            if self.row.get(f"{res}_allocatable")
        ]
        return max(shares, default=0.0)


@dataclass(frozen=True)
class NodeTotals:
    count: int
    requested: dict[str, float]
    allocatable: dict[str, float]


@dataclass
class Overview:
    namespaces: list[NamespaceOverview]
    nodes: list[NodeLine]
    state: DataState
    node_totals: NodeTotals | None = None
    services: int = 0
    degraded: int = 0
    pending: int = 0
    warnings: int = 0


def _workloads(cache: Cache, ns: NamespaceOverview, budget: int) -> tuple[int, int, int]:
    """Fills ns.workloads with its trouble and up to `budget` healthy services; (how many
    services, how many degraded, how many healthy shown)."""
    restarts = cache.restarts(ns.namespace)
    hpas = {row["target"]: row for row in cache.all_rows("horizontalpodautoscalers", ns.namespace)}
    services = degraded = shown = 0
    for plural in WORKLOAD_KINDS:
        counts = cache.counts(plural, ns.namespace)
        total = sum(counts.values())
        calm = sum(n for word, n in counts.items() if word in CALM)
        services += total
        degraded += sum(n for word, n in counts.items() if word in DEGRADED)
        if calm <= budget - shown:
            rows = cache.all_rows(plural, ns.namespace)
        else:
            rows = [
                r for word in counts if word not in CALM
                for r in cache.status_rows(plural, ns.namespace, word, 200)
            ]  # fmt: skip
            if budget > shown:
                page = cache.page(plural, ns.namespace, status="Healthy", per_page=budget - shown)
                rows += page.rows
        shown += sum(1 for r in rows if r["status"] in CALM)
        ns.hidden_healthy += total - len(rows)
        for row in rows:
            key = f"{_KIND_NAMES[plural]}/{row['name']}"
            ns.workloads.append(Workload(plural, row, restarts.get(key, 0), hpas.get(key)))
    ns.workloads.sort(key=lambda w: (not w.trouble, w.row["status"] in CALM, w.row["name"]))
    return services, degraded, shown


def build(namespaces: list[str]) -> Overview:
    cache = Cache()
    state = data_state(cache, *WORKLOAD_KINDS, "pods", "events", "nodes")
    overview = Overview([], [], state)
    budget = HEALTHY_SHOWN
    for name in namespaces:
        ns = NamespaceOverview(name)
        services, degraded, shown = _workloads(cache, ns, budget)
        budget -= shown
        ns.pending_total = cache.counts("pods", name).get("Pending", 0)
        ns.pending = cache.status_rows("pods", name, "Pending", PENDING_SHOWN)
        warnings = cache.page(
            "events", name, status="Warning", sort="last_seen", descending=True,
            per_page=WARNINGS_SHOWN,
        )  # fmt: skip
        ns.warnings, ns.warnings_total = warnings.rows, warnings.total
        overview.services += services
        overview.degraded += degraded
        overview.pending += ns.pending_total
        overview.warnings += ns.warnings_total
        overview.namespaces.append(ns)
    nodes = cache.all_rows("nodes", CLUSTER)
    requested = cache.allocations([n["name"] for n in nodes])
    lines = [NodeLine(n, requested.get(n["name"], {})) for n in nodes]
    lines.sort(key=lambda line: (line.row["status"] == "Ready", -line.fullness, line.row["name"]))
    overview.nodes = lines[:NODES_SHOWN]
    overview.node_totals = NodeTotals(
        count=len(lines),
        requested={r: sum(line.requested.get(r, 0.0) for line in lines) for r in _NODE_RESOURCES},
        allocatable={
            r: sum(float(line.row.get(f"{r}_allocatable") or 0) for line in lines)
            for r in _NODE_RESOURCES
        },
    )
    return overview
