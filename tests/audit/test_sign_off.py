"""Only admins sign off a reviewed range; the page shows what is not reviewed yet."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from opsconsole.audit.models import AuditEvent, ReviewSignOff
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from opsconsole.audit.review import reviewed_up_to
from tests.helpers.audit import events
from tests.helpers.web import signed_in


@pytest.fixture
def batch(db: None) -> list[AuditEvent]:
    return [record("test.reviewable", outcome=Outcome.SUCCEEDED) for _ in range(3)]


def test_an_admin_signs_off_a_range(admin: User, batch: list[AuditEvent]) -> None:
    response = signed_in(admin).post(
        "/audit/sign-off/", {"up_to": batch[1].id, "note": "checked OPS-12"}
    )
    assert response.status_code == 302
    signed = ReviewSignOff.objects.get()
    assert (signed.up_to_id, signed.signed_by, signed.note) == (
        batch[1].id,
        admin,
        "checked OPS-12",
    )
    assert signed.event_count == AuditEvent.objects.filter(id__lte=batch[1].id).count()
    (event,) = events(verb="audit.sign_off")
    assert signed.event == event
    assert event.outcome == "succeeded"
    assert event.operator_reason == "checked OPS-12"
    assert reviewed_up_to() == batch[1].id


def test_the_page_counts_and_marks_what_is_not_reviewed(
    admin: User, batch: list[AuditEvent]
) -> None:
    client = signed_in(admin)
    client.post("/audit/sign-off/", {"up_to": batch[1].id, "note": "ok"})
    html = client.get("/audit/?verb=test.reviewable").content.decode()
    # The newest test event and the sign-off's own event are not reviewed.
    unreviewed = AuditEvent.objects.filter(id__gt=batch[1].id).count()
    assert f"{unreviewed} events not reviewed yet" in html
    assert html.count('<tr class="unreviewed">') == 1
    only = client.get("/audit/?unreviewed=on").content.decode()
    assert f'href="/audit/{batch[0].id}/"' not in only
    assert f'href="/audit/{batch[2].id}/"' in only


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_admins_may_sign_off(
    role: str, batch: list[AuditEvent], request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)
    response = signed_in(user).post("/audit/sign-off/", {"up_to": batch[-1].id, "note": "x"})
    assert response.status_code == 403
    assert not ReviewSignOff.objects.exists()
    (denied,) = events(outcome="denied")
    assert denied.verb == "audit.sign_off"
    assert denied.role == role


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_signing_off_by_get_is_not_allowed(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    assert signed_in(user).get("/audit/sign-off/").status_code == 405
    assert events(outcome="denied") == []


def test_the_sign_off_form_is_shown_to_admins_only(
    admin: User, viewer: User, batch: list[AuditEvent]
) -> None:
    assert b'action="/audit/sign-off/"' in signed_in(admin).get("/audit/").content
    assert b'action="/audit/sign-off/"' not in signed_in(viewer).get("/audit/").content


def test_a_range_already_signed_off_is_refused_and_recorded(
    admin: User, batch: list[AuditEvent]
) -> None:
    client = signed_in(admin)
    client.post("/audit/sign-off/", {"up_to": batch[2].id, "note": "first"})
    response = client.post("/audit/sign-off/", {"up_to": batch[1].id, "note": "again"}, follow=True)
    assert b"already signed off" in response.content
    assert ReviewSignOff.objects.count() == 1
    failed = events(verb="audit.sign_off", outcome="failed")
    assert len(failed) == 1
    assert "already signed off" in failed[0].reason


@pytest.mark.parametrize(
    "data", [{"up_to": "", "note": "x"}, {"up_to": "abc", "note": "x"}, {"up_to": 1, "note": ""}]
)
def test_invalid_input_signs_off_nothing(
    admin: User, batch: list[AuditEvent], data: dict[str, object]
) -> None:
    response = signed_in(admin).post("/audit/sign-off/", data)
    assert response.status_code == 302
    assert not ReviewSignOff.objects.exists()
    assert len(events(verb="audit.sign_off", outcome="failed")) == 1


def test_a_sign_off_cannot_point_past_the_log(admin: User, batch: list[AuditEvent]) -> None:
    signed_in(admin).post("/audit/sign-off/", {"up_to": batch[-1].id + 1000, "note": "x"})
    assert not ReviewSignOff.objects.exists()
