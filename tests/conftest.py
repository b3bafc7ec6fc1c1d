"""Shared fixtures: a user per role, plus one without a role (the outsider)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from opsconsole.accounts.users import save_user

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def viewer(db: None) -> User:
    return save_user("vera", "viewer", PASSWORD)[0]


@pytest.fixture
def operator(db: None) -> User:
    return save_user("otto", "operator", PASSWORD)[0]


@pytest.fixture
def admin(db: None) -> User:
    return save_user("ada", "admin", PASSWORD)[0]


@pytest.fixture
def outsider(db: None) -> User:
    """Signed up, but given no role: may sign in and sign out, nothing else."""
    return User.objects.create_user("oscar", password=PASSWORD)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
