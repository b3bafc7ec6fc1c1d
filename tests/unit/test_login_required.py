"""Every URL needs a signed-in user with a role; the walk finds views added later too."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.helpers.web import all_urls, signed_in

# The only views reachable signed out: the sign-in page itself.
# The favicon is a redirect to a static file: nothing to protect, and the sign-in page shows it.
PUBLIC = {"/accounts/login/", "/favicon.ico"}
# The only views reachable without a role: signing in and out.
ROLELESS = PUBLIC | {"/accounts/logout/"}

ALL_URLS = all_urls()


def test_the_walk_finds_the_console_pages() -> None:
    assert {"/", "/accounts/login/", "/accounts/logout/"} <= set(ALL_URLS)


@pytest.mark.parametrize("url", sorted(set(ALL_URLS) - PUBLIC))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_the_signed_out_to_sign_in(url: str, method: str, db: None) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", sorted(set(ALL_URLS) - PUBLIC))
def test_it_asks_htmx_to_reload_the_sign_in_page(url: str, db: None) -> None:
    response = Client().get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", sorted(set(ALL_URLS) - ROLELESS))
def test_it_shows_nothing_to_an_account_without_a_role(url: str, outsider: User) -> None:
    response = signed_in(outsider).get(url)
    assert response.status_code == 403
    assert b"no role" in response.content


def test_a_viewer_sees_the_overview(viewer: User) -> None:
    response = signed_in(viewer).get("/")
    assert response.status_code == 200
    assert b"Overview" in response.content
