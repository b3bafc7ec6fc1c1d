from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from opsconsole.accounts.roles import role_of

GOOD = "a-long-enough-passphrase"


def run(*args: str) -> str:
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_user_with_the_password_from_the_environment(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_PASSWORD", GOOD)
    assert "Created user alice with role operator" in run("alice", "--role", "operator")
    alice = User.objects.get(username="alice")
    assert alice.check_password(GOOD)
    assert role_of(alice) == "operator"


def test_it_changes_an_existing_users_role_and_keeps_one_role(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_PASSWORD", GOOD)
    run("alice", "--role", "operator")
    monkeypatch.delenv("OPSCONSOLE_PASSWORD")
    assert "Updated user alice with role viewer" in run("alice", "--role", "viewer")
    alice = User.objects.get(username="alice")
    assert [g.name for g in alice.groups.all()] == ["viewer"]
    assert alice.check_password(GOOD)  # no new password given: the old one stays


def test_it_refuses_a_weak_password_and_writes_nothing(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSCONSOLE_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        run("bob", "--role", "viewer")
    assert not User.objects.filter(username="bob").exists()


def test_it_refuses_a_new_user_without_a_password(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSCONSOLE_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="needs a password"):
        run("carol", "--role", "viewer")


def test_it_refuses_an_unknown_role(db: None) -> None:
    with pytest.raises(CommandError, match="invalid choice"):
        run("dave", "--role", "root")
