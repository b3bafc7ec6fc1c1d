"""An event's page: every field, a readable diff, its chain links and its trails."""

from __future__ import annotations

from django.contrib.auth.models import User

from opsconsole.audit.diff import changes
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.audit import behind_the_apps_back
from tests.helpers.web import ids_on, signed_in


def test_the_diff_lists_changed_added_and_removed_keys() -> None:
    before = {"spec": {"replicas": 2, "image": "engine:1.4"}, "paused": True}
    after = {"spec": {"replicas": 4, "image": "engine:1.4"}, "note": "x"}
    result = {(c.key, c.old, c.new, c.kind) for c in changes(before, after)}
    assert result == {
        ("spec.replicas", "2", "4", "changed"),
        ("paused", "true", "", "removed"),
        ("note", "", '"x"', "added"),
    }


def test_the_page_shows_fields_diff_hash_and_trails(operator: User, viewer: User) -> None:
    event = record(
        "deployment.scale",
        outcome=Outcome.SUCCEEDED,
        actor=operator,
        target_kind="deployment",
        target_namespace="trading-system",
        target_name="trading-engine",
        parameters={"replicas": 4},
        before={"replicas": 2},
        after={"replicas": 4},
        operator_reason="OPS-4711 latency spike",
        related_kind="action",
        related_id="17",
    )
    html = signed_in(viewer).get(f"/audit/{event.id}/").content.decode()
    assert "deployment.scale" in html
    assert "OPS-4711 latency spike" in html
    assert "<code>2</code>" in html
    assert "<code>4</code>" in html
    assert event.hash in html
    assert event.prev_hash in html
    assert "matches the content" in html
    assert (
        'href="/audit/?kind=deployment&amp;namespace=trading-system&amp;name=trading-engine"'
        in html
    )
    assert 'href="/audit/?related=action:17"' in html
    assert 'href="/audit/?actor=otto"' in html


def test_a_tampered_event_says_so_on_its_page(viewer: User) -> None:
    event = record("test.shown", outcome=Outcome.SUCCEEDED)
    with behind_the_apps_back() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'edited' WHERE id = %s", [event.id])
    html = signed_in(viewer).get(f"/audit/{event.id}/").content.decode()
    assert "does NOT match the content" in html


def test_an_unknown_event_is_404(viewer: User) -> None:
    assert signed_in(viewer).get("/audit/999999/").status_code == 404


def test_related_and_target_trails_filter_the_list(viewer: User) -> None:
    mine = record("action.run", outcome=Outcome.SUCCEEDED, related_kind="action", related_id=17)
    record("action.run", outcome=Outcome.SUCCEEDED, related_kind="action", related_id=18)
    html = signed_in(viewer).get("/audit/?related=action:17").content.decode()
    assert ids_on(html) == [mine.id]


def test_other_pages_link_to_a_trail_with_helpers(db: None) -> None:
    from opsconsole.audit.links import related_trail_url, target_trail_url

    assert target_trail_url("deployment", "api-service", "trading-system") == (
        "/audit/?kind=deployment&namespace=trading-system&name=api-service"
    )
    assert related_trail_url("run", 7) == "/audit/?related=run:7"
