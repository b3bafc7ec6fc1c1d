"""Start-up refuses what production must not run with; `check --deploy` passes otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers.settings import STRONG_KEY, manage, run_python


def test_it_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", ALLOWED_HOSTS="ops.example")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_a_weak_secret_key() -> None:
    result = manage("check", SECRET_KEY="short", ALLOWED_HOSTS="ops.example")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_it_refuses_empty_allowed_hosts() -> None:
    result = manage("check", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is empty" in result.stderr


def test_it_reads_the_secret_key_from_a_mounted_file(tmp_path: Path) -> None:
    key_file = tmp_path / "secret-key"
    key_file.write_text(STRONG_KEY)
    result = manage("check", SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="ops.example")
    assert result.returncode == 0, result.stderr


def test_the_deploy_checklist_passes_with_production_settings() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="ops.trading-system.local",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_stays_off_unless_asked_for() -> None:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="ops.example",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_it_refuses_a_wildcard_in_allowed_hosts() -> None:
    result = manage("check", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="ops.example,*")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS may not contain a wildcard" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["a" * 60, "ab" * 30, "abcde" * 12, "django-insecure-" + "x1y2z3" * 8],
    ids=["one-character", "two-characters", "five-characters", "django-insecure"],
)
def test_it_refuses_a_secret_key_with_too_little_variety(key: str) -> None:
    result = manage("check", SECRET_KEY=key, ALLOWED_HOSTS="ops.example")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("key", ["z" * 40, "0123" * 10], ids=["one-character", "repeated"])
def test_it_refuses_an_audit_key_with_too_little_variety(key: str) -> None:
    result = manage(
        "check", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="ops.example", AUDIT_CHECKPOINT_KEY=key
    )
    assert result.returncode != 0
    assert "AUDIT_CHECKPOINT_KEY is too weak" in result.stderr


def _one_line_refusal(result: subprocess.CompletedProcess[str]) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "opsconsole: configuration refused: SECRET_KEY is not set. Set SECRET_KEY (or "
        "SECRET_KEY_FILE) to a random string of at least 50 characters, see README.md"
    ]
    assert result.returncode == 78  # EX_CONFIG


def test_manage_py_says_a_refusal_in_one_line() -> None:
    _one_line_refusal(manage("check", ALLOWED_HOSTS="ops.example"))


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "gunicorn", "--bind", "127.0.0.1:0", "opsconsole.wsgi"],
        ["-m", "celery", "-A", "opsconsole.celery", "worker", "--pool", "solo"],
        ["-m", "celery", "-A", "opsconsole.celery", "beat"],
    ],
    ids=["gunicorn", "celery-worker", "celery-beat"],
)
def test_servers_say_a_refusal_in_one_line(command: list[str]) -> None:
    _one_line_refusal(run_python(*command, ALLOWED_HOSTS="ops.example"))
