"""record(): what an event holds, how it chains, and that it shares the caller's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import RequestFactory, override_settings

from opsconsole.audit.canonical import GENESIS, event_hash
from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from opsconsole.web.http import REQUEST_ID_META
from tests.helpers.audit import events


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_it_takes_actor_role_ip_agent_and_request_id_from_the_request(
    operator: User, rf: RequestFactory
) -> None:
    request = rf.post(
        "/x",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_USER_AGENT="Firefox/140",
    )
    request.user = operator
    request.META[REQUEST_ID_META] = "req-0001-abcd"
    event = record(
        "deployment.scale",
        outcome=Outcome.REQUESTED,
        request=request,
        target_kind="deployment",
        target_namespace="trading-system",
        target_name="trading-engine",
        parameters={"replicas": 3},
        before={"replicas": 2},
        after={"replicas": 3},
        operator_reason="OPS-4711",
        related_kind="action",
        related_id=42,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_name, stored.role) == (operator, "otto", "operator")
    assert stored.source_ip == "203.0.113.7"
    assert stored.user_agent == "Firefox/140"
    assert stored.request_id == "req-0001-abcd"
    assert stored.related_id == "42"
    assert stored.time.tzinfo is not None
    assert stored.time.utcoffset() == dt.timedelta(0)


def test_each_event_links_to_the_one_before(db: None) -> None:
    first = record("test.one", outcome=Outcome.SUCCEEDED)
    second = record("test.two", outcome=Outcome.SUCCEEDED)
    assert first.prev_hash == GENESIS or AuditEvent.objects.filter(id__lt=first.id).exists()
    assert second.prev_hash == first.hash
    assert AuditEvent.objects.get(pk=second.pk).hash == event_hash(second.__dict__)


def test_the_hash_taken_at_write_matches_the_stored_row(db: None) -> None:
    # jsonb rewrites numbers and keys; the hash must be of what reads back.
    event = record(
        "test.values",
        outcome=Outcome.SUCCEEDED,
        parameters={"big": 1e20, "half": 0.5, "when": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)},
        before={"b": 1, "a": [1, 2]},
        reason="nul\x00byte",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.hash_matches
    assert stored.parameters["when"] == "2026-01-02T00:00:00Z"
    assert "\x00" not in stored.reason


def test_it_refuses_a_verb_without_an_area(db: None) -> None:
    with pytest.raises(ValueError, match=r"area\.action"):
        record("scale", outcome=Outcome.SUCCEEDED)


def _create_user_and_record(verb: str) -> None:
    with transaction.atomic():
        User.objects.create_user("mallory")
        record(verb, outcome=Outcome.SUCCEEDED)
        if verb == "test.then_fail":
            raise RuntimeError("the change failed after the event was written")


def test_if_the_audit_write_fails_the_change_does_not_happen(db: None) -> None:
    with pytest.raises(ValueError, match="not of the form"):
        _create_user_and_record("bad verb")
    assert not User.objects.filter(username="mallory").exists()


def test_a_change_rolled_back_leaves_no_event(db: None) -> None:
    with pytest.raises(RuntimeError, match="failed after"):
        _create_user_and_record("test.then_fail")
    assert events(verb="test.then_fail") == []
