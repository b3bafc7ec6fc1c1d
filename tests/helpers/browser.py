"""Driving the console in Debian's Chromium (the fixtures are in tests/e2e/conftest.py)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
