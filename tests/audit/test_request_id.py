"""Every response carries the request id that the request's audit events carry."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.test import Client, override_settings

from tests.helpers.audit import events
from tests.helpers.web import PASSWORD


def test_every_response_names_its_request(viewer: User) -> None:
    response = Client().get("/accounts/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_sign_in_event_carries_the_responses_request_id(viewer: User) -> None:
    response = Client().post("/accounts/login/", {"username": "vera", "password": PASSWORD})
    (event,) = events(verb="auth.sign_in")
    assert event.request_id == response["X-Request-ID"]


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_it_keeps_the_ingress_request_id_when_a_proxy_is_trusted(db: None) -> None:
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="6f1c0e2b9a7d4e3f")
    assert response["X-Request-ID"] == "6f1c0e2b9a7d4e3f"


@override_settings(OPSCONSOLE_TRUSTED_PROXIES=1)
def test_it_replaces_an_id_that_could_smuggle_anything(db: None) -> None:
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_ignores_a_client_supplied_id_without_a_trusted_proxy(db: None) -> None:
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="6f1c0e2b9a7d4e3f")
    assert response["X-Request-ID"] != "6f1c0e2b9a7d4e3f"
