"""deploy.sh: shellcheck-clean, helpful without a cluster, and it drives kubectl as promised
(checked against a stand-in kubectl that records its calls)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.k8s.manifests import K8S_DIR, require_binary

SCRIPT = K8S_DIR / "deploy.sh"
BASH = shutil.which("bash") or "/bin/bash"
ORDER = [
    "namespace.yaml",
    "configmap.yaml",
    "secrets.yaml",
    "persistent-volumes.yaml",
    "infrastructure-services.yaml",
    "monitoring-stack.yaml",
    "api-service-deployment.yaml",
    "trading-engine-deployment.yaml",
    "ml-service-deployment.yaml",
    "data-pipeline-deployment.yaml",
    "autoscaling.yaml",
    "ingress.yaml",
    "training-job.yaml",
    "download-datasets-job.yaml",
    "scheduled-backtest-cronjob.yaml",
    "opsconsole.yaml",
]
TRADING_DEPLOYMENTS = [
    "trading-api-service",
    "trading-engine",
    "trading-ml-service",
    "trading-data-pipeline",
]

# Records every call; answers the few reads deploy.sh makes. FAKE_* variables pick failures.
FAKE_KUBECTL = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$*" in
  version*) exit "${FAKE_VERSION_RC:-0}" ;;
  *"get crd "*) exit "${FAKE_CRD_RC:-0}" ;;
  *"get secret "*) exit "${FAKE_SECRET_RC:-0}" ;;
  *"get deployments,statefulsets"*)
    printf 'deployment.apps/trading-engine\\nstatefulset.apps/postgres\\n' ;;
  *"rollout status"*) exit "${FAKE_ROLLOUT_RC:-0}" ;;
  *apply*)
    n=$(find "$FAKE_APPLIED" -type f | wc -l)
    cat > "$FAKE_APPLIED/$(printf '%03d' "$n").yaml" ;;
  "config current-context") echo test-context ;;
esac
exit 0
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    calls: list[str]
    applied: list[str]


@dataclass
class Kubectl:
    """A stand-in kubectl on PATH; run() invokes deploy.sh with it."""

    bin_dir: Path
    log: Path
    applied: Path

    def run(self, *args: str, **fake: str) -> Run:
        self.log.write_text("")
        for old in self.applied.iterdir():
            old.unlink()
        env = {
            **os.environ,
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(self.log),
            "FAKE_APPLIED": str(self.applied),
            **fake,
        }
        result = subprocess.run(
            [BASH, str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        calls = self.log.read_text().splitlines()
        applied = [p.read_text() for p in sorted(self.applied.iterdir())]
        return Run(result.returncode, result.stdout, result.stderr, calls, applied)


@pytest.fixture
def kubectl(tmp_path: Path) -> Kubectl:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    applied = tmp_path / "applied"
    applied.mkdir()
    return Kubectl(bin_dir, tmp_path / "calls.log", applied)


def _script(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [BASH, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _path_without_kubectl(tmp_path: Path) -> str:
    """A PATH holding the basic tools the script uses, and no kubectl."""
    bin_dir = tmp_path / "basic-bin"
    bin_dir.mkdir()
    for tool in ["dirname", "basename", "cat", "sed", "grep"]:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_shellcheck_is_clean() -> None:
    shellcheck = require_binary("shellcheck")
    result = subprocess.run(
        [shellcheck, str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_strict_and_executable() -> None:
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.parametrize("args", [["help"], ["--help"], ["-h"]])
def test_help_needs_no_kubectl(args: list[str], tmp_path: Path) -> None:
    result = _script(*args, path=_path_without_kubectl(tmp_path))
    assert result.returncode == 0, result.stderr
    for word in ["deploy", "verify", "status", "logs", "port-forward", "rollback", "render"]:
        assert re.search(rf"^\s+{word}\b", result.stdout, re.M), word
    for option in ["--namespace", "--dry-run"]:
        assert option in result.stdout


def test_an_unknown_command_fails_with_a_message() -> None:
    result = _script("launch-rockets")
    assert result.returncode != 0
    assert "unknown command 'launch-rockets'" in result.stderr


def test_an_unknown_option_fails_with_a_message() -> None:
    result = _script("--force", "deploy")
    assert result.returncode != 0
    assert "unknown option: --force" in result.stderr


def test_no_command_prints_usage_and_fails() -> None:
    result = _script()
    assert result.returncode != 0
    assert "Usage:" in result.stderr


def test_an_invalid_namespace_is_refused() -> None:
    result = _script("--namespace", "Trading_System", "status")
    assert result.returncode != 0
    assert "invalid namespace" in result.stderr


def test_missing_kubectl_is_a_clear_error(tmp_path: Path) -> None:
    result = _script("status", path=_path_without_kubectl(tmp_path))
    assert result.returncode != 0
    assert "kubectl not found" in result.stderr


def test_an_unreachable_cluster_is_a_clear_error(kubectl: Kubectl) -> None:
    result = kubectl.run("status", FAKE_VERSION_RC="1")
    assert result.returncode != 0
    assert "cannot reach the Kubernetes API" in result.stderr
    assert "test-context" in result.stderr


def test_missing_crds_stop_deploy_before_anything_is_applied(kubectl: Kubectl) -> None:
    result = kubectl.run("deploy", FAKE_CRD_RC="1")
    assert result.returncode != 0
    assert "cert-manager" in result.stderr
    assert result.applied == []


def test_deploy_applies_in_dependency_order_and_verifies(kubectl: Kubectl) -> None:
    # secrets.yaml holds placeholders and the Secrets exist: it is skipped.
    result = kubectl.run("deploy")
    assert result.returncode == 0, result.stderr
    expected = [f for f in ORDER if f != "secrets.yaml"]
    assert result.applied == [(K8S_DIR / f).read_text() for f in expected]
    assert "keeping the Secrets already in the cluster" in result.stderr
    assert any("rollout status deployment.apps/trading-engine" in c for c in result.calls)


def test_deploy_refuses_placeholder_secrets_when_the_real_ones_are_missing(
    kubectl: Kubectl,
) -> None:
    result = kubectl.run("deploy", FAKE_SECRET_RC="1")
    assert result.returncode != 0
    assert "secrets.yaml still holds placeholders" in result.stderr
    assert len(result.applied) == ORDER.index("secrets.yaml")


def test_dry_run_deploy_sends_everything_with_server_dry_run(kubectl: Kubectl) -> None:
    result = kubectl.run("--dry-run", "deploy", FAKE_SECRET_RC="1")
    assert result.returncode == 0, result.stderr
    assert len(result.applied) == len(ORDER)
    applies = [c for c in result.calls if "apply" in c]
    assert applies
    assert all("--dry-run=server" in c for c in applies)
    assert not any("rollout status" in c for c in result.calls)


def test_verify_fails_when_a_rollout_does_not_finish(kubectl: Kubectl) -> None:
    result = kubectl.run("verify", FAKE_ROLLOUT_RC="1")
    assert result.returncode != 0
    assert "not rolled out" in result.stderr


def test_logs_default_to_the_api_service(kubectl: Kubectl) -> None:
    result = kubectl.run("logs")
    assert result.returncode == 0, result.stderr
    assert "-n trading-system logs deployment/trading-api-service" in result.calls[-1]
    result = kubectl.run("--namespace", "staging", "logs", "trading-engine")
    assert "-n staging logs deployment/trading-engine" in result.calls[-1]


def test_port_forward_forwards_a_service(kubectl: Kubectl) -> None:
    result = kubectl.run("port-forward", "grafana", "3000")
    assert result.returncode == 0, result.stderr
    assert result.calls[-1] == "-n trading-system port-forward service/grafana 3000"
    result = kubectl.run("port-forward", "grafana")
    assert result.returncode != 0
    assert "usage:" in result.stderr


def test_rollback_without_a_name_rolls_back_the_four_services(kubectl: Kubectl) -> None:
    result = kubectl.run("rollback")
    assert result.returncode == 0, result.stderr
    undone = [c for c in result.calls if "rollout undo" in c]
    assert undone == [f"-n trading-system rollout undo deployment/{d}" for d in TRADING_DEPLOYMENTS]


def test_dry_run_rollback_changes_nothing(kubectl: Kubectl) -> None:
    result = kubectl.run("--dry-run", "rollback", "trading-engine")
    assert result.returncode == 0, result.stderr
    assert (
        "-n trading-system rollout undo deployment/trading-engine --dry-run=server" in result.calls
    )
    assert not any("rollout status" in c for c in result.calls)


def test_dry_run_status_prints_the_command_instead(kubectl: Kubectl) -> None:
    result = kubectl.run("--dry-run", "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("would run: kubectl -n trading-system get ")


def test_render_moves_everything_into_another_namespace() -> None:
    result = _script("--namespace", "trading-staging", "render", path="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert len(objects) > 50
    for obj in objects:
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == "trading-staging"
        else:
            assert obj["metadata"]["namespace"] == "trading-staging", obj["metadata"]["name"]
        for subject in obj.get("subjects", []):
            assert subject["namespace"] == "trading-staging"
    assert 'namespace="trading-system"' not in result.stdout
    assert 'namespace=\\"trading-system\\"' not in result.stdout
    assert ".trading-system.svc" not in result.stdout
