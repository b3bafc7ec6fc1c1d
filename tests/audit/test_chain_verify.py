"""audit_verify walks the chain and names the first event that does not match."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.audit.conftest import behind_the_apps_back, verify


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    return [
        record(f"test.step_{i}", outcome=Outcome.SUCCEEDED, parameters={"i": i}) for i in range(5)
    ]


def test_a_whole_chain_verifies(chain: list[AuditEvent]) -> None:
    output = verify()
    assert "Audit chain whole" in output
    assert f"head id={chain[-1].id}" in output


def test_an_empty_log_verifies(db: None) -> None:
    assert "Audit chain whole: 0 events" in verify()


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
