"""Creating and updating console users, shared by the commands (and later the users page)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from opsconsole.accounts.roles import ROLES


@transaction.atomic
def save_user(username: str, role: str, password: str | None) -> tuple[User, bool]:
    """Create the user or update it; its role becomes exactly `role`.

    The password is validated before anything is written, so a weak one changes nothing.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        if not password:
            raise ValueError("a new user needs a password")
        user = User(username=username)
    if password:
        validate_password(password, user)
        user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user, created
