"""User and role changes are recorded by save_user, whoever calls it."""

from __future__ import annotations

import os
from io import StringIO
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import call_command

from opsconsole.accounts.users import save_user
from tests.helpers.audit import events
from tests.helpers.web import PASSWORD


def test_creating_a_user_is_recorded_with_the_role(db: None) -> None:
    save_user("nina", "operator", PASSWORD)
    (event,) = events(verb="users.create")
    assert (event.target_kind, event.target_name) == ("user", "nina")
    assert event.after == {"role": "operator", "is_active": True}
    assert event.actor_name == "system"


def test_a_role_change_records_before_and_after(viewer: User) -> None:
    save_user("vera", "admin", None, actor_name="ada")
    (event,) = events(verb="users.change_role")
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "admin"})
    assert event.actor_name == "ada"
    assert events(verb="users.set_password") == []


def test_a_new_password_is_recorded_without_the_password(viewer: User) -> None:
    save_user("vera", "viewer", "a-brand-new-passphrase")
    (event,) = events(verb="users.set_password")
    assert "passphrase" not in str(event.parameters) + str(event.after)
    assert events(verb="users.change_role") == []


def test_the_add_user_command_names_who_ran_it(db: None) -> None:
    with mock.patch.dict(os.environ, {"OPSCONSOLE_PASSWORD": PASSWORD}):
        call_command("add_user", "carl", role="viewer", stdout=StringIO())
    (event,) = events(verb="users.create")
    assert event.actor_name.startswith("manage.py add_user (")
