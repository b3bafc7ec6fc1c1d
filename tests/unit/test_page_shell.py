"""The shell every page shares: navigation, context, CSP without inline code."""

from __future__ import annotations

import re

from django.contrib.auth.models import User

from tests.helpers.web import signed_in


def test_the_shell_shows_sections_namespace_user_and_role(operator: User) -> None:
    html = signed_in(operator).get("/").content.decode()
    for label in ("Overview", "Workloads", "Runs", "Metrics", "Alerts", "Audit"):
        assert f">{label}<" in html
    assert "trading-system" in html
    assert "otto" in html
    assert 'class="role role-operator"' in html


def test_pages_carry_a_strict_content_security_policy(viewer: User) -> None:
    for client, url in ((signed_in(viewer), "/"), (signed_in(viewer), "/accounts/login/")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_pages_have_no_inline_script_or_style(viewer: User) -> None:
    html = signed_in(viewer).get("/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_htmx_is_served_from_our_own_static_files(viewer: User) -> None:
    html = signed_in(viewer).get("/").content.decode()
    match = re.search(r'<script src="([^"]+htmx[^"]*)"', html)
    assert match, html
    assert match.group(1).startswith("/static/")
    assert '"allowEval":false' in html
    assert '"selfRequestsOnly":true' in html
    assert '"includeIndicatorStyles":false' in html
    assert "X-CSRFToken" in html


def test_the_health_probe_answers_without_sign_in_or_host_check(db: None) -> None:
    from django.test import Client

    response = Client().get("/healthz", HTTP_HOST="10.244.1.17:8000")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_an_unreachable_cluster_is_said_plainly(viewer: User) -> None:
    html = signed_in(viewer).get("/").content.decode()
    # The test run has no cluster configured: the page says so instead of failing.
    assert "unreachable" in html or "SANDBOX" in html
