"""Every manifest is a valid Kubernetes 1.31 object (strict: no unknown fields), and every
custom resource matches the schema shipped in tests/k8s/schemas/."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from tests.helpers.manifests import CUSTOM_KINDS, K8S_DIR, NAMESPACE, Manifest, load_all, yaml_files

KUBERNETES_VERSION = "1.31"
SCHEMAS = Path(__file__).parent / "schemas"

# jsonschema ships no type information; reaching it through importlib keeps mypy strict happy.
jsonschema: Any = importlib.import_module("jsonschema")

# The files k8s/README.md lists.
EXPECTED_FILES = {
    "namespace.yaml",
    "configmap.yaml",
    "secrets.yaml",
    "persistent-volumes.yaml",
    "infrastructure-services.yaml",
    "api-service-deployment.yaml",
    "trading-engine-deployment.yaml",
    "ml-service-deployment.yaml",
    "data-pipeline-deployment.yaml",
    "monitoring-stack.yaml",
    "ingress.yaml",
    "autoscaling.yaml",
    "ci-cd-pipeline.yaml",
    "training-job.yaml",
    "download-datasets-job.yaml",
    "scheduled-backtest-cronjob.yaml",
    "opsconsole.yaml",
}

BUILT_IN = [m for m in load_all() if (m.obj["apiVersion"], m.kind) not in CUSTOM_KINDS]
CUSTOM = [m for m in load_all() if (m.obj["apiVersion"], m.kind) in CUSTOM_KINDS]


def test_the_folder_holds_every_documented_file() -> None:
    assert {p.name for p in yaml_files()} == EXPECTED_FILES
    for name in ["deploy.sh", "README.md"]:
        assert (K8S_DIR / name).is_file(), name


@pytest.mark.parametrize("name", sorted(EXPECTED_FILES))
def test_each_file_has_real_content(name: str) -> None:
    objects = [m for m in load_all() if m.file == name]
    assert objects, f"{name} holds no Kubernetes object"


@pytest.mark.parametrize("manifest", BUILT_IN, ids=lambda m: m.id)
def test_built_in_objects_validate_strictly_against_kubernetes_1_31(manifest: Manifest) -> None:
    try:
        kubernetes_validate.validate(manifest.obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        pytest.fail(f"{manifest.id}: {path}: {exc.message}")


@pytest.mark.parametrize("manifest", CUSTOM, ids=lambda m: m.id)
def test_custom_resources_match_their_schema(manifest: Manifest) -> None:
    schema_file = CUSTOM_KINDS[(manifest.obj["apiVersion"], manifest.kind)]
    schema = json.loads((SCHEMAS / schema_file).read_text())
    jsonschema.validate(manifest.obj, schema)


def test_custom_kinds_are_not_known_to_kubernetes_validate() -> None:
    # If one of them ever gains a built-in schema, it must be validated strictly instead.
    for (api_version, kind), _schema in CUSTOM_KINDS.items():
        obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_custom_resources_in_use_are_all_checked() -> None:
    kinds = {m.kind for m in CUSTOM}
    assert {"VerticalPodAutoscaler", "Certificate", "Issuer", "Application"} <= kinds


def test_the_strict_validator_rejects_an_unknown_field() -> None:
    # Guards the guard: strict mode must refuse a misspelt field, not ignore it.
    bad = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": NAMESPACE},
        "dta": {"a": "b"},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


def test_names_are_unique_per_kind_and_namespace() -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for m in load_all():
        key = (m.kind, str(m.obj["metadata"].get("namespace", "")), m.name)
        assert key not in seen, f"{m.id} duplicates {seen[key]}"
        seen[key] = m.id


def test_namespaced_objects_live_in_trading_system() -> None:
    for m in load_all():
        if m.kind == "Namespace":
            assert m.name == NAMESPACE
            continue
        if m.kind in {"ClusterRole", "ClusterRoleBinding"}:
            # Cluster-scoped; named after the namespace so two installs never share one.
            assert "namespace" not in m.obj["metadata"], m.id
            assert m.name.endswith(f"-{NAMESPACE}"), m.id
            continue
        expected = "argocd" if m.obj["apiVersion"].startswith("argoproj.io/") else NAMESPACE
        assert m.obj["metadata"].get("namespace") == expected, m.id


def test_every_object_says_what_it_is_part_of() -> None:
    for m in load_all():
        labels = m.obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") in {"trading-system", "opsconsole"}, m.id
