"""The role names and how to read a user's role. The permissions each role carries are set in
opsconsole/accounts/roles.py; this lookup sits below every app because the audit log records
the actor's role and the page shell shows it."""

from __future__ import annotations

from typing import Any

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
# Strongest first: a user put in two groups by hand counts with the stronger role.
_BY_STRENGTH = (ADMIN, OPERATOR, VIEWER)


def role_of(user: Any) -> str | None:
    """The user's role name, or None for a user without one (who sees nothing)."""
    if not getattr(user, "is_authenticated", False):
        return None
    names = {group.name for group in user.groups.all()}
    for role in _BY_STRENGTH:
        if role in names:
            return role
    return None
