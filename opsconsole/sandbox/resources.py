"""The resource types the sandbox serves, and the discovery documents built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

READ_VERBS = ("get", "list", "watch")
# The streaming subresources of pods and the option kinds discovery names for them.
CONNECT_KINDS = {
    "exec": "PodExecOptions",
    "attach": "PodAttachOptions",
    "portforward": "PodPortForwardOptions",
}
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # Kinds whose spec changes bump metadata.generation (everything but the core data kinds).
    tracks_generation: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Storage key: one bucket per group/resource, whichever version is asked for."""
        return f"{self.group}/{self.plural}" if self.group else self.plural

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


def _rt(group: str, version: str, kind: str, plural: str, **kw: Any) -> ResourceType:
    return ResourceType(group, version, kind, plural, **kw)


_ALL = ("all",)
_STATUS = ("status",)
_SCALE = ("scale", "status")

# A list: CustomResourceDefinitions add and remove their kinds at run time (crds.py).
RESOURCES: list[ResourceType] = [
    _rt(
        "",
        "v1",
        "Namespace",
        "namespaces",
        namespaced=False,
        short_names=("ns",),
        subresources=_STATUS,
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    ),
    _rt("", "v1", "Node", "nodes", namespaced=False, short_names=("no",), subresources=_STATUS),
    _rt(
        "",
        "v1",
        "Pod",
        "pods",
        short_names=("po",),
        subresources=("status", "log", "exec", "attach", "portforward", "eviction"),
        categories=_ALL,
    ),
    _rt(
        "",
        "v1",
        "Service",
        "services",
        short_names=("svc",),
        subresources=_STATUS,
        categories=_ALL,
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    ),
    _rt("", "v1", "ConfigMap", "configmaps", short_names=("cm",)),
    _rt("", "v1", "Secret", "secrets"),
    _rt(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        short_names=("pvc",),
        subresources=_STATUS,
    ),
    _rt(
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        namespaced=False,
        short_names=("pv",),
        subresources=_STATUS,
    ),
    _rt(
        "", "v1", "ServiceAccount", "serviceaccounts", short_names=("sa",), subresources=("token",)
    ),
    _rt("", "v1", "Event", "events", short_names=("ev",)),
    _rt("", "v1", "ResourceQuota", "resourcequotas", short_names=("quota",), subresources=_STATUS),
    _rt("", "v1", "LimitRange", "limitranges", short_names=("limits",)),
    _rt("", "v1", "Endpoints", "endpoints", short_names=("ep",)),
    _rt(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short_names=("deploy",),
        subresources=_SCALE,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        short_names=("rs",),
        subresources=_SCALE,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        short_names=("sts",),
        subresources=_SCALE,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        short_names=("ds",),
        subresources=_STATUS,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt("apps", "v1", "ControllerRevision", "controllerrevisions"),
    _rt(
        "batch", "v1", "Job", "jobs", subresources=_STATUS, categories=_ALL, tracks_generation=True
    ),
    _rt(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        short_names=("cj",),
        subresources=_STATUS,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "autoscaling",
        "v1",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short_names=("hpa",),
        subresources=_STATUS,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        short_names=("hpa",),
        subresources=_STATUS,
        categories=_ALL,
        tracks_generation=True,
    ),
    _rt(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        short_names=("ing",),
        subresources=_STATUS,
        tracks_generation=True,
    ),
    _rt(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        short_names=("netpol",),
        tracks_generation=True,
    ),
    _rt(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        short_names=("pdb",),
        subresources=_STATUS,
        tracks_generation=True,
    ),
    _rt("events.k8s.io", "v1", "Event", "events", short_names=("ev",)),
    # Leader election (the console's cluster sync) and node heartbeats.
    _rt("coordination.k8s.io", "v1", "Lease", "leases"),
    _rt("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    _rt("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    _rt("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    _rt(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        namespaced=False,
    ),
    _rt("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    _rt(
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        namespaced=False,
        short_names=("pc",),
    ),
    _rt(
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        namespaced=False,
        short_names=("sc",),
    ),
    # Answered, never stored: `kubectl auth can-i` and `kubectl auth whoami` (see auth.py).
    _rt(
        "authorization.k8s.io",
        "v1",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreviews",
        namespaced=False,
        verbs=("create",),
    ),
    _rt(
        "authorization.k8s.io",
        "v1",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreviews",
        namespaced=False,
        verbs=("create",),
    ),
    _rt(
        "authentication.k8s.io",
        "v1",
        "SelfSubjectReview",
        "selfsubjectreviews",
        namespaced=False,
        verbs=("create",),
    ),
    _rt(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        namespaced=False,
        short_names=("crd", "crds"),
        subresources=_STATUS,
        categories=("api-extensions",),
    ),
]

# The version a group advertises first (kubectl picks it when no version is given).
PREFERRED: dict[str, str] = {"autoscaling": "v2"}


def by_path(group: str, version: str, plural: str) -> ResourceType | None:
    for rt in RESOURCES:
        if (rt.group, rt.version, rt.plural) == (group, version, plural):
            return rt
    return None


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    for rt in RESOURCES:
        if rt.api_version == api_version and rt.kind == kind:
            return rt
    return None


def preferred(group: str, plural: str) -> ResourceType:
    """The storage version of a group/resource: the one controllers read and write."""
    matches = [rt for rt in RESOURCES if rt.group == group and rt.plural == plural]
    want = PREFERRED.get(group)
    for rt in matches:
        if want is None or rt.version == want:
            return rt
    return matches[0]


def group_versions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rt in RESOURCES:
        if rt.group and rt.version not in out.setdefault(rt.group, []):
            out[rt.group].append(rt.version)
    for group, versions in out.items():
        want = PREFERRED.get(group)
        if want in versions:
            versions.sort(key=lambda v: v != want)
    out["metrics.k8s.io"] = ["v1beta1"]  # computed, not stored: see metrics_api.py
    return out


def api_versions_doc() -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }


def _group_doc(group: str, versions: list[str]) -> Obj:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list_doc() -> Obj:
    groups = [_group_doc(g, vs) for g, vs in group_versions().items()]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group_doc(group: str) -> Obj | None:
    versions = group_versions().get(group)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group, versions)}


def resource_list_doc(group: str, version: str) -> Obj | None:
    types = [rt for rt in RESOURCES if (rt.group, rt.version) == (group, version)]
    if not types:
        return None
    resources: list[Obj] = []
    for rt in types:
        entry: Obj = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for sub in rt.subresources:
            sub_entry: Obj = {
                "name": f"{rt.plural}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": ["get", "patch", "update"],
            }
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1", kind="Scale")
            elif sub == "log":
                sub_entry.update(kind="Pod", verbs=["get"])
            elif sub in CONNECT_KINDS:
                sub_entry.update(kind=CONNECT_KINDS[sub], verbs=["create", "get"])
            elif sub == "eviction":
                sub_entry.update(group="policy", version="v1", kind="Eviction", verbs=["create"])
            elif sub == "token":
                sub_entry.update(
                    group="authentication.k8s.io",
                    version="v1",
                    kind="TokenRequest",
                    verbs=["create"],
                )
            resources.append(sub_entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
