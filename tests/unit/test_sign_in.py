"""Sign-in, throttling, idle sessions and deactivation."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings

from opsconsole.accounts.users import deactivate_user, save_user
from opsconsole.audit.models import AuditEvent
from tests.helpers.web import PASSWORD, signed_in


def attempt(
    client: Client, username: str, password: str, ip: str = "10.1.2.3", forwarded: str = ""
) -> Any:
    meta: dict[str, Any] = {"REMOTE_ADDR": ip}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": username, "password": password}, **meta)


def test_it_signs_in_and_lands_on_the_overview(viewer: User) -> None:
    client = Client()
    response = attempt(client, "vera", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_says_clearly_when_the_password_is_wrong(viewer: User) -> None:
    response = attempt(Client(), "vera", "wrong-password")
    assert response.status_code == 200
    assert b"Unknown user name or wrong password." in response.content


def test_it_signs_out_only_by_post(viewer: User) -> None:
    client = signed_in(viewer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_five_failures_lock_that_user_from_that_address(viewer: User) -> None:
    client = Client()
    for _ in range(5):
        attempt(client, "vera", "wrong-password")
    locked = attempt(client, "vera", PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Another address is not locked: the lock is per user and client IP.
    assert attempt(Client(), "vera", PASSWORD, ip="10.9.9.9").status_code == 302


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_the_lock_follows_the_real_client_behind_the_ingress(viewer: User) -> None:
    ingress = "10.0.0.2"
    for _ in range(5):
        attempt(Client(), "vera", "nope-nope", ip=ingress, forwarded="203.0.113.7")
    blocked = attempt(Client(), "vera", PASSWORD, ip=ingress, forwarded="203.0.113.7")
    assert blocked.status_code == 429
    # A different client through the same ingress may still sign in.
    other = attempt(Client(), "vera", PASSWORD, ip=ingress, forwarded="203.0.113.8")
    assert other.status_code == 302


def _age_session(client: Client, seconds: float) -> None:
    session = client.session
    session["opsconsole_last_activity"] = time.time() - seconds
    session.save()


def test_a_session_ends_after_30_idle_minutes(viewer: User) -> None:
    client = signed_in(viewer)
    client.get("/")
    _age_session(client, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302  # really signed out, not just redirected


def test_polling_does_not_keep_an_idle_session_alive(viewer: User) -> None:
    client = signed_in(viewer)
    client.get("/")
    _age_session(client, 29 * 60)
    client.get("/", headers={"X-OpsConsole-Poll": "1"})
    _age_session_from_now = client.session["opsconsole_last_activity"]
    assert time.time() - _age_session_from_now > 28 * 60


def test_activity_keeps_the_session(viewer: User) -> None:
    client = signed_in(viewer)
    client.get("/")
    _age_session(client, 29 * 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session["opsconsole_last_activity"] < 60


def test_deactivating_a_user_ends_their_session(viewer: User) -> None:
    client = signed_in(viewer)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _reactivate(user: User) -> None:
    save_user(user.username, "viewer", None)
    assert User.objects.get(pk=user.pk).is_active


def test_a_deactivated_users_session_does_not_come_back_when_reactivated(
    viewer: User, operator: User
) -> None:
    laptop, phone, colleague = signed_in(viewer), signed_in(viewer), signed_in(operator)
    assert laptop.get("/").status_code == 200
    deactivate_user("vera")
    _reactivate(viewer)
    for client in (laptop, phone):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert colleague.get("/").status_code == 200  # only vera's sessions ended


def test_any_save_that_deactivates_a_user_ends_their_sessions(viewer: User) -> None:
    client = signed_in(viewer)
    viewer.is_active = False
    viewer.save()
    assert not Session.objects.exists()
    _reactivate(viewer)
    assert client.get("/").status_code == 302


def test_the_deactivate_user_command_ends_sessions_and_is_recorded(viewer: User) -> None:
    client = signed_in(viewer)
    out = StringIO()
    call_command("deactivate_user", "vera", stdout=out)
    assert "Deactivated user vera; sessions ended." in out.getvalue()
    (event,) = AuditEvent.objects.filter(verb="users.deactivate")
    assert (event.target_name, event.after) == ("vera", {"is_active": False})
    assert event.actor_name.startswith("manage.py deactivate_user")
    _reactivate(viewer)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.2"),  # no proxy trusted: the header is ignored
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # left part is client-supplied
        (2, "203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "10.0.0.9", "10.0.0.2"),  # shorter than the proxy chain: not trusted
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    trusted: int, forwarded: str, expected: str, rf: RequestFactory
) -> None:
    from opsconsole.web.http import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(OPSCONSOLE_TRUSTED_PROXIES=trusted):
        assert client_ip(request) == expected
