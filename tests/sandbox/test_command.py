"""`python -m opsconsole.sandbox`: serves on loopback, writes a kubeconfig, says when it is
ready, and needs neither Django settings nor Celery (production never loads it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from tests.helpers.cluster import REPO, kubectl

# The sandbox runs as production's processes never do: without Django settings.
WITHOUT_DJANGO = {
    k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_command_serves_until_terminated(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsconsole.sandbox",
            "--port",
            str(port),
            "--kubeconfig",
            str(kubeconfig),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**WITHOUT_DJANGO, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"Sandbox cluster ready at http://127.0.0.1:{port}")
        out = kubectl(kubeconfig, "get", "namespaces").stdout
        assert "trading-system" in out
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == ""  # exactly one line


def test_the_command_refuses_a_non_loopback_address(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "opsconsole.sandbox",
            "--host",
            "0.0.0.0",  # noqa: S104 (the point: it must be refused)
            "--port",
            "0",
            "--kubeconfig",
            str(tmp_path / "kc"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "only to loopback" in proc.stderr
    assert not (tmp_path / "kc").exists()


def test_python_m_sandbox_serves_without_django(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsconsole.sandbox",
            "--port",
            "0",
            "--kubeconfig",
            str(kubeconfig),
            "--pods",
            "250",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.startswith("Sandbox cluster ready at http://127.0.0.1:")
        pods = kubectl(
            kubeconfig,
            "get",
            "pods",
            "-A",
            "-l",
            "sandbox.opsconsole.io/synthetic=true",
            "-o",
            "name",
        ).stdout.split()
        assert len(pods) == 250
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_importing_the_sandbox_loads_neither_django_nor_celery():
    probe = (
        "import sys, opsconsole.sandbox.cli, opsconsole.sandbox.server; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'celery'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=WITHOUT_DJANGO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
