"""What every response of the page shell promises: no cache for signed-in pages, a favicon,
and the idle sign-out message naming the configured minutes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.helpers.web import signed_in


@pytest.mark.parametrize("path", ["/", "/audit/", "/audit/export.csv"])
def test_signed_in_pages_are_never_cached(viewer: User, path: str) -> None:
    response = signed_in(viewer).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_favicon_answers_without_sign_in(db: None) -> None:
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert client.get(response["Location"]).status_code == 200


def test_every_page_names_its_favicon(viewer: User) -> None:
    assert b'rel="icon"' in signed_in(viewer).get("/").content
    assert b'rel="icon"' in Client().get("/accounts/login/").content


def test_the_idle_sign_out_message_names_the_configured_minutes(
    viewer: User, settings: object
) -> None:
    settings.OPSCONSOLE_IDLE_TIMEOUT = timedelta(minutes=7)  # type: ignore[attr-defined]
    client = signed_in(viewer)
    client.get("/")
    session = client.session
    session["opsconsole_last_activity"] = time.time() - 8 * 60
    session.save()
    response = client.get("/", follow=True)
    assert b"You were signed out after 7 minutes without activity." in response.content
