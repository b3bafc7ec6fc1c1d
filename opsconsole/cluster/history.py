"""A Deployment's revision history, as `kubectl rollout history` reads it: its ReplicaSets and
their `deployment.kubernetes.io/revision` annotation; and the pod-template diff between two."""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass

import yaml

from opsconsole.cluster.calls import Obj
from opsconsole.cluster.config import ClusterConfig
from opsconsole.cluster.errors import NotFound
from opsconsole.cluster.objects import owned_replicasets

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
# Set by the Deployment controller on every ReplicaSet and pod: it differs between any two
# templates by construction, so a diff that kept it would never be empty.
HASH_LABEL = "pod-template-hash"


@dataclass(frozen=True)
class Revision:
    number: int
    replicaset: str
    images: tuple[str, ...]
    created: str
    replicas: int
    ready: int
    change_cause: str
    current: bool


def _revision_number(rs: Obj) -> int:
    try:
        return int(((rs.get("metadata") or {}).get("annotations") or {})[REVISION_ANNOTATION])
    except (KeyError, ValueError):
        return 0


def _template(rs: Obj) -> Obj:
    template = copy.deepcopy((rs.get("spec") or {}).get("template") or {})
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return template


def revisions(
    cfg: ClusterConfig, deployment: Obj, replicasets: list[Obj] | None = None
) -> list[Revision]:
    """Newest first; the current one is the Deployment's own revision annotation."""
    current = _revision_number(deployment)
    out = []
    sets = replicasets if replicasets is not None else owned_replicasets(cfg, deployment)
    for rs in sets:
        number = _revision_number(rs)
        if not number:
            continue
        meta = rs.get("metadata") or {}
        containers = ((rs.get("spec") or {}).get("template") or {}).get("spec", {}).get(
            "containers"
        ) or []
        status = rs.get("status") or {}
        out.append(
            Revision(
                number=number,
                replicaset=str(meta.get("name", "")),
                images=tuple(str(c.get("image", "")) for c in containers),
                created=str(meta.get("creationTimestamp", "")),
                replicas=int(status.get("replicas") or 0),
                ready=int(status.get("readyReplicas") or 0),
                change_cause=str((meta.get("annotations") or {}).get(CHANGE_CAUSE_ANNOTATION, "")),
                current=number == current,
            )
        )
    out.sort(key=lambda r: r.number, reverse=True)
    return out


def template_yaml(rs: Obj) -> str:
    return yaml.safe_dump(_template(rs), sort_keys=True, default_flow_style=False)


def template_diff(cfg: ClusterConfig, deployment: Obj, old: int, new: int) -> str:
    """A unified diff of the pod templates of two revisions ("" when they are the same)."""
    by_number = {_revision_number(rs): rs for rs in owned_replicasets(cfg, deployment)}
    for number in (old, new):
        if number not in by_number:
            name = deployment["metadata"]["name"]
            raise NotFound(f'revision {number} of deployment "{name}" not found')
    before = template_yaml(by_number[old]).splitlines(keepends=True)
    after = template_yaml(by_number[new]).splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(before, after, fromfile=f"revision {old}", tofile=f"revision {new}")
    )
