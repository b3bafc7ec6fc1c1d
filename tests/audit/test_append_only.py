"""Events cannot be changed or deleted: not by the model, not by raw SQL from the app."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction

from opsconsole.audit.models import AppendOnlyError, AuditEvent, ReviewSignOff
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import events, verify


@pytest.fixture
def event(db: None) -> AuditEvent:
    kept = record("test.kept", outcome=Outcome.SUCCEEDED, reason="original")
    # A sign-off row too, so row triggers on that table have something to refuse.
    ReviewSignOff.objects.create(
        signed_by_name="ada", after_id=0, up_to_id=kept.id, event_count=1, note="ok", event=kept
    )
    return kept


def test_the_model_refuses_to_save_an_existing_event(event: AuditEvent) -> None:
    event.reason = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


def test_the_model_refuses_to_delete_an_event(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_querysets_refuse_bulk_changes(event: AuditEvent) -> None:
    same = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(AppendOnlyError):
        same.update(reason="edited")
    with pytest.raises(AppendOnlyError):
        same.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(verb="test.forged")])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET reason = 'edited'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent CASCADE",
        "UPDATE audit_reviewsignoff SET note = 'edited'",
        "DELETE FROM audit_reviewsignoff",
        "TRUNCATE audit_reviewsignoff",
    ],
)
def test_the_database_refuses_raw_sql_from_the_applications_connection(
    event: AuditEvent, sql: str
) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # Check the test's own deferred foreign keys now; else TRUNCATE stops on those.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).reason == "original"


def test_deleting_a_user_keeps_their_events_by_name(operator: User) -> None:
    record("test.by_otto", outcome=Outcome.SUCCEEDED, actor=operator)
    operator.delete()
    (event,) = events(verb="test.by_otto")
    assert event.actor is None
    assert (event.actor_name, event.role) == ("otto", "operator")
    assert "verified by its hashes only" in verify()


def test_no_one_may_be_granted_a_change_permission_on_events(db: None) -> None:
    from django.contrib.auth.models import Permission

    codenames = set(
        Permission.objects.filter(content_type__app_label="audit").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"sign_off_review"}


@pytest.mark.django_db(transaction=True)
def test_committed_events_survive_until_the_test_database_flush() -> None:
    # Transactional tests end in a flush; the test suite's flush passes the triggers.
    record("test.committed", outcome=Outcome.SUCCEEDED)
    assert len(events(verb="test.committed")) == 1
