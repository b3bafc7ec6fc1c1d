"""Start-up refuses what production must not run with; `check --deploy` passes otherwise."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.settings import STRONG_KEY, manage


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
