"""Loading the k8s/ manifests, and walking the pod templates inside them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S_DIR = Path(__file__).resolve().parents[2] / "k8s"
NAMESPACE = "trading-system"

Obj = dict[str, Any]

# Kinds that are not part of Kubernetes itself, with the schema file that checks each.
CUSTOM_KINDS = {
    ("autoscaling.k8s.io/v1", "VerticalPodAutoscaler"): "verticalpodautoscaler.json",
    ("cert-manager.io/v1", "Certificate"): "certificate.json",
    ("cert-manager.io/v1", "Issuer"): "issuer.json",
    ("argoproj.io/v1alpha1", "Application"): "application.json",
    ("argoproj.io/v1alpha1", "AppProject"): "appproject.json",
}


@dataclass(frozen=True)
class Manifest:
    file: str
    obj: Obj

    @property
    def kind(self) -> str:
        return str(self.obj["kind"])

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])

    @property
    def id(self) -> str:
        return f"{self.file}:{self.kind}/{self.name}"


def yaml_files() -> list[Path]:
    return sorted(K8S_DIR.glob("*.yaml"))


@cache
def load_all() -> tuple[Manifest, ...]:
    out: list[Manifest] = []
    for path in yaml_files():
        for obj in yaml.safe_load_all(path.read_text()):
            if obj:
                out.append(Manifest(path.name, obj))
    return tuple(out)


def of_kind(*kinds: str) -> list[Manifest]:
    return [m for m in load_all() if m.kind in kinds]


def get(kind: str, name: str) -> Obj:
    found = [m.obj for m in load_all() if m.kind == kind and m.name == name]
    assert len(found) == 1, f"expected exactly one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_template(obj: Obj) -> Obj:
    """The pod template of a Deployment, StatefulSet, Job or CronJob."""
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"])
    return dict(obj["spec"]["template"])


def workloads() -> list[Manifest]:
    return of_kind("Deployment", "StatefulSet", "Job", "CronJob")


def containers(pod_spec: Obj, *, init: bool = True) -> list[Obj]:
    found = list(pod_spec.get("containers", []))
    if init:
        found += pod_spec.get("initContainers", [])
    return found


def all_containers() -> Iterator[tuple[Manifest, Obj, Obj]]:
    """(workload, its pod spec, container) for every container, init containers included."""
    for m in workloads():
        spec = pod_template(m.obj)["spec"]
        for c in containers(spec):
            yield m, spec, c


def container(kind: str, name: str, container_name: str) -> Obj:
    spec = pod_template(get(kind, name))["spec"]
    found = [c for c in containers(spec) if c["name"] == container_name]
    assert len(found) == 1, f"{kind}/{name} has no container {container_name}"
    return found[0]


def config_map_data(name: str) -> dict[str, str]:
    return dict(get("ConfigMap", name)["data"])


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make test installs it with apt-get)")
    return path
