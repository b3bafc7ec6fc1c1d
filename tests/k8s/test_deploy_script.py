"""deploy.sh without a cluster: shellcheck-clean, helpful, strict about its arguments; and
`deploy` itself, past the CRD check, against a stand-in kubectl (see FAKE_KUBECTL for why).
Everything the sandbox can show runs with the real kubectl in test_deploy_script_sandbox.py."""

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

from tests.helpers.cluster import DEPLOY_SH, deploy_sh
from tests.helpers.manifests import K8S_DIR, require_binary

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

# A stand-in kubectl, kept only for `deploy` past its CRD check, which the sandbox cannot
# show: the sandbox serves no CustomResourceDefinitions (cert-manager's Certificate and
# Issuer, the VPA), so against it deploy.sh stops before applying anything (that refusal is
# tested there with the real kubectl). This records every call and every applied document;
# FAKE_SECRET_RC=1 makes the Secrets look missing from the cluster.
FAKE_KUBECTL = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
case "$*" in
  *"get secret "*) exit "${FAKE_SECRET_RC:-0}" ;;
  *"get deployments,statefulsets"*)
    printf 'deployment.apps/trading-engine\\nstatefulset.apps/postgres\\n' ;;
  *apply*)
    n=$(find "$FAKE_APPLIED" -type f | wc -l)
    cat > "$FAKE_APPLIED/$(printf '%03d' "$n").yaml" ;;
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
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_LOG": str(self.log),
            "FAKE_APPLIED": str(self.applied),
            **fake,
        }
        result = deploy_sh(*args, env=env)
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
        [shellcheck, str(DEPLOY_SH)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_strict_and_executable() -> None:
    text = DEPLOY_SH.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(DEPLOY_SH, os.X_OK)


@pytest.mark.parametrize("args", [["help"], ["--help"], ["-h"]])
def test_help_needs_no_kubectl(args: list[str], tmp_path: Path) -> None:
    result = deploy_sh(*args, path=_path_without_kubectl(tmp_path))
    assert result.returncode == 0, result.stderr
    for word in ["deploy", "verify", "status", "logs", "port-forward", "rollback", "render"]:
        assert re.search(rf"^\s+{word}\b", result.stdout, re.M), word
    for option in ["--namespace", "--dry-run"]:
        assert option in result.stdout


def test_an_unknown_command_fails_with_a_message() -> None:
    result = deploy_sh("launch-rockets")
    assert result.returncode != 0
    assert "unknown command 'launch-rockets'" in result.stderr


def test_an_unknown_option_fails_with_a_message() -> None:
    result = deploy_sh("--force", "deploy")
    assert result.returncode != 0
    assert "unknown option: --force" in result.stderr


def test_no_command_prints_usage_and_fails() -> None:
    result = deploy_sh()
    assert result.returncode != 0
    assert "Usage:" in result.stderr


def test_an_invalid_namespace_is_refused() -> None:
    result = deploy_sh("--namespace", "Trading_System", "status")
    assert result.returncode != 0
    assert "invalid namespace" in result.stderr


def test_missing_kubectl_is_a_clear_error(tmp_path: Path) -> None:
    result = deploy_sh("status", path=_path_without_kubectl(tmp_path))
    assert result.returncode != 0
    assert "kubectl not found" in result.stderr


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


def test_the_stand_in_answers_only_what_the_sandbox_cannot_show() -> None:
    """Everything else runs with the real kubectl against the sandbox; a verb added here
    needs the reason it cannot be shown there."""
    answered = re.findall(r"^  (\S.*?)\)", FAKE_KUBECTL, re.M)
    assert answered == ['*"get secret "*', '*"get deployments,statefulsets"*', "*apply*"]


def test_render_moves_everything_into_another_namespace() -> None:
    result = deploy_sh("--namespace", "trading-staging", "render", path="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    assert len(objects) > 50
    for obj in objects:
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == "trading-staging"
        elif obj["kind"] in {"ClusterRole", "ClusterRoleBinding"}:
            assert obj["metadata"]["name"].endswith("-trading-staging")
        else:
            assert obj["metadata"]["namespace"] == "trading-staging", obj["metadata"]["name"]
        for subject in obj.get("subjects", []):
            assert subject["namespace"] == "trading-staging"
    assert 'namespace="trading-system"' not in result.stdout
    assert 'namespace=\\"trading-system\\"' not in result.stdout
    assert ".trading-system.svc" not in result.stdout
