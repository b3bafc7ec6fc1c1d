"""audit_verify walks the chain and names the first event that does not match."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pytest_django.fixtures import Settings

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import behind_the_apps_back, verify


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    return [
        record(f"test.step_{i}", outcome=Outcome.SUCCEEDED, parameters={"i": i}) for i in range(5)
    ]


def test_a_whole_chain_verifies(chain: list[AuditEvent]) -> None:
    call_command("audit_checkpoint", stdout=StringIO())
    output = verify()
    assert "Audit chain whole" in output
    assert f"head id={chain[-1].id}" in output


def test_an_empty_log_verifies(db: None) -> None:
    assert "verified by its hashes only: 0 events" in verify()


def test_a_young_chain_without_checkpoints_verifies_by_its_hashes(
    chain: list[AuditEvent],
) -> None:
    # No checkpoint is due yet: every event is younger than one interval (300 s).
    output = verify()
    assert f"verified by its hashes only: 5 events, head id={chain[-1].id}" in output
    assert "none is due yet" in output


def _written_minutes_ago(monkeypatch: pytest.MonkeyPatch, minutes: int) -> AuditEvent:
    then = timezone.now() - timedelta(minutes=minutes)
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: then)
        return record("test.old", outcome=Outcome.SUCCEEDED)


@pytest.mark.parametrize("file_state", ["missing", "empty"])
def test_an_old_chain_without_checkpoints_is_not_reported_whole(
    db: None, checkpoint_file: Path, monkeypatch: pytest.MonkeyPatch, file_state: str
) -> None:
    _written_minutes_ago(monkeypatch, 6)
    if file_state == "empty":
        checkpoint_file.write_text("")
    with pytest.raises(CommandError) as failure:
        verify()
    message = str(failure.value)
    assert message.startswith("audit chain NOT verified: no checkpoint found")
    assert ("is empty" if file_state == "empty" else "does not exist") in message
    assert "older than one checkpoint interval (300 s)" in message
    assert "--no-checkpoints-ok" in message


def test_the_operator_may_accept_a_check_by_hashes_only(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _written_minutes_ago(monkeypatch, 6)
    output = verify("--no-checkpoints-ok")
    assert "verified by its hashes only: 1 events" in output
    assert "a chain rewritten wholesale would pass this check" in output
    assert "whole" not in output.split(":")[0]


def test_the_interval_follows_the_beat_schedule(
    db: None, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    _written_minutes_ago(monkeypatch, 6)
    settings.CELERY_BEAT_SCHEDULE = {
        "audit-checkpoint": {"task": "audit.checkpoint", "schedule": 3600.0}
    }
    assert "none is due yet" in verify()


def test_it_names_an_event_changed_behind_the_applications_back(
    chain: list[AuditEvent],
) -> None:
    target = chain[2]
    with behind_the_apps_back() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET parameters = '{\"i\": 99}' WHERE id = %s", [target.id]
        )
    with pytest.raises(CommandError) as failure:
        verify()
    message = str(failure.value)
    assert f"id={target.id} " in message
    assert "verb=test.step_2" in message
    assert target.time.isoformat()[:19] in message
    assert "does not match its hash" in message


def test_it_names_the_event_after_a_removed_one(chain: list[AuditEvent]) -> None:
    with behind_the_apps_back() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].id])
    with pytest.raises(CommandError, match=f"id={chain[2].id} .*prev_hash"):
        verify()


def test_the_command_exits_non_zero_when_broken(chain: list[AuditEvent]) -> None:
    with behind_the_apps_back() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET verb = 'test.forged' WHERE id = %s", [chain[0].id]
        )
    with pytest.raises(CommandError) as failure:
        verify()
    assert failure.value.returncode == 1
