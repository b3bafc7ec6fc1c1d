"""The kinds the console shows, by the plural kubectl uses, and where the API serves each.

One table for the sync (which collections to LIST and WATCH), the pages (which URLs exist)
and the detail reads. Secrets are absent on purpose: the console holds no right to read them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    plural: str  # as kubectl and the URLs name it: /ns/<namespace>/<plural>/
    kind: str
    group: str  # "" for the core API
    version: str
    namespaced: bool = True
    label: str = ""  # the heading the pages show

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def title(self) -> str:
        return self.label or f"{self.kind}s"

    def collection_path(self, namespace: str | None = None) -> str:
        """The API path of the collection: every namespace when `namespace` is None."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def object_path(self, namespace: str | None, name: str) -> str:
        return f"{self.collection_path(namespace)}/{name}"


KINDS: tuple[Kind, ...] = (
    Kind("deployments", "Deployment", "apps", "v1"),
    Kind("statefulsets", "StatefulSet", "apps", "v1"),
    Kind("daemonsets", "DaemonSet", "apps", "v1"),
    Kind("replicasets", "ReplicaSet", "apps", "v1"),
    Kind("pods", "Pod", "", "v1"),
    Kind("jobs", "Job", "batch", "v1"),
    Kind("cronjobs", "CronJob", "batch", "v1", label="CronJobs"),
    Kind("services", "Service", "", "v1"),
    Kind("ingresses", "Ingress", "networking.k8s.io", "v1", label="Ingresses"),
    Kind(
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        label="HorizontalPodAutoscalers",
    ),
    Kind("persistentvolumeclaims", "PersistentVolumeClaim", "", "v1"),
    Kind("configmaps", "ConfigMap", "", "v1"),
    Kind("events", "Event", "", "v1"),
    Kind("nodes", "Node", "", "v1", namespaced=False),
)
BY_PLURAL: dict[str, Kind] = {kind.plural: kind for kind in KINDS}
# kubectl's short names, so a typed address such as /ns/trading-system/deploy/ finds its page.
ALIASES: dict[str, str] = {
    "deploy": "deployments",
    "sts": "statefulsets",
    "ds": "daemonsets",
    "rs": "replicasets",
    "po": "pods",
    "cj": "cronjobs",
    "svc": "services",
    "ing": "ingresses",
    "hpa": "horizontalpodautoscalers",
    "pvc": "persistentvolumeclaims",
    "cm": "configmaps",
    "ev": "events",
    "no": "nodes",
}


def kind_for(plural: str) -> Kind | None:
    """The kind a URL's <resource> names (plural or kubectl short name), or None."""
    return BY_PLURAL.get(ALIASES.get(plural, plural))
