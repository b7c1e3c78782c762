"""The image picker in a real headless Chromium, against the real server with its workers and
the fake providers: an admin opens a movie's images from its page, sees TMDb's posters in every
language (shown from this server: the page's policy allows no other), picks another poster,
uploads one of their own, and the movie's page shows it at once.

Screenshots: tests/screenshots/image-picker-*.png (ignored by git)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from reelhouse.app import create_app
from reelhouse.config import AuthSettings, Settings
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.testing.server import ThreadedServer
from tests.browser_support import DESKTOP, log_in_page, page_errors, shot
from tests.pipeline_support import pipeline_settings, touch
from tests.support import FAST_HASHING, PASSWORD, bearer
from tests.test_local_artwork import picture

PIPELINE_TIMEOUT_S = 180.0


async def scanned_movie(server_url: str, root: Path) -> int:
    """Through the API: log in, add the library, scan it, wait for its jobs; the movie's id."""
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        login = await client.post(
            "/api/auth/login", json={"username": "admin", "password": PASSWORD}
        )
        token = bearer(login.json()["token"])
        added = await client.post(
            "/api/libraries",
            json={"name": "Movies", "kind": "movies", "paths": [str(root)]},
            headers=token,
        )
        assert added.status_code == 201, added.text
        scan = await client.post(f"/api/libraries/{added.json()['id']}/scan", headers=token)
        assert scan.status_code == 202, scan.text
        deadline = time.monotonic() + PIPELINE_TIMEOUT_S
        while True:
            jobs = (await client.get("/api/jobs", headers=token)).json()
            kinds = {job["kind"] for job in jobs if job["state"] == "succeeded"}
            busy = any(job["state"] in ("queued", "running") for job in jobs)
            if "catalogue.artwork" in kinds and not busy:
                break
            assert time.monotonic() < deadline, jobs
            await asyncio.sleep(0.2)
        movies = (await client.get("/api/movies", headers=token)).json()["items"]
        movie_id: int = movies[0]["id"]
        return movie_id


async def poster_shown(page: Page) -> tuple[str, bytes]:
    """The item page's poster: its address, and the bytes the page loaded from it."""
    poster = page.locator(".hero .art.poster img")
    await expect(poster).to_have_class("loaded")
    src = await poster.get_attribute("src")
    assert src is not None
    response = await page.request.get(src)
    return src, await response.body()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_pick_a_poster_and_upload_one(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
    browser: Browser,
) -> None:
    movie = next(t for t in fake.catalogue.library_titles() if not t.series)
    name = f"{movie.title} ({movie.year})"
    touch(tmp_path / "movies" / name / f"{name}.mkv")
    settings = pipeline_settings(
        provider_settings,
        database_url,
        tmp_path / "data",
        auth=AuthSettings(
            **FAST_HASHING,  # type: ignore[arg-type]
            initial_admin_username="admin",
            initial_admin_password=PASSWORD,
        ),
    )
    own = picture((400, 600), (20, 160, 90), "PNG")
    upload = tmp_path / "my-poster.png"
    upload.write_bytes(own)
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("a shopping list, not a poster")
    with ThreadedServer(create_app(settings), lifespan="on", name="reelhouse") as server:
        movie_id = await scanned_movie(server.url, tmp_path / "movies")
        context = await browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(30_000)
        page = await context.new_page()
        errors = page_errors(page)  # among them whatever the page's policy refused
        await log_in_page(page, "admin")

        await page.goto(f"/movies/{movie_id}")
        first_src, first_bytes = await poster_shown(page)
        await page.get_by_role("link", name="Images").click()
        await expect(page.get_by_role("heading", name=f"Images of {movie.title}")).to_be_visible()
        choices = page.get_by_role("list", name="Poster choices")
        for language in ("en", "de", "fr", "ja"):
            await expect(choices.get_by_text(f"tmdb · {language} ·")).to_have_count(1)
        await expect(choices.locator("img.loaded")).to_have_count(4)
        for src in await choices.locator("img").evaluate_all("(all) => all.map((i) => i.src)"):
            assert src.startswith(server.url), src  # every preview from this server
        await expect(choices.locator("img[loading=lazy]")).to_have_count(4)
        await shot(page, "image-picker-posters")

        french = choices.locator("li", has_text="tmdb · fr ·")
        await french.get_by_role("button", name="Use this").click()
        await expect(page.get_by_role("status")).to_contain_text("Image chosen")
        await expect(choices.locator("li", has_text="tmdb · fr ·")).to_contain_text("In use")
        await shot(page, "image-picker-chosen")

        await page.goto(f"/movies/{movie_id}")
        chosen_src, chosen_bytes = await poster_shown(page)
        assert chosen_src != first_src  # a new address: no browser shows the old one
        assert chosen_bytes != first_bytes

        await page.get_by_role("link", name="Images").click()
        await page.get_by_role("link", name="Backdrop").click()
        await expect(page.get_by_role("list", name="Backdrop choices").locator("li")).to_have_count(
            2
        )
        await shot(page, "image-picker-backdrops")
        await page.get_by_role("link", name="Poster").click()
        # Something that is no image is refused on the page, saying why.
        await page.get_by_label("Your own poster").set_input_files(not_an_image)
        before = len(errors)
        await page.get_by_role("button", name="Upload").click()
        await expect(page.get_by_role("alert")).to_contain_text("not an image")
        assert errors[before:] == [  # the refusal's own status, which the console reports
            "Failed to load resource: the server responded with a status of 422 "
            "(Unprocessable Entity)"
        ]
        del errors[before:]
        await shot(page, "image-picker-refused")
        await page.get_by_label("Your own poster").set_input_files(upload)
        await page.get_by_role("button", name="Upload").click()
        await expect(page.get_by_role("status")).to_contain_text("Image uploaded")
        uploaded = page.get_by_role("list", name="Poster choices").locator("li").first
        await expect(uploaded).to_contain_text("upload")
        await expect(uploaded).to_contain_text("In use")
        await shot(page, "image-picker-uploaded")

        await page.goto(f"/movies/{movie_id}")
        shown_src, shown_bytes = await poster_shown(page)
        assert shown_src != chosen_src
        served = await page.request.get(f"/api/items/{movie_id}/images/poster")
        assert hashlib.sha256(await served.body()).hexdigest() == hashlib.sha256(own).hexdigest()
        assert shown_bytes != chosen_bytes  # the page's resized copy of the upload
        await shot(page, "image-picker-item")
        assert errors == []
        await context.close()
