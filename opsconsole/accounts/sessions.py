"""Ending a user's sessions at once when the user is deactivated.

Django refuses an inactive user's session, but keeps it: reactivating the user would let
the same browser in again without signing in. So the sessions are deleted when `is_active`
turns off. Sessions live in the database (the default SESSION_ENGINE); Django keeps no index
from user to session, so the live ones are decoded to find the user's. A console has a few
dozen staff, so that scan is small, and it runs only when a user is deactivated.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

_WAS_ACTIVE = "_opsconsole_was_active"


def end_sessions(user: User) -> int:
    """Delete every live session signed in as `user`; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) == str(user.pk):
            store(session_key=key).delete()  # through the engine: clears a cache tier too
            ended += 1
    return ended


def _remember_was_active(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    setattr(instance, _WAS_ACTIVE, stored)


def _end_sessions_on_deactivation(sender: type[User], instance: User, **kwargs: Any) -> None:
    if not instance.is_active and getattr(instance, _WAS_ACTIVE, None) is not False:
        end_sessions(instance)


def connect() -> None:
    """On every save of a User (deactivate_user, a shell, a future users page): one place,
    so no path that deactivates can forget it. A queryset .update() sends no signal; code
    that deactivates must save the user (or call end_sessions) instead."""
    pre_save.connect(_remember_was_active, sender=User, dispatch_uid="accounts.was_active")
    post_save.connect(
        _end_sessions_on_deactivation, sender=User, dispatch_uid="accounts.end_sessions"
    )
