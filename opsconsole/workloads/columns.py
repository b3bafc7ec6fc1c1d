"""The columns each list shows, in order: a header, the row field and how to print it.

`sort` names the cache's sort index for the column ("" when it cannot be sorted); the formats
are printed by templatetags/workloads.py (`cell`).
"""

from __future__ import annotations

from dataclasses import dataclass

from opsconsole.cluster.rows import sort_keys


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    format: str = (
        "text"  # text | age | ago | list | tags | bytes | cores | number | duration | labels
    )
    sort: str = ""


NAME = Column("Name", "name", sort="name")
NAMESPACE = Column("Namespace", "namespace", sort="namespace")
AGE = Column("Age", "created", "age", sort="created")
STATUS = Column("Status", "status", sort="status")

_COLUMNS: dict[str, list[Column]] = {
    "deployments": [
        Column("Desired", "desired", sort="desired"),
        Column("Ready", "ready", sort="ready"),
        Column("Up-to-date", "updated", sort="updated"),
        Column("Available", "available", sort="available"),
        STATUS,
        Column("Revision", "revision", sort="revision"),
        Column("Images", "images", "list", sort="images"),
    ],
    "statefulsets": [
        Column("Desired", "desired", sort="desired"),
        Column("Ready", "ready", sort="ready"),
        STATUS,
        Column("Images", "images", "list", sort="images"),
    ],
    "daemonsets": [
        Column("Desired", "desired", sort="desired"),
        Column("Current", "current", sort="current"),
        Column("Ready", "ready", sort="ready"),
        Column("Up-to-date", "updated", sort="updated"),
        Column("Available", "available", sort="available"),
        STATUS,
    ],
    "replicasets": [
        Column("Desired", "desired", sort="desired"),
        Column("Current", "current", sort="current"),
        Column("Ready", "ready", sort="ready"),
        Column("Revision", "revision", sort="revision"),
        STATUS,
        Column("Images", "images", "list", sort="images"),
    ],
    "pods": [
        Column("Ready", "ready", sort="ready_count"),
        STATUS,
        Column("Restarts", "restarts", sort="restarts"),
        Column("IP", "ip", sort="ip"),
        Column("Node", "node", sort="node"),
    ],
    "jobs": [
        STATUS,
        Column("Completions", "completions", sort="succeeded"),
        Column("Duration", "duration", "duration", sort="duration"),
    ],
    "cronjobs": [
        Column("Schedule", "schedule", sort="schedule"),
        Column("Suspend", "suspend", sort="suspend"),
        Column("Active", "active", sort="active"),
        Column("Last schedule", "last_schedule", "ago", sort="last_schedule"),
        STATUS,
    ],
    "services": [
        Column("Type", "type", sort="type"),
        Column("Cluster IP", "cluster_ip", sort="cluster_ip"),
        Column("External IP", "external_ip", sort="external_ip"),
        Column("Ports", "ports", sort="ports"),
        Column("Selector", "selector", sort="selector"),
    ],
    "ingresses": [
        Column("Class", "class_name", sort="class_name"),
        Column("Hosts", "hosts", "list", sort="hosts"),
        Column("Address", "address", sort="address"),
        Column("Ports", "ports", sort="ports"),
        STATUS,
    ],
    "horizontalpodautoscalers": [
        Column("Reference", "target", sort="target"),
        Column("Targets", "metrics", "list", sort="metrics"),
        Column("Min", "min", sort="min"),
        Column("Max", "max", sort="max"),
        Column("Replicas", "current", sort="current"),
        STATUS,
    ],
    "persistentvolumeclaims": [
        STATUS,
        Column("Volume", "volume", sort="volume"),
        Column("Capacity", "capacity", sort="capacity_bytes"),
        Column("Access modes", "access_modes", sort="access_modes"),
        Column("Storage class", "storage_class", sort="storage_class"),
    ],
    "configmaps": [Column("Data", "keys", sort="keys")],
    "events": [
        Column("Last seen", "last_seen", "ago", sort="last_seen"),
        Column("Type", "type", sort="type"),
        Column("Reason", "reason", sort="reason"),
        Column("Object", "object", sort="object"),
        Column("Count", "count", sort="count"),
        Column("Message", "message", sort="message"),
    ],
    "nodes": [
        STATUS,
        Column("Roles", "roles", sort="roles"),
        Column("Version", "version", sort="version"),
        Column("Internal IP", "internal_ip", sort="internal_ip"),
        Column("CPU", "cpu", "cores", sort="cpu"),
        Column("Memory", "memory", "bytes", sort="memory"),
        Column("GPU", "gpu", "number", sort="gpu"),
        Column("Taints", "taints", "list", sort="taints"),
    ],
}


def columns_for(plural: str, all_namespaces: bool) -> list[Column]:
    """Name first (and Namespace across namespaces, as `kubectl get -A`), Age last."""
    head = [NAMESPACE, NAME] if all_namespaces else [NAME]
    return [*head, *_COLUMNS.get(plural, [STATUS]), AGE]


def sortable(plural: str) -> set[str]:
    return set(sort_keys(plural))
