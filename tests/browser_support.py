"""What the browser tests share: screenshots for a person to look at (tests/screenshots/, ignored
by git), the window sizes, logging in through the form, and the errors a page reports. The
`browser` fixture (Debian's Chromium, driven by Playwright) is in conftest."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

from tests.support import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def page_errors(page: Page) -> list[str]:
    """The errors the page reports from now on: scripts that failed, and console errors
    (among them whatever its Content-Security-Policy refused)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


async def log_in_page(page: Page, username: str) -> None:
    """Log in through the login form (the account exists, with the tests' password)."""
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "/login" not in url)
