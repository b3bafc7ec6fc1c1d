"""Creating and updating console users, shared by the commands (and later the users page).

Every change is recorded in the audit log in the same transaction: users.create,
users.change_role (before/after role), users.set_password (never the password itself),
users.reactivate, users.deactivate.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest

from opsconsole.accounts.roles import ROLES, role_of
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record


def command_actor(command: str) -> str:
    """Who a management command acts as in the audit log: the command and the OS user."""
    try:
        who = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        who = "unknown"
    return f"manage.py {command} ({who})"


@transaction.atomic
def save_user(
    username: str,
    role: str,
    password: str | None,
    *,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
) -> tuple[User, bool]:
    """Create the user or update it; its role becomes exactly `role`.

    The password is validated before anything is written, so a weak one changes nothing.
    The change is attributed to the request's user, else to `actor_name` (a command says
    who ran it), else to "system".
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        if not password:
            raise ValueError("a new user needs a password")
        user = User(username=username)
    old_role = None if created else role_of(user)
    was_active = user.is_active
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=role)])

    by = None if request is not None else (actor_name or "system")

    def audit(verb: str, **details: Any) -> None:
        record(
            verb,
            outcome=Outcome.SUCCEEDED,
            request=request,
            actor_name=by,
            target_kind="user",
            target_name=username,
            **details,
        )

    if created:
        audit("users.create", after={"role": role, "is_active": True})
        return user, created
    if old_role != role:
        audit("users.change_role", before={"role": old_role}, after={"role": role})
    if password:
        audit("users.set_password")
    if not was_active:
        audit("users.reactivate", before={"is_active": False}, after={"is_active": True})
    return user, created


@transaction.atomic
def deactivate_user(
    username: str, *, request: HttpRequest | None = None, actor_name: str | None = None
) -> User:
    """The user can no longer sign in, and their sessions end at once (the User post_save
    signal in sessions.py deletes them in this transaction); reactivating them later does
    not bring those sessions back."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValueError(f"no user named {username!r}")
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        "users.deactivate",
        outcome=Outcome.SUCCEEDED,
        request=request,
        actor_name=None if request is not None else (actor_name or "system"),
        target_kind="user",
        target_name=username,
        before={"is_active": True},
        after={"is_active": False},
    )
    return user
