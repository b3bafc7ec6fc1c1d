"""Sign-in, failures, lockouts and sign-out are recorded with the real client address."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from axes.utils import reset
from django.contrib.auth.models import User
from django.test import Client, override_settings

from opsconsole.audit import refusals
from opsconsole.audit.models import AuditEvent
from tests.helpers.audit import events
from tests.helpers.web import PASSWORD, signed_in

INGRESS: dict[str, Any] = {
    "REMOTE_ADDR": "10.0.0.2",
    "HTTP_X_FORWARDED_FOR": "198.51.100.9, 203.0.113.7",
}


def sign_in(client: Client, username: str, password: str) -> None:
    client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        HTTP_USER_AGENT="Mozilla/5.0 test",
        **INGRESS,
    )


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_a_sign_in_is_recorded_with_the_client_behind_the_ingress(viewer: User) -> None:
    sign_in(Client(), "vera", PASSWORD)
    (event,) = events(verb="auth.sign_in")
    assert (event.actor, event.actor_name, event.role) == (viewer, "vera", "viewer")
    assert event.outcome == "succeeded"
    assert event.source_ip == "203.0.113.7"  # not the ingress, not the forged left entry
    assert event.user_agent == "Mozilla/5.0 test"


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_a_failed_sign_in_keeps_the_name_tried_and_never_the_password(viewer: User) -> None:
    sign_in(Client(), "vera", "hunter2-wrong-password")
    (event,) = events(verb="auth.sign_in_failed")
    assert event.outcome == "denied"
    assert event.actor is None
    assert event.actor_name == ""
    assert (event.target_kind, event.target_name) == ("user", "vera")
    assert event.source_ip == "203.0.113.7"
    assert event.reason == "wrong user name or password"
    stored = json.dumps([getattr(event, f.name) for f in AuditEvent._meta.fields], default=str)
    assert "hunter2" not in stored
    assert "****" not in stored


def test_an_unknown_user_name_is_recorded_too(db: None) -> None:
    sign_in(Client(), "nobody-here", "whatever-password")
    (event,) = events(verb="auth.sign_in_failed")
    assert event.target_name == "nobody-here"


def test_a_lockout_and_the_refused_attempts_after_it_are_recorded(viewer: User) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "vera", "wrong-password")
    (lockout,) = events(verb="auth.locked_out")
    assert lockout.target_name == "vera"
    assert "5 failed sign-ins" in lockout.reason
    sign_in(client, "vera", PASSWORD)  # right password, but locked
    refused = events(verb="auth.sign_in_failed")[-1]
    assert refused.reason.startswith("refused: ")
    assert events(verb="auth.sign_in") == []
    assert len(events(verb="auth.locked_out")) == 1


def test_a_sign_out_is_recorded(viewer: User) -> None:
    client = signed_in(viewer)
    client.post("/accounts/logout/")
    (event,) = events(verb="auth.sign_out")
    assert (event.actor_name, event.outcome, event.reason) == ("vera", "succeeded", "")


def test_an_idle_sign_out_says_why(viewer: User) -> None:
    client = signed_in(viewer)
    client.get("/")
    session = client.session
    session["opsconsole_last_activity"] = time.time() - 31 * 60
    session.save()
    client.get("/")
    (event,) = events(verb="auth.sign_out")
    assert event.reason == "idle timeout"


def _lock_out_and_flood(refused: int) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "vera", "wrong-password")
    for _ in range(refused):
        sign_in(client, "vera", PASSWORD)  # refused unchecked: the pair is locked


def _refused_singly() -> list[AuditEvent]:
    return [e for e in events(verb="auth.sign_in_failed") if e.reason.startswith("refused: ")]


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_a_flood_of_refused_sign_ins_writes_one_event_until_the_window_ends(
    viewer: User,
) -> None:
    before = AuditEvent.objects.count()
    _lock_out_and_flood(50)
    # 5 failures + the lockout + the first refusal; the other 49 are only counted.
    assert AuditEvent.objects.count() - before == 7
    assert len(_refused_singly()) == 1
    assert refusals.sweep() == 0  # the lock has not ended yet: nothing to total
    assert events(verb="auth.sign_in_refused") == []

    after_the_lock = time.time() + 16 * 60
    assert refusals.sweep(now=after_the_lock) == 1
    (total,) = events(verb="auth.sign_in_refused")
    assert total.parameters["refused"] == 50
    assert total.parameters["source_ip"] == "203.0.113.7"
    assert (total.target_name, total.outcome, total.actor_name) == ("vera", "denied", "")
    assert "50 sign-ins refused" in total.reason
    assert refusals.sweep(now=after_the_lock) == 0  # recorded once, never again


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_the_next_sign_in_records_the_total_of_the_lock_before_it(viewer: User) -> None:
    _lock_out_and_flood(12)
    reset(username="vera")  # the lock ends (as after AXES_COOLOFF_TIME)
    sign_in(Client(), "vera", PASSWORD)
    verbs = [e.verb for e in events(verb__in=["auth.sign_in_refused", "auth.sign_in"])]
    assert verbs == ["auth.sign_in_refused", "auth.sign_in"]
    assert events(verb="auth.sign_in_refused")[0].parameters["refused"] == 12


def test_the_checkpoint_task_records_windows_that_ended_before_signing(
    viewer: User, checkpoint_file: Path
) -> None:
    import redis
    from django.conf import settings

    from opsconsole.audit.tasks import checkpoint

    _lock_out_and_flood(3)
    # Move the window's end into the past, as if the lock had run out unattended.
    store = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    (pair,) = store.zrange(refusals.PREFIX + "open", 0, -1)
    store.zadd(refusals.PREFIX + "open", {str(pair): 0})
    checkpoint()
    (total,) = events(verb="auth.sign_in_refused")
    assert total.parameters["refused"] == 3
    signed = json.loads(checkpoint_file.read_text().splitlines()[-1])
    assert signed["last_id"] == total.id  # the checkpoint covers the total


def test_a_single_refusal_is_not_totalled_again(viewer: User) -> None:
    _lock_out_and_flood(1)
    assert len(_refused_singly()) == 1
    assert refusals.sweep(now=time.time() + 16 * 60) == 1
    assert events(verb="auth.sign_in_refused") == []
