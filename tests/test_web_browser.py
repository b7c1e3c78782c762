"""The web page in a real headless Chromium (Debian's, driven by Playwright as the system
browser), against the real server on a loopback port with its workers and the fake providers:
log in, add libraries over a generated folder tree, scan, watch the jobs reach their end, browse
posters, open a movie, search for it, fix a deliberately unmatched item; and the viewer's watch
state (Continue Watching, Next Up, a series marked played from its page).

Screenshots of the pages are saved in tests/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from reelhouse.app import create_app
from reelhouse.config import AuthSettings, ServerSettings, Settings, WebSettings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.library import generate_library, write_library
from reelhouse.testing.server import ThreadedServer
from tests.browser_support import DESKTOP, PHONE, log_in_page, page_errors, shot
from tests.pipeline_support import pipeline_settings
from tests.support import FAST_HASHING, PASSWORD, running_api, settings_for
from tests.test_watch_state import seed

#: Scans, matching and artwork of the small library, on a busy two-core machine.
PIPELINE_TIMEOUT_MS = 180_000
UNMATCHED = "Qwzx Vlorp"


def write_libraries(root: Path, fake: FakeProviders) -> tuple[set[str], str]:
    """Movies (two folders) and two short series from the generator, plus a movie no provider
    knows; the titles of the generated movies, and a catalogue movie not in the library."""
    generated = generate_library(300, seed=7, titles=fake.catalogue.library_titles())
    series = {"Distant Winter Chronicles 5", "Silent Island Chronicles 1"}
    kept = [
        g
        for g in generated
        if g.path.startswith(("Movies/", "Downloads/"))
        or (g.path.startswith("TV/") and g.expected.get("series") in series)
    ]
    write_library(root, kept)
    folder = root / "Movies" / f"{UNMATCHED} (1987)"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{UNMATCHED} (1987).mkv").write_bytes(b"")
    titles = {g.expected["title"] for g in kept if g.expected.get("kind") == "movie"}
    other = next(
        t.title for t in fake.catalogue.library_titles() if not t.series and t.title not in titles
    )
    return titles, other


async def images_loaded(page: Page, selector: str, at_least: int = 1) -> None:
    """Wait until `at_least` images under `selector` have loaded (the page marks them)."""
    await page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(`${selector} img.loaded`).length >= n",
        arg=[selector, at_least],
    )


async def jobs_settled(page: Page, *, artwork_jobs: int) -> None:
    """Wait, on the jobs page, until every job shown has finished and `artwork_jobs` artwork
    downloads succeeded: the page follows each job's events and shows the next steps."""
    await page.wait_for_function(
        """(n) => {
          const rows = [...document.querySelectorAll("tr.job")];
          const text = (row, part) => row.querySelector(part).textContent;
          const done = rows.filter((row) => text(row, ".job-kind") === "catalogue.artwork"
            && text(row, ".job-state") === "succeeded");
          const busy = rows.some((row) => /queued|running/.test(text(row, ".job-state")));
          return done.length >= n && !busy;
        }""",
        arg=artwork_jobs,
        timeout=PIPELINE_TIMEOUT_MS,
    )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_set_up_scan_browse_search_and_fix_a_match(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    browser: Browser,
) -> None:
    root = tmp_path / "library"
    titles, other_movie = write_libraries(root, fake)
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        auth=AuthSettings(
            **FAST_HASHING,  # type: ignore[arg-type]
            initial_admin_username="admin",
            initial_admin_password=PASSWORD,
        ),
        web=WebSettings(page_size=4),  # a few posters a page, so the grid scrolls for more
    )
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        # Log in: the home page sends a stranger to the login form first.
        await page.goto("/")
        await expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
        await shot(page, "login")
        await page.get_by_label("Username").fill("admin")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("heading", name="No libraries yet")).to_be_visible()

        # Add the two libraries; a relative folder is refused and the form keeps the name.
        await page.get_by_role("link", name="Add a library").click()
        await page.get_by_label("Name").fill("Movies")
        await page.get_by_label("Folders, one per line").fill("Movies")
        await page.get_by_role("button", name="Add library").click()
        await expect(page.get_by_role("alert")).to_contain_text("not an absolute folder path")
        await expect(page.get_by_label("Name")).to_have_value("Movies")
        await page.get_by_label("Folders, one per line").fill(
            f"{root / 'Movies'}\n{root / 'Downloads'}"
        )
        await page.get_by_role("button", name="Add library").click()
        await expect(page.get_by_role("status")).to_contain_text("Library added")
        await page.get_by_label("Name").fill("TV")
        await page.get_by_label("Kind").select_option("tv")
        await page.get_by_label("Folders, one per line").fill(str(root / "TV"))
        await page.get_by_role("button", name="Add library").click()
        await shot(page, "admin-libraries")

        # Scan both, and watch the jobs page follow them live to their end.
        for name in ("Movies", "TV"):
            await page.goto("/admin/libraries")
            row = page.get_by_role("row").filter(has_text=name).first
            await row.get_by_role("button", name="Scan now").click()
            await expect(page.get_by_role("status")).to_contain_text("Scan queued")
        await page.evaluate("window.stayed = true")
        await jobs_settled(page, artwork_jobs=2)
        assert await page.evaluate("window.stayed === true"), "the jobs page reloaded"
        scans = page.locator("tr.job").filter(has_text="libraries.scan")
        assert await scans.count() >= 2
        for index in range(2):
            bar = scans.nth(index).locator("progress")
            value, maximum = await bar.evaluate("(p) => [p.value, p.max]")
            assert value == maximum > 1  # every file of the scan counted
        await shot(page, "admin-jobs")

        # Home: rows of posters, painted placeholders first.
        await page.goto("/")
        await expect(page.get_by_role("heading", name="Recently added").first).to_be_visible()
        await images_loaded(page, ".row", 3)
        assert await page.locator("[data-blurhash][data-painted]").count() > 0
        await shot(page, "home")

        # The grid: a few posters, more as one scrolls, the sort in the address.
        await page.get_by_role("link", name="Movies", exact=True).click()
        await images_loaded(page, ".grid", 2)
        # Four posters came with the page; the rest are fetched as the end nears the screen.
        tiles = page.locator(".grid .tile")
        for _ in range(5):
            await page.mouse.wheel(0, 4000)
            await page.wait_for_timeout(300)
        await expect(tiles).to_have_count(len(titles) + 1)  # with the unmatched one
        await page.get_by_label("Sort").select_option("year")
        await expect(page).to_have_url(re.compile(r"sort=year"))
        assert "year_min" not in page.url  # empty filters stay out of the address
        await page.get_by_label("Order").select_option("desc")
        await expect(page).to_have_url(re.compile(r"sort=year&order=desc"))
        await images_loaded(page, ".grid", 2)
        await shot(page, "grid")
        await page.set_viewport_size(PHONE)
        await shot(page, "grid-phone")
        await page.set_viewport_size(DESKTOP)

        # A movie: poster, facts, cast with photos, files.
        matched = page.locator(".grid .tile").filter(has_not_text=UNMATCHED).first
        title = (await matched.locator(".tile-title").inner_text()).strip()
        await matched.get_by_role("link").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        await expect(page.get_by_role("heading", name="Cast")).to_be_visible()
        await images_loaded(page, ".people", 1)
        await expect(page.locator("table.files tbody tr").first).to_be_visible()
        movie_url = page.url
        await shot(page, "detail")

        # The library's Collections tab, and a collection: its movies in order, and those the
        # library misses.
        await page.go_back()
        await page.get_by_role("link", name="Collections", exact=True).click()
        await page.locator(".grid .tile a").first.click()
        parts = page.get_by_role("heading", name="All movies of the collection")
        await expect(parts).to_be_visible()
        await expect(page.locator(".collection-parts li").first).to_be_visible()
        await shot(page, "collection")

        # Search as you type, from the header: the movie is among the movies found.
        await page.goto("/")
        await page.get_by_label("Search the library").press_sequentially(title[:8], delay=40)
        hit = page.locator("#search-dropdown .hits[aria-label=Movies] a").filter(has_text=title)
        await expect(hit.first).to_be_visible()
        await shot(page, "search")
        await hit.first.click()
        await expect(page).to_have_url(movie_url)

        # A series, a season and its episodes with stills.
        await page.goto("/")
        await page.get_by_role("link", name="TV", exact=True).click()
        await page.locator(".grid .tile a").first.click()
        await expect(page.get_by_role("heading", name="Seasons")).to_be_visible()
        await page.locator(".row .tile a").first.click()
        await expect(page.get_by_role("heading", name="Episodes")).to_be_visible()
        await shot(page, "season")

        # Fix the match of the item no provider knew: the dialog searches, the admin picks.
        await page.goto("/admin/unmatched")
        await (
            page.get_by_role("row")
            .filter(has_text=UNMATCHED)
            .get_by_role("link", name="Fix match")
            .click()
        )
        dialog = page.locator("#match-dialog")
        await expect(dialog.get_by_label("Title")).to_have_value(UNMATCHED)
        await expect(dialog).to_contain_text("knows nothing by this title")
        await dialog.get_by_label("Title").fill(other_movie)
        await dialog.get_by_label("Year").fill("")
        await dialog.get_by_role("button", name="Search").click()
        choice = dialog.locator(".candidates li").filter(has_text=other_movie).first
        await expect(choice).to_be_visible()
        await shot(page, "fix-match")
        await choice.get_by_role("button", name=re.compile(r"^Use ")).click()
        await expect(page.get_by_role("status")).to_contain_text("Match chosen")
        await page.wait_for_function(
            """() => [...document.querySelectorAll("tr.job")].some((r) =>
                 r.querySelector(".job-kind").textContent === "catalogue.refresh"
                 && r.querySelector(".job-state").textContent === "succeeded")""",
            timeout=PIPELINE_TIMEOUT_MS,
        )
        await page.goto("/admin/unmatched")
        await expect(page.get_by_role("row").filter(has_text=UNMATCHED)).to_have_count(0)
        await page.goto("/")
        await page.get_by_label("Search the library").press_sequentially(other_movie, delay=20)
        await page.locator("#search-dropdown a").filter(has_text=other_movie).first.click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(other_movie)

        assert errors == []  # no script failed on any page
        await context.close()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_mark_a_series_played_from_its_page(
    database_url: str, tmp_path: Path, browser: Browser
) -> None:
    """The watch state in the browser: Continue Watching and Next Up on the home page, and a
    series marked played from its page (a plain form: the page comes back with no episode
    left), with no script error and nothing the page's CSP refused."""
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"server": ServerSettings(run_workers=False)}
    )
    async with running_api(settings) as api:
        catalogue = await seed(api.services)
        ann = await api.services.users.create_user("ann", PASSWORD, is_admin=True)
        watch = api.services.watch
        await watch.set_played(ann.id, None, catalogue.episodes[(1, 1)], played=True)
        await watch.report_progress(ann.id, None, catalogue.heat, 2700, stopped=True)
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors = page_errors(page)

        await log_in_page(page, "ann")
        watching = page.get_by_role("region", name="Continue Watching")
        await expect(watching.locator("progress")).to_have_attribute("value", "38")
        next_up = page.get_by_role("region", name="Next Up")
        await expect(next_up).to_contain_text("S01E02")
        await shot(page, "home-watching")

        await page.goto(f"/series/{catalogue.dark}")
        left = page.locator(".watch-state .unplayed-count")
        await expect(left).to_have_text("5 unplayed episodes")
        await page.get_by_role("button", name="Mark played").click()
        await expect(left).to_have_text("0 unplayed episodes")
        await expect(page).to_have_url(re.compile(rf"/series/{catalogue.dark}$"))
        await expect(page.get_by_role("button", name="Mark unplayed")).to_be_visible()
        seasons = page.get_by_role("region", name="Seasons")
        await expect(seasons.locator(".mark")).to_have_count(0)
        await shot(page, "series-played")

        await page.get_by_role("button", name="Favourite", exact=True).click()
        await page.get_by_role("link", name="Favourites").click()
        await expect(page.locator(".grid .tile-title")).to_have_text(["Dark"])
        await page.get_by_role("link", name="History").click()
        await expect(page.locator(".history li").first).to_contain_text("Dark")

        assert errors == []
        await context.close()
