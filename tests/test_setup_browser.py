"""The setup wizard in a real headless Chromium, from a fresh data directory to a scanned,
matched library: the first admin, the language, a wrong TMDb key refused with the reason and the
right ones accepted (against the fake providers, which take one key each), a library whose
folder is picked in the server's folder browser, and the first scans followed live to their end
on the libraries page. A second browser then finds the login page. Screenshots in
tests/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from reelhouse.app import create_app
from reelhouse.config import Settings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.control import FaultConfig
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.server import ThreadedServer
from tests.browser_support import DESKTOP, page_errors, shot
from tests.pipeline_support import pipeline_settings
from tests.support import PASSWORD
from tests.test_web_browser import jobs_settled

#: The keys the fakes take: the ones `provider_settings` configures.
TMDB_KEY, TVDB_KEY = "test-tmdb-key", "test-tvdb-key"


@pytest.fixture
def fake() -> FakeProviders:
    """The fakes of conftest's `fake`, refusing any key but the configured ones."""
    return FakeProviders(
        Catalogue(movies=30, series=6),
        FaultConfig(hang_s=3.0),
        tmdb_api_key=TMDB_KEY,
        tvdb_api_key=TVDB_KEY,
    )


def write_movies(root: Path, fake: FakeProviders) -> tuple[int, int]:
    """A few generated movies the fakes know (with their extras and samples), under `root`:
    how many files, and how many movies."""
    generated = generate_library(60, seed=11, titles=fake.catalogue.library_titles())
    files = [g for g in generated if g.path.startswith("Movies/")][:8]
    write_library(root, files)
    titles = {g.expected["title"] for g in files if g.expected.get("kind") == "movie"}
    return len(files), len(titles)


async def open_folder(page: Page, folder: Path) -> None:
    """Walk the folder browser from the top down to `folder`, one click a level."""
    browser = page.get_by_role("group", name="Folders on the server")
    await expect(browser.locator("[data-folder-path]")).to_have_text("/")
    for depth, part in enumerate(folder.parts[1:], start=2):
        await browser.get_by_role("button", name=part, exact=True).click()
        await expect(browser.locator("[data-folder-path]")).to_have_text(
            str(Path(*folder.parts[:depth]))
        )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_wizard_from_a_fresh_start_to_a_scanned_library(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    browser: Browser,
) -> None:
    media = tmp_path / "media"
    files, movies = write_movies(media, fake)
    settings = pipeline_settings(provider_settings, database_url, tmp_path / "data")
    # The whole suite leaves thousands of folders beside this test's own: all are listed.
    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"folders_shown": 100_000})}
    )
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors = page_errors(page)

        # No account yet: the page is the wizard, not the login.
        await page.goto("/")
        await expect(page).to_have_url(re.compile(r"/setup$"))
        await expect(page.get_by_role("heading", name="Your admin account")).to_be_visible()
        await page.get_by_label("Username").fill("owner")
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_label("Password again").fill(PASSWORD + "!")
        await page.get_by_role("button", name="Create the admin").click()
        await expect(page.get_by_role("alert")).to_contain_text("the two passwords differ")
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_label("Password again").fill(PASSWORD)
        await shot(page, "setup-admin")
        await page.get_by_role("button", name="Create the admin").click()

        # Logged in as that admin: the language.
        await expect(page.get_by_role("heading", name="Metadata language")).to_be_visible()
        await expect(page.get_by_role("link", name="owner")).to_be_visible()
        await page.get_by_label("Language", exact=True).fill("en")
        await page.get_by_label("Country", exact=True).fill("GB")
        await shot(page, "setup-language")
        await page.get_by_role("button", name="Save and go on").click()

        # The keys, checked live: a wrong one says why, and nothing stops here.
        await expect(page.get_by_role("heading", name="Metadata providers")).to_be_visible()
        await page.get_by_label("TMDb API key").fill("not-the-key")
        await page.get_by_label("TheTVDB API key").fill(TVDB_KEY)
        await page.get_by_role("button", name="Check the keys").click()
        tmdb = page.locator(".key-check[data-provider=tmdb]")
        await expect(tmdb).to_contain_text("TMDb refused the key (HTTP 401)")
        await expect(page.locator(".key-check[data-provider=tvdb]")).to_contain_text(
            "TheTVDB accepted the key"
        )
        await shot(page, "setup-providers")
        await page.get_by_label("TMDb API key").fill(TMDB_KEY)
        await page.get_by_role("button", name="Check the keys").click()
        await expect(tmdb).to_contain_text("TMDb accepted the key")
        await page.get_by_role("button", name="Save and go on").click()

        # A library, its folder picked in the server's folder browser.
        await expect(page.get_by_role("heading", name="Add your first library")).to_be_visible()
        await page.get_by_label("Name").fill("Movies")
        await open_folder(page, media / "Movies")
        await page.get_by_role("button", name="Add this folder").click()
        await expect(page.get_by_label("Folders, one per line")).to_have_value(
            str(media / "Movies")
        )
        await shot(page, "setup-libraries")
        await page.get_by_role("button", name="Add library").click()
        await expect(page.get_by_role("status")).to_contain_text("Library added")
        await page.get_by_role("button", name="Finish and scan").click()

        # The end: the libraries page, the first scan's progress followed live.
        await expect(page).to_have_url(re.compile(r"/admin/libraries\?notice=setup-done$"))
        await expect(page.get_by_role("status")).to_contain_text("The first scans are running")
        await expect(page.locator("tr.job").first).to_be_visible()
        await shot(page, "setup-scanning")
        await jobs_settled(page, artwork_jobs=1)
        scan = page.locator("tr.job").filter(has_text="libraries.scan").first
        value, maximum = await scan.locator("progress").evaluate("(p) => [p.value, p.max]")
        assert value == maximum == files
        await shot(page, "setup-done")
        await page.get_by_role("link", name="Movies", exact=True).first.click()
        await expect(page.locator(".grid .tile")).to_have_count(movies)
        # Scripts ran, and nothing was refused by the page's Content-Security-Policy (the
        # forms refused on purpose above are the only failed loads).
        assert [e for e in errors if not e.startswith("Failed to load resource")] == []

        # A second browser: the login page, wherever it starts.
        other = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        stranger = await other.new_page()
        await stranger.goto("/setup")
        await expect(stranger).to_have_url(re.compile(r"/login$"))
        await expect(stranger.get_by_role("heading", name="Log in")).to_be_visible()
        await stranger.goto("/setup/libraries")
        await expect(stranger).to_have_url(re.compile(r"/login\?next="))
        await other.close()
        await context.close()
