"""Fixtures for the audit tests: a checkpoint file per test, no lock windows left over."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def checkpoint_file(tmp_path: Path, settings: Settings) -> Path:
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_FILE = path
    return path


@pytest.fixture(autouse=True)
def _no_refusal_windows_left() -> None:
    """Lock windows counted in Redis by an earlier test would be swept into this one's log."""
    import redis
    from django.conf import settings

    from opsconsole.audit.refusals import PREFIX

    store = redis.Redis.from_url(settings.REDIS_URL)
    for key in store.scan_iter(match=PREFIX + "*"):
        store.delete(key)
