from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from opsconsole.accounts.users import save_user
from tests.helpers.browser import sign_in
from tests.helpers.web import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_it_signs_in_shows_the_shell_and_signs_out(
    page: Page, live_server: Any, csp_violations: list[str], console_errors: list[str]
) -> None:
    save_user("otto", "operator", PASSWORD)
    sign_in(page, live_server.url, "otto", PASSWORD)

    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    nav = page.get_by_role("navigation", name="Sections")
    for label in ("Overview", "Workloads", "Runs", "Metrics", "Alerts", "Audit"):
        expect(nav.get_by_text(label, exact=True)).to_be_visible()
    expect(page.locator(".role-operator")).to_have_text("operator")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    assert csp_violations == []
    assert console_errors == []


def test_a_wrong_password_is_refused_with_a_clear_message(
    page: Page, live_server: Any, csp_violations: list[str]
) -> None:
    save_user("vera", "viewer", PASSWORD)
    sign_in(page, live_server.url, "vera", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    assert csp_violations == []
