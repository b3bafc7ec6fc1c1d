"""Production habits k8s/README.md promises: non-root, read-only, no capabilities, probes, rolling
updates, pinned images, least-privilege service accounts."""

from __future__ import annotations

import re

import pytest

from tests.helpers.manifests import (
    Manifest,
    Obj,
    all_containers,
    containers,
    load_all,
    of_kind,
    pod_template,
    workloads,
)

CONTAINERS = list(all_containers())
CONTAINER_IDS = [f"{m.kind}/{m.name}/{c['name']}" for m, _s, c in CONTAINERS]
POD_SPECS = [(m, pod_template(m.obj)["spec"]) for m in workloads()]
POD_IDS = [m.id for m, _s in POD_SPECS]

# Processes that serve no port: a dead process exits and the kubelet restarts it, and there
# is nothing a probe could ask them (see opsconsole.yaml). Beat is a singleton; the sync runs
# two replicas of which only the Lease holder works.
WITHOUT_PROBES = {"opsconsole-sync", "opsconsole-beat"}
LEADER_ELECTED = {"opsconsole-sync"}
# The only pods that call the Kubernetes API, and so the only ones with a token.
API_CLIENTS = {"prometheus", "opsconsole-web", "opsconsole-worker", "opsconsole-sync"}
# A tag after the last "/", never "latest"; or a digest.
PINNED = re.compile(r"^[^\s:@]+(?::(?!latest$)[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")


def _tag(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1].split("@", 1)[0] if ":" in last else ""


@pytest.mark.parametrize(("manifest", "spec", "ctr"), CONTAINERS, ids=CONTAINER_IDS)
def test_images_are_pinned(manifest: Manifest, spec: Obj, ctr: Obj) -> None:
    image = ctr["image"]
    assert PINNED.match(image), image
    assert _tag(image) or "@sha256:" in image, f"{image} has no tag"
    assert _tag(image) != "latest", image


@pytest.mark.parametrize(("manifest", "spec", "ctr"), CONTAINERS, ids=CONTAINER_IDS)
def test_containers_drop_everything_they_can(manifest: Manifest, spec: Obj, ctr: Obj) -> None:
    sc = ctr["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc.get("privileged", False) is False
    assert sc["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize(("manifest", "spec", "ctr"), CONTAINERS, ids=CONTAINER_IDS)
def test_containers_run_as_non_root(manifest: Manifest, spec: Obj, ctr: Obj) -> None:
    pod_sc = spec["securityContext"]
    sc = ctr["securityContext"]
    assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
    assert sc.get("runAsUser", pod_sc.get("runAsUser", 0)) > 0
    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile"))
    assert seccomp == {"type": "RuntimeDefault"}


# Our own images; third-party ones mount what they write to (see each manifest).
OURS = [
    (m, s, c) for m, s, c in CONTAINERS if c["image"].startswith("registry.trading-system.local/")
]
OUR_IDS = [f"{m.kind}/{m.name}/{c['name']}" for m, _s, c in OURS]


@pytest.mark.parametrize(("manifest", "spec", "ctr"), OURS, ids=OUR_IDS)
def test_our_images_get_a_writable_tmp(manifest: Manifest, spec: Obj, ctr: Obj) -> None:
    mounts = {m["mountPath"]: m["name"] for m in ctr.get("volumeMounts", [])}
    assert "/tmp" in mounts
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize(("manifest", "spec", "ctr"), CONTAINERS, ids=CONTAINER_IDS)
def test_containers_have_requests_and_limits(manifest: Manifest, spec: Obj, ctr: Obj) -> None:
    for bound in ["requests", "limits"]:
        assert {"cpu", "memory"} <= set(ctr["resources"][bound]), bound


@pytest.mark.parametrize(("manifest", "spec"), POD_SPECS, ids=POD_IDS)
def test_pods_stay_off_the_host(manifest: Manifest, spec: Obj) -> None:
    for field in ["hostNetwork", "hostPID", "hostIPC"]:
        assert not spec.get(field, False), field
    for volume in spec.get("volumes", []):
        assert "hostPath" not in volume, volume["name"]


def test_long_running_containers_have_liveness_and_readiness_probes() -> None:
    for m in of_kind("Deployment", "StatefulSet"):
        if m.name in WITHOUT_PROBES:
            continue
        for ctr in containers(pod_template(m.obj)["spec"], init=False):
            assert "livenessProbe" in ctr, f"{m.id}/{ctr['name']}"
            assert "readinessProbe" in ctr, f"{m.id}/{ctr['name']}"


def test_only_the_listed_singletons_go_without_probes() -> None:
    names = {m.name for m in of_kind("Deployment")}
    assert names >= WITHOUT_PROBES
    for m in of_kind("Deployment"):
        if m.name in WITHOUT_PROBES - LEADER_ELECTED:
            assert m.obj["spec"]["replicas"] == 1


@pytest.mark.parametrize("manifest", of_kind("Deployment"), ids=lambda m: m.id)
def test_deployments_roll_with_surge_and_unavailable_set(manifest: Manifest) -> None:
    strategy = manifest.obj["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    rolling = strategy["rollingUpdate"]
    assert {"maxSurge", "maxUnavailable"} <= set(rolling)
    assert (rolling["maxSurge"], rolling["maxUnavailable"]) != (0, 0)
    if manifest.obj["spec"]["replicas"] > 1:
        # Replicated services keep full capacity during a rollout.
        assert rolling["maxUnavailable"] == 0


@pytest.mark.parametrize("manifest", of_kind("StatefulSet"), ids=lambda m: m.id)
def test_statefulsets_roll(manifest: Manifest) -> None:
    assert manifest.obj["spec"]["updateStrategy"]["type"] == "RollingUpdate"


@pytest.mark.parametrize(("manifest", "spec"), POD_SPECS, ids=POD_IDS)
def test_pods_get_a_token_only_when_they_call_the_api(manifest: Manifest, spec: Obj) -> None:
    sa = spec["serviceAccountName"]
    assert sa != "default"
    assert sa in {m.name for m in of_kind("ServiceAccount")}
    assert spec["automountServiceAccountToken"] is (manifest.name in API_CLIENTS)


def test_service_accounts_do_not_mount_tokens_by_default() -> None:
    for m in of_kind("ServiceAccount"):
        # Prometheus always needs its token; every other pod opts in explicitly.
        assert m.obj["automountServiceAccountToken"] is (m.name == "prometheus"), m.id


def test_service_accounts_with_a_token_are_bound_to_a_role() -> None:
    bound = {
        s["name"]
        for m in of_kind("RoleBinding")
        for s in m.obj["subjects"]
        if s["kind"] == "ServiceAccount"
    }
    for m, spec in POD_SPECS:
        if spec["automountServiceAccountToken"]:
            assert spec["serviceAccountName"] in bound, m.id


def test_the_namespace_enforces_the_restricted_pod_security_standard() -> None:
    (ns,) = of_kind("Namespace")
    assert ns.obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_no_object_is_cluster_scoped_beyond_the_namespace_but_reading_nodes() -> None:
    cluster_scoped = {"ClusterRole", "ClusterRoleBinding", "ClusterIssuer", "PersistentVolume"}
    found = [(m.kind, m.name) for m in load_all() if m.kind in cluster_scoped]
    # Nodes are cluster-scoped: the console's overview and node pages read them (test_rbac).
    assert found == [
        ("ClusterRole", "opsconsole-node-reader-trading-system"),
        ("ClusterRoleBinding", "opsconsole-node-reader-trading-system"),
    ]
