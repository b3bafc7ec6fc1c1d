"""A viewer's path through the live pages in Debian's Chromium under the strict CSP: a
deployment, its pods, a pod, its logs (following shows new lines), its events, the YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from opsconsole.accounts.users import save_user
from tests.helpers.browser import sign_in
from tests.helpers.live_objects import NAMESPACE, Workspace, kubectl
from tests.helpers.web import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_viewer_follows_a_deployment_to_its_pods_logs_events_and_yaml(
    page: Page,
    live_server: Any,
    console: Workspace,
    csp_violations: list[str],
    console_errors: list[str],
) -> None:
    base = live_server.url
    save_user("vera", "viewer", PASSWORD)
    sign_in(page, base, "vera", PASSWORD)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    page.goto(f"{base}/ns/{NAMESPACE}/deployments/web/")
    expect(page.get_by_role("heading", name="Deployment web")).to_be_visible()
    expect(page.get_by_text("desired 2 · ready 2 · available 2 · updated 2")).to_be_visible()
    pods = page.locator("#pods")
    expect(pods.get_by_role("heading", name="Pods (2)")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "deployment.png"), full_page=True)

    pod = console.running_pod("app=web")
    pods.get_by_role("link", name=pod, exact=True).click()
    expect(page.get_by_role("heading", name=f"Pod {pod}")).to_be_visible()
    expect(page.get_by_text("DB_PASSWORD", exact=True)).to_be_visible()
    expect(page.get_by_text("from Secret db-credentials key password")).to_be_visible()
    page.screenshot(path=str(SHOTS / "pod.png"), full_page=True)

    page.locator(".object-links").get_by_role("link", name="Logs").click()
    expect(page.get_by_role("heading", name=f"Logs of {pod}")).to_be_visible()
    page.get_by_label("Last lines").fill("5")
    page.get_by_label("Timestamps").check()
    page.get_by_label("Follow").check()
    poll_headers: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: poll_headers.append(r.headers) if "/logs/follow/" in r.url else None,
    )
    page.get_by_role("button", name="Show").click()
    lines = page.locator("#log-lines .log-line")
    expect(lines).to_have_count(5)
    # The api container writes two lines a second; the poller asks every 2 s.
    expect(lines).not_to_have_count(5, timeout=8000)
    follows = []
    page.on("request", lambda r: follows.append(r.url) if "/logs/follow/" in r.url else None)
    # Polls say so, so that they do not keep an idle session alive; htmx still sends CSRF.
    assert poll_headers
    assert all(h.get("x-opsconsole-poll") == "1" for h in poll_headers)
    assert all(h.get("x-csrftoken") for h in poll_headers)
    count = lines.count()
    stamps = lines.locator(".log-time").all_inner_texts()
    assert stamps == sorted(stamps)  # appended in order, none twice
    assert len(set(stamps)) == len(stamps)

    # A hidden tab stops asking; showing it again asks at once.
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"
    )
    page.wait_for_timeout(2500)
    asked_while_hidden = len(follows)
    page.wait_for_timeout(2500)
    assert len(follows) == asked_while_hidden  # cancelled before leaving
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(lines).not_to_have_count(count, timeout=4000)
    page.screenshot(path=str(SHOTS / "pod-logs.png"), full_page=True)

    # A follower keeps at most the tail's maximum of lines, dropping the oldest whole.
    page.evaluate("document.getElementById('log-lines').dataset.maxLines = '4'")
    newest = lines.last.inner_text()
    expect(lines.last).not_to_have_text(newest, timeout=4000)
    expect(lines).to_have_count(4)
    assert not page.locator("#log-lines").inner_text().startswith("\n")

    page.get_by_role("link", name=f"Pod {pod}").click()
    page.locator(".object-links").get_by_role("link", name=re.compile(r"^Events")).click()
    events = page.locator("#events")
    expect(events.get_by_role("cell", name="Scheduled", exact=True)).to_be_visible()

    page.locator(".object-links").get_by_role("link", name="YAML").click()
    expect(page.get_by_role("heading", name=re.compile("YAML"))).to_be_visible()
    expect(page.locator("pre.yaml")).to_contain_text(f"name: {pod}")
    page.screenshot(path=str(SHOTS / "pod-yaml.png"), full_page=True)

    assert csp_violations == []
    assert console_errors == []


def test_the_revision_diff_opens_in_place(
    page: Page,
    live_server: Any,
    console: Workspace,
    csp_violations: list[str],
    console_errors: list[str],
) -> None:
    from tests.helpers.live_objects import get, kubectl

    # A deployment of its own: the shared sandbox's "web" stays at revision 1 for the others.
    manifest = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata: {{name: browse, namespace: {NAMESPACE}}}\n"
        "spec:\n  replicas: 1\n  selector: {matchLabels: {app: browse}}\n  template:\n"
        "    metadata: {labels: {app: browse}}\n"
        "    spec: {containers: [{name: app, image: 'registry.local/web:1.0'}]}\n"
    )
    kubectl(console.sandbox, "apply", "-f", "-", stdin=manifest)
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/browse"
    console.sandbox.wait_for(
        lambda: get(console.sandbox, path).get("status", {}).get("readyReplicas")
    )
    kubectl(
        console.sandbox,
        "-n",
        NAMESPACE,
        "set",
        "image",
        "deployment/browse",
        "app=registry.local/web:1.1",
    )
    console.sandbox.wait_for(
        lambda: (
            get(console.sandbox, path)["metadata"]["annotations"].get(
                "deployment.kubernetes.io/revision"
            )
            == "2"
        )
    )
    save_user("vera", "viewer", PASSWORD)
    sign_in(page, live_server.url, "vera", PASSWORD)
    page.goto(f"{live_server.url}/ns/{NAMESPACE}/deployments/browse/")
    url_before = page.url
    page.get_by_role("button", name="Compare templates").click()
    diff = page.locator("#revision-diff")
    expect(diff.locator(".diff-add")).to_contain_text("registry.local/web:1.1")
    expect(diff.locator(".diff-del")).to_contain_text("registry.local/web:1.0")
    assert page.url == url_before  # swapped in place, the page stays
    assert csp_violations == []
    assert console_errors == []


def test_a_deployment_page_shows_a_scale_without_a_reload(
    page: Page, live_server: Any, console: Workspace, console_errors: list[str]
) -> None:
    manifest = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: live-refresh, namespace: {NAMESPACE}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: live-refresh}}}}
  template:
    metadata: {{labels: {{app: live-refresh}}}}
    spec:
      containers: [{{name: app, image: registry.local/web:1.0}}]
"""
    kubectl(console.sandbox, "apply", "-f", "-", stdin=manifest)
    try:
        save_user("vera", "viewer", PASSWORD)
        sign_in(page, live_server.url, "vera", PASSWORD)
        page.goto(f"{live_server.url}/ns/{NAMESPACE}/deployments/live-refresh/")
        expect(page.get_by_text("desired 1 · ready 1 · available 1 · updated 1")).to_be_visible()
        page.evaluate("window.__notReloaded = true")

        kubectl(
            console.sandbox, "scale", "-n", NAMESPACE, "deployment/live-refresh", "--replicas=3"
        )

        # The page polls every 10 s while visible: the new state arrives in place.
        live = page.get_by_text("desired 3 · ready 3 · available 3 · updated 3")
        expect(live).to_be_visible(timeout=25_000)
        expect(page.locator("#pods").get_by_role("heading", name="Pods (3)")).to_be_visible()
        assert page.evaluate("window.__notReloaded") is True
        assert console_errors == []
    finally:
        kubectl(console.sandbox, "delete", "-n", NAMESPACE, "deployment/live-refresh")
