"""The review page: filters in the query string, htmx fragments, newest first."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

from opsconsole.audit.models import AuditEvent
from opsconsole.audit.outcome import Outcome
from opsconsole.audit.recorder import record
from tests.helpers.web import all_urls, ids_on, signed_in


@pytest.fixture
def log(operator: User, viewer: User) -> dict[str, AuditEvent]:
    return {
        "scale": record(
            "deployment.scale",
            outcome=Outcome.SUCCEEDED,
            actor=operator,
            target_kind="deployment",
            target_namespace="trading-system",
            target_name="trading-engine",
            parameters={"replicas": 4, "ticket": "OPS-4711"},
        ),
        "restart": record(
            "deployment.restart",
            outcome=Outcome.FAILED,
            actor=operator,
            target_kind="deployment",
            target_namespace="trading-system",
            target_name="api-service",
            reason="Kubernetes API answered 409",
        ),
        "other_ns": record(
            "deployment.scale",
            outcome=Outcome.DENIED,
            actor=viewer,
            target_kind="deployment",
            target_namespace="staging",
            target_name="trading-engine",
        ),
    }


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_may_read_the_log(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    response = signed_in(user).get("/audit/")
    assert response.status_code == 200
    assert b"Audit log" in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("verb=deployment.scale", {"scale", "other_ns"}),
        ("verb=deployment.*", {"scale", "restart", "other_ns"}),
        ("namespace=staging", {"other_ns"}),
        ("actor=otto&outcome=failed", {"restart"}),
        ("kind=deployment&name=trading-engine", {"scale", "other_ns"}),
        ("q=ops-4711", {"scale"}),  # inside the parameters, any case
        ("q=API+answered", {"restart"}),  # inside the reason
        ("q=TRADING-ENGINE&namespace=trading-system", {"scale"}),
    ],
)
def test_filters_select_the_events(
    log: dict[str, AuditEvent], viewer: User, query: str, expected: set[str]
) -> None:
    html = signed_in(viewer).get(f"/audit/?{query}").content.decode()
    assert set(ids_on(html)) == {log[name].id for name in expected}


def test_a_time_range_filters_too(log: dict[str, AuditEvent], viewer: User) -> None:
    since = log["restart"].time.strftime("%Y-%m-%dT%H:%M:%S.%f")
    until = log["restart"].time.strftime("%Y-%m-%dT%H:%M:%S.%f")
    html = signed_in(viewer).get(f"/audit/?since={since}&until={until}").content.decode()
    assert ids_on(html) == [log["restart"].id]


def test_newest_comes_first(log: dict[str, AuditEvent], viewer: User) -> None:
    html = signed_in(viewer).get("/audit/?kind=deployment").content.decode()
    assert ids_on(html) == [log["other_ns"].id, log["restart"].id, log["scale"].id]


def test_htmx_gets_the_results_fragment_and_a_reload_the_whole_page(
    log: dict[str, AuditEvent], viewer: User
) -> None:
    client = signed_in(viewer)
    fragment = client.get("/audit/?verb=deployment.scale", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert b'class="audit-table"' in fragment.content
    assert b"audit-filters" not in fragment.content
    page = client.get("/audit/?verb=deployment.scale")
    assert b"<html" in page.content
    assert b"audit-filters" in page.content
    assert ids_on(page.content.decode()) == ids_on(fragment.content.decode())
    # The filter form keeps its values on reload, and posts them to the same URL by htmx.
    assert b'value="deployment.scale"' in page.content
    assert b'hx-push-url="true"' in page.content


def test_htmx_pushes_the_short_url_without_empty_fields(viewer: User) -> None:
    response = signed_in(viewer).get(
        "/audit/?actor=&verb=deployment.*&kind=&q=engine&outcome=", headers={"HX-Request": "true"}
    )
    assert response["HX-Push-Url"] == "/audit/?verb=deployment.*&q=engine"


def test_a_history_restore_gets_the_whole_page(viewer: User) -> None:
    response = signed_in(viewer).get(
        "/audit/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in response.content


def test_invalid_filters_show_an_error_and_no_rows(
    log: dict[str, AuditEvent], viewer: User
) -> None:
    html = signed_in(viewer).get("/audit/?outcome=exploded").content.decode()
    assert "Fix the filters" in html
    assert ids_on(html) == []


def test_the_page_has_no_inline_script_or_style(log: dict[str, AuditEvent], viewer: User) -> None:
    html = signed_in(viewer).get("/audit/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_links_filter_by_actor_and_target_with_real_hrefs(
    log: dict[str, AuditEvent], viewer: User
) -> None:
    html = signed_in(viewer).get("/audit/").content.decode()
    assert 'href="?actor=otto"' in html
    assert 'href="?kind=deployment&amp;name=trading-engine"' in html


def test_no_url_edits_or_deletes_events(viewer: User) -> None:
    audit_urls = [url for url in all_urls() if url.startswith("/audit/")]
    assert sorted(audit_urls) == [
        "/audit/",
        "/audit/1/",
        "/audit/export.csv",
        "/audit/export.jsonl",
        "/audit/sign-off/",
    ]
    assert signed_in(viewer).post("/audit/1/").status_code == 405
