"""The item editor in a real headless Chromium against the real server: an admin opens a movie,
edits its title, overview, genres and tags, saves, and sees them on the movie's page with the
locks they left; a form left open does not undo another admin's edit of another field; a bad
value is shown beside its field; a lock is lifted from the editor.

Screenshots are saved in tests/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from reelhouse.app import create_app
from reelhouse.config import ServerSettings
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.ingest.editing import ItemChanges
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository
from reelhouse.testing.server import ThreadedServer
from tests.browser_support import DESKTOP, log_in_page, page_errors, shot
from tests.support import PASSWORD, running_api, settings_for


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_edit_a_movie_in_the_browser(
    database_url: str, tmp_path: Path, browser: Browser
) -> None:
    settings = settings_for(database_url, tmp_path).model_copy(
        update={"server": ServerSettings(run_workers=False)}
    )
    async with running_api(settings) as api:
        async with api.services.users.database.transaction() as session:
            library = await LibraryRepository(session).add("Movies", LibraryKind.MOVIES, ["/m"])
            movies = MovieRepository(session)
            movie = await movies.add(
                Movie(
                    library_id=library.id,
                    title="Heat",
                    year=1995,
                    overview="A heist.",
                    tagline="A Los Angeles crime saga.",
                )
            )
            await movies.set_genres(movie.id, ["Crime"])
        await api.services.users.create_user("ann", PASSWORD, is_admin=True)
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors = page_errors(page)

        await log_in_page(page, "ann")
        await page.goto(f"/movies/{movie.id}")
        await page.get_by_role("link", name="Edit", exact=True).click()
        await expect(page).to_have_url(re.compile(rf"/admin/items/{movie.id}/edit$"))
        await expect(page.get_by_label("Title", exact=True)).to_have_value("Heat")
        await expect(page.get_by_label("Genres, one per line")).to_have_value("Crime")

        # Another admin changes the tagline while this form is open.
        async with running_api(settings) as other:
            await other.services.editor.edit(movie.id, ItemChanges(tagline="Another saga."))

        await page.get_by_label("Title", exact=True).fill("Heat (Director's Definitive Edition)")
        await page.get_by_label("Overview").fill("Two men, one city, a final heist.")
        await page.get_by_label("Genres, one per line").fill("Crime\nDrama\nThriller")
        await page.get_by_label("Tags, one per line").fill("Michael Mann\nFavourite")
        await shot(page, "editor-form")
        await page.get_by_role("button", name="Save").click()

        await expect(page).to_have_url(re.compile(rf"/movies/{movie.id}$"))
        await expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Heat (Director's Definitive Edition)"
        )
        await expect(page.locator(".overview")).to_have_text("Two men, one city, a final heist.")
        genres = page.get_by_role("list", name="Genres").get_by_role("listitem")
        await expect(genres).to_have_text(["Crime", "Drama", "Thriller"])
        tags = page.get_by_role("list", name="Tags").get_by_role("listitem")
        await expect(tags).to_have_text(["Favourite", "Michael Mann"])
        # The other admin's tagline stayed: the form sent only what this admin changed.
        await expect(page.locator(".tagline")).to_have_text("Another saga.")
        locks = page.locator(".admin-actions .badge.lock")
        # Each admin's fields are locked (the other's tagline too).
        await expect(locks).to_have_text(["genres", "overview", "tagline", "tags", "title"])
        await shot(page, "editor-saved-movie")

        # A bad value is shown beside its field, and what was typed stays.
        await page.get_by_role("link", name="Edit", exact=True).click()
        title = page.locator("label[for=edit-title]")
        await expect(title.locator(".badge.lock")).to_have_text("locked")
        await page.get_by_label("Tags, one per line").fill("Favourite\n" + "x" * 101)
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("#error-tags")).to_contain_text("Tags")
        await expect(page.get_by_label("Tags, one per line")).to_have_value(
            "Favourite\n" + "x" * 101
        )
        await shot(page, "editor-error")

        # Unlocked, the title is the refresh's again (the badge goes).
        await page.goto(f"/admin/items/{movie.id}/edit")
        await page.get_by_role("button", name="Unlock title").click()
        await expect(page.get_by_role("status")).to_contain_text("Unlocked")
        await expect(title.locator(".badge.lock")).to_have_count(0)
        await expect(page.locator(".locked-fields .badge")).to_have_text(
            ["genres", "overview", "tagline", "tags"]
        )
        await shot(page, "editor-locks")

        # The refused form's page came with its 422, which the console reports; nothing else.
        assert [e for e in errors if "status of 422" not in e] == []
        await context.close()
