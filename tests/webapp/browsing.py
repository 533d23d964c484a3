"""How a browser test signs a tab in: the login form, filled with the test accounts' password."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.webapp.factories import PASSWORD


def log_in(page, url: str, email: str) -> None:
    """Log the tab in at the site `url` as `email`, and wait until the site says so."""
    page.goto(f"{url}/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_attached()
