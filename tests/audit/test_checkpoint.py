"""Signed checkpoints outside the database catch a chain rewritten wholesale."""

from __future__ import annotations

import json
import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opsconsole.audit.canonical import GENESIS, event_hash
from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import behind_the_apps_back, verify
from tests.helpers.settings import STRONG_KEY, manage


def _checkpoint() -> None:
    call_command("audit_checkpoint", stdout=StringIO())


def _fill(count: int) -> list[AuditEvent]:
    return [record(f"test.step_{i}", outcome=Outcome.SUCCEEDED) for i in range(count)]


def _rewrite_everything(verb_of_second: str) -> None:
    """What an attacker with the database (but not the checkpoint key) can do: change an
    event and recompute every hash after it, so the chain itself is whole again."""
    with behind_the_apps_back() as cursor:
        ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
        cursor.execute(
            "UPDATE audit_auditevent SET verb = %s WHERE id = %s", [verb_of_second, ids[1]]
        )
        previous = GENESIS
        for event_id in ids:
            event = AuditEvent.objects.get(id=event_id)
            event.prev_hash = previous
            previous = event_hash(event.__dict__)
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, previous, event_id],
            )


def test_a_checkpoint_signs_the_chain_head(db: None, checkpoint_file: Path) -> None:
    chain = _fill(3)
    _checkpoint()
    (line,) = checkpoint_file.read_text().splitlines()
    data = json.loads(line)
    assert (data["last_id"], data["hash"]) == (chain[-1].id, chain[-1].hash)
    assert data["count"] == AuditEvent.objects.count()
    assert len(data["hmac"]) == 64


def test_the_checkpoint_goes_to_the_log_too(db: None, caplog: pytest.LogCaptureFixture) -> None:
    from opsconsole.audit.tasks import checkpoint

    _fill(1)
    with caplog.at_level(logging.INFO, logger="opsconsole.audit.checkpoint"):
        checkpoint()  # what Celery beat runs
    assert "audit checkpoint" in caplog.text
    assert '"hmac"' in caplog.text


def test_the_beat_schedule_runs_the_checkpoint() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] == "audit.checkpoint"
    assert entry["schedule"] == 300.0


def test_a_wholesale_rewrite_passes_the_chain_but_not_the_checkpoint(db: None) -> None:
    chain = _fill(4)
    _checkpoint()
    _rewrite_everything("test.innocent")
    with pytest.raises(CommandError, match="rewritten") as failure:
        verify()
    assert f"id={chain[-1].id} " in str(failure.value)


def test_events_cut_off_the_end_are_caught(db: None) -> None:
    chain = _fill(4)
    _checkpoint()
    with behind_the_apps_back() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [chain[2].id])
    with pytest.raises(CommandError, match=f"names event id={chain[-1].id}"):
        verify()


def test_a_forged_checkpoint_line_is_refused(db: None, checkpoint_file: Path) -> None:
    _fill(2)
    _checkpoint()
    data = json.loads(checkpoint_file.read_text())
    data["count"] = 1
    checkpoint_file.write_text(json.dumps(data) + "\n")
    with pytest.raises(CommandError, match="wrong HMAC"):
        verify()


def test_later_events_do_not_disturb_earlier_checkpoints(db: None) -> None:
    _fill(2)
    _checkpoint()
    _fill(3)
    _checkpoint()
    assert "2 checkpoints match" in verify()


def test_web_pods_start_without_the_checkpoint_key() -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="ops.example", AUDIT_CHECKPOINT_KEY="",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkpointing_without_the_key_is_refused_with_a_clear_message() -> None:
    result = manage(
        "audit_checkpoint",
        SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="ops.example", AUDIT_CHECKPOINT_KEY="",
    )  # fmt: skip
    assert result.returncode != 0
    assert "AUDIT_CHECKPOINT_KEY is missing" in result.stderr


def test_production_refuses_a_short_checkpoint_key() -> None:
    result = manage(
        "check", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="ops.example", AUDIT_CHECKPOINT_KEY="short"
    )
    assert result.returncode != 0
    assert (
        "AUDIT_CHECKPOINT_KEY is too weak: use a random string of at least 32 characters"
        in result.stderr
    )


def test_production_reads_the_checkpoint_key_from_a_mounted_file(tmp_path: Path) -> None:
    key_file = tmp_path / "audit-key"
    key_file.write_text("a-random-checkpoint-key-of-more-than-32-characters")
    result = manage(
        "check",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="ops.example",
        AUDIT_CHECKPOINT_KEY_FILE=str(key_file),
    )
    assert result.returncode == 0, result.stderr
