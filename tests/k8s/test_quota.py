"""The namespace's ResourceQuota leaves room for every autoscaler at its maximum, a rollout's
surge pod per Deployment, and one run of each kind: the quota must never be what stops a
scale-out or a launch."""

from __future__ import annotations

import re
from collections import defaultdict

from tests.helpers.manifests import Obj, get, of_kind, pod_template

UNITS = {"m": 1e-3, "": 1.0, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value: str | int) -> float:
    match = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|Ti)?", str(value))
    assert match, value
    return float(match.group(1)) * UNITS[match.group(2) or ""]


def _pod_usage(spec: Obj) -> defaultdict[str, float]:
    """What one pod counts against the quota: its containers, or its largest init container."""
    total: defaultdict[str, float] = defaultdict(float)
    for ctr in spec["containers"]:
        for bound in ["requests", "limits"]:
            for resource, value in ctr["resources"][bound].items():
                total[f"{bound}.{resource}"] += quantity(value)
    for ctr in spec.get("initContainers", []):
        for bound in ["requests", "limits"]:
            for resource, value in ctr["resources"][bound].items():
                key = f"{bound}.{resource}"
                total[key] = max(total[key], quantity(value))
    return total


def _worst_case() -> tuple[defaultdict[str, float], int]:
    hpa_max = {m.name: m.obj["spec"]["maxReplicas"] for m in of_kind("HorizontalPodAutoscaler")}
    usage: defaultdict[str, float] = defaultdict(float)
    pods = 0
    for m in of_kind("Deployment"):
        spec = m.obj["spec"]
        count = (
            hpa_max.get(m.name, spec["replicas"]) + spec["strategy"]["rollingUpdate"]["maxSurge"]
        )
        pods += count
        for key, value in _pod_usage(pod_template(m.obj)["spec"]).items():
            usage[key] += value * count
    for m in of_kind("StatefulSet", "CronJob"):
        count = m.obj["spec"].get("replicas", 1)
        pods += count
        for key, value in _pod_usage(pod_template(m.obj)["spec"]).items():
            usage[key] += value * count
    return usage, pods


def test_the_quota_fits_the_worst_case() -> None:
    hard = get("ResourceQuota", "trading-system-quota")["spec"]["hard"]
    usage, pods = _worst_case()
    for key in ["requests.cpu", "limits.cpu", "requests.memory", "limits.memory"]:
        assert usage[key] <= quantity(hard[key]), (key, usage[key])
    assert usage["requests.nvidia.com/gpu"] <= quantity(hard["requests.nvidia.com/gpu"])
    assert pods <= int(hard["pods"])


def test_the_quota_fits_the_storage() -> None:
    hard = get("ResourceQuota", "trading-system-quota")["spec"]["hard"]
    claims = [m.obj["spec"] for m in of_kind("PersistentVolumeClaim")]
    claims += [
        t["spec"]
        for m in of_kind("StatefulSet")
        for t in m.obj["spec"].get("volumeClaimTemplates", [])
    ]
    total = sum(quantity(c["resources"]["requests"]["storage"]) for c in claims)
    assert total <= quantity(hard["requests.storage"])
    assert len(claims) <= int(hard["persistentvolumeclaims"])


def test_every_container_fits_the_limit_range() -> None:
    (limits,) = [
        item
        for item in get("LimitRange", "trading-system-limits")["spec"]["limits"]
        if item["type"] == "Container"
    ]
    for m in of_kind("Deployment", "StatefulSet", "CronJob"):
        spec = pod_template(m.obj)["spec"]
        for ctr in spec["containers"] + spec.get("initContainers", []):
            for resource in ["cpu", "memory"]:
                value = quantity(ctr["resources"]["limits"][resource])
                assert value <= quantity(limits["max"][resource]), (m.id, resource)
