"""Every refusal is recorded exactly once: the role check and the named-permission check."""

from __future__ import annotations

from django.contrib.auth.models import User

from tests.helpers.audit import events
from tests.helpers.web import signed_in


def test_an_account_without_a_role_is_refused_and_recorded_once(outsider: User) -> None:
    response = signed_in(outsider).get("/")
    assert response.status_code == 403
    (event,) = events(outcome="denied")
    assert (event.verb, event.actor_name, event.role) == ("auth.denied", "oscar", "")
    assert event.reason == "the account has no role"
    assert event.parameters == {"method": "GET", "path": "/"}
    assert event.request_id == response["X-Request-ID"]


def test_a_viewer_posting_a_sign_off_is_refused_and_recorded_once(viewer: User) -> None:
    response = signed_in(viewer).post("/audit/sign-off/", {"up_to": 1, "note": "looked"})
    assert response.status_code == 403
    assert b"audit.sign_off_review" in response.content
    (event,) = events(outcome="denied")
    assert (event.verb, event.actor_name, event.role) == ("audit.sign_off", "vera", "viewer")
    assert event.reason == "missing permission audit.sign_off_review"
    assert event.parameters["permission"] == "audit.sign_off_review"


def test_signing_out_needs_no_role_and_records_no_denial(outsider: User) -> None:
    signed_in(outsider).post("/accounts/logout/")
    assert events(outcome="denied") == []
