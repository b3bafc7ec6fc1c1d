"""A viewer's path through the overview and the lists in Debian's Chromium under the strict
CSP: search, sort and page by htmx with real addresses, and polling that says it is polling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from opsconsole.accounts.users import save_user
from opsconsole.workloads import cache
from tests.helpers.sandbox import SandboxHandle
from tests.helpers.sync import NAMESPACE, SyncRun, run_sync
from tests.helpers.web import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synced_cluster(fresh_sandbox: SandboxHandle) -> Iterator[SyncRun]:
    cache.flush()
    run = run_sync(fresh_sandbox, [NAMESPACE])
    reader = cache.Cache()
    fresh_sandbox.wait_for(lambda: set(reader.counts("deployments", NAMESPACE)) == {"Healthy"})
    yield run
    run.halt()
    cache.flush()


def test_a_viewer_searches_sorts_and_pages_the_lists(
    page: Page,
    live_server: Any,
    synced_cluster: SyncRun,
    csp_violations: list[str],
    console_errors: list[str],
) -> None:
    base = live_server.url
    save_user("vera", "viewer", PASSWORD)
    page.goto(f"{base}/")
    page.get_by_label("User name").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status").filter(has_text="services")).to_contain_text("15 services")
    expect(page.get_by_role("link", name="trading-engine", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Workloads").click()
    expect(page).to_have_url(f"{base}/ns/{NAMESPACE}/deployments/")
    page.get_by_role("navigation", name="Kinds").get_by_role("link", name="Pods").click()
    expect(page.get_by_role("heading", name=re.compile("^Pods"))).to_be_visible()

    page.get_by_role("searchbox", name="Name").fill("trading-engine")
    expect(page).to_have_url(re.compile(r"\?q=trading-engine$"))  # htmx pushed the address
    expect(page.locator("#list-body tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Restarts").click()
    expect(page).to_have_url(re.compile(r"q=trading-engine&sort=restarts"))
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Restarts"))

    # The list refreshes itself, and says so, so that polling keeps no session alive.
    with page.expect_request(
        lambda r: "/pods/" in r.url and r.headers.get("x-opsconsole-poll") == "1", timeout=8000
    ) as polled:
        pass
    assert "q=trading-engine" in polled.value.url

    page.reload()  # the address alone brings the same view back
    expect(page.locator("#list-body tbody tr")).to_have_count(2)
    page.goto(f"{base}/ns/{NAMESPACE}/events/")
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"/events/\?page=2$"))
    assert csp_violations == []
    assert console_errors == []
