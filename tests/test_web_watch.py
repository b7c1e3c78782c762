"""The viewer's watch state on the web page, on both databases: Continue Watching and Next Up on
the home page, played marks and unplayed counts on the grids, the played and favourite buttons
of the detail pages (plain forms with the CSRF token), the favourites and history pages; and
one user's state never showing on another's pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from reelhouse.config import WebSettings
from reelhouse.users.service import Principal
from tests.support import Api, running_api, settings_for
from tests.test_watch_state import Catalogue, seed
from tests.test_web import csrf, log_in


async def viewer_of(api: Api) -> Principal:
    """The principal of the client's login cookie."""
    return await api.services.users.authenticate(api.client.cookies["reelhouse_session"])


@asynccontextmanager
async def logged_in(
    api: Api, username: str, *, is_admin: bool = True
) -> AsyncIterator[tuple[Api, Principal]]:
    """Another browser on the same server, logged in as a new user."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        other = Api(api.app, client, api.services)
        await log_in(other, username, is_admin=is_admin)
        yield other, await viewer_of(other)


async def page(api: Api, path: str) -> str:
    response = await api.client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.text


def section(html: str, label: str) -> str:
    """The `<section aria-label=label>` of a page (they do not nest)."""
    match = re.search(rf'<section[^>]*aria-label="{re.escape(label)}">(.*?)</section>', html, re.S)
    assert match, f"no section {label!r}"
    return match[1]


def tiles(html: str) -> list[str]:
    """The poster tiles of a piece of a page, in order."""
    return re.split(r'<li class="tile', html)[1:]


def tile_of(html: str, title: str) -> str:
    """The tile whose title is `title`."""
    (found,) = [t for t in tiles(html) if f'<span class="tile-title">{title}</span>' in t]
    return found


def mark(tile: str) -> str | None:
    """What a tile's mark says to a screen reader: "Played", "3 unplayed episodes", or None."""
    match = re.search(r'class="mark [a-z]+">.*?<span class="visually-hidden">([^<]+)</span>', tile)
    return match[1] if match else None


def buttons(html: str) -> list[str]:
    return re.findall(r'<button class="secondary small" type="submit">([^<]+)</button>', html)


async def send(
    api: Api, item_id: int, what: str, value: bool, back: str, *, token: str | None = None
) -> httpx.Response:
    """Press the hero's played (`what="played"`) or favourite button, as its form posts."""
    data = {what: "true" if value else "false", "back": back}
    if token != "":
        data["csrf"] = token or csrf(api.client)
    return await api.client.post(f"/items/{item_id}/{what}", data=data)


async def test_continue_watching_and_next_up_lead_the_home_page(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    home = await page(api, "/")
    assert "Continue Watching" not in home  # nothing watched yet: no empty rows
    assert "Next Up" not in home

    watch = api.services.watch
    dark_1, dark_2 = catalogue.episodes[(1, 1)], catalogue.episodes[(1, 2)]
    await watch.report_progress(ann.user.id, None, catalogue.heat, 3600, stopped=True)
    await watch.set_played(ann.user.id, None, dark_1, played=True)
    await watch.report_progress(ann.user.id, None, dark_2, 750, stopped=True)
    home = await page(api, "/")
    assert home.index("Continue Watching") < home.index("Next Up") < home.index("library-rows")

    watching = section(home, "Continue Watching")
    episode, movie = tiles(watching)  # the one watched last first
    assert '<span class="tile-title">Dark</span>' in episode
    assert '<span class="episode-code">S01E02</span> · E2' in episode
    assert f'href="/episodes/{dark_2}"' in episode
    assert 'class="art still"' in episode  # an episode shows its still, a movie its poster
    assert '<progress class="resume" max="100" value="25" aria-label="25% watched">' in episode
    assert '<span class="tile-title">Heat</span>' in movie
    assert 'class="art poster"' in movie
    assert '<progress class="resume" max="100" value="50" aria-label="50% watched">' in movie

    (following,) = tiles(section(home, "Next Up"))
    assert '<span class="tile-title">Dark</span>' in following
    assert '<span class="episode-code">S01E02</span>' in following

    # Another user's home shows none of it.
    async with logged_in(api, "bob") as (bob_api, _):
        theirs = await page(bob_api, "/")
    assert "Continue Watching" not in theirs
    assert "Next Up" not in theirs
    assert "Heat" in theirs  # the library rows are there as ever


async def test_grids_mark_what_was_played_and_count_what_is_left(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    watch = api.services.watch
    await watch.set_played(ann.user.id, None, catalogue.heat, played=True)
    for number in (1, 2):
        await watch.set_played(ann.user.id, None, catalogue.episodes[(1, number)], played=True)

    movies = await page(api, f"/libraries/{catalogue.movies}")
    assert mark(tile_of(movies, "Heat")) == "Played"
    tv = await page(api, f"/libraries/{catalogue.tv}")
    # Dark: six regular episodes (the special counts in its season only), two played.
    assert mark(tile_of(tv, "Dark")) == "4 unplayed episodes"
    assert mark(tile_of(tv, "Lost")) == "2 unplayed episodes"
    home = await page(api, "/")
    assert mark(tile_of(section(home, "Recently added"), "Heat")) == "Played"

    series = await page(api, f"/series/{catalogue.dark}")
    seasons = section(series, "Seasons")
    counts = [mark(t) for t in tiles(seasons)]
    assert counts == ["1 unplayed episode", "2 unplayed episodes", "2 unplayed episodes"]
    assert '<span class="unplayed-count">4 unplayed episodes</span>' in series

    season = await page(api, f"/seasons/{catalogue.seasons[1]}")
    episodes = re.findall(r'<li><a href="/episodes/(\d+)">(.*?)</a></li>', season, re.S)
    played = [int(i) for i, body in episodes if mark(body) == "Played"]
    assert played == [catalogue.episodes[(1, 1)], catalogue.episodes[(1, 2)]]
    assert len(episodes) == 4

    # Bob's pages show his own state: nothing played.
    async with logged_in(api, "bob") as (bob_api, _):
        assert mark(tile_of(await page(bob_api, f"/libraries/{catalogue.movies}"), "Heat")) is None
        theirs = await page(bob_api, f"/libraries/{catalogue.tv}")
        assert mark(tile_of(theirs, "Dark")) == "6 unplayed episodes"
        bob_season = await page(bob_api, f"/seasons/{catalogue.seasons[1]}")
        assert "Played" not in bob_season


async def test_the_buttons_change_the_viewers_state(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    heat_page = f"/movies/{catalogue.heat}"
    before = await page(api, heat_page)
    assert buttons(before) == ["Mark played", "Favourite"]
    assert f'action="/items/{catalogue.heat}/played"' in before
    assert f'name="back" value="{heat_page}"' in before

    # Without the CSRF token (or with another one) nothing changes.
    for token in ("", "x" * 43):
        refused = await send(api, catalogue.heat, "played", True, heat_page, token=token)
        assert refused.status_code == 403
    assert buttons(await page(api, heat_page)) == ["Mark played", "Favourite"]

    done = await send(api, catalogue.heat, "played", True, heat_page)
    assert done.status_code == 303
    assert done.headers["location"] == heat_page
    after = await page(api, heat_page)
    assert buttons(after) == ["Mark unplayed", "Favourite"]
    assert "✓ Played" in after
    loved = await send(api, catalogue.heat, "favourite", True, heat_page)
    assert loved.status_code == 303
    assert buttons(await page(api, heat_page)) == ["Mark unplayed", "Unfavourite"]
    assert (await send(api, catalogue.heat, "played", False, heat_page)).status_code == 303
    assert buttons(await page(api, heat_page)) == ["Mark played", "Unfavourite"]
    # A form goes back only to a page of this site.
    away = await send(api, catalogue.heat, "favourite", False, "https://evil.example/")
    assert away.headers["location"] == "/"

    # A series: all of its episodes at once, and the counts follow.
    dark_page = f"/series/{catalogue.dark}"
    assert '<span class="unplayed-count">6 unplayed episodes</span>' in await page(api, dark_page)
    assert (await send(api, catalogue.dark, "played", True, dark_page)).status_code == 303
    dark = await page(api, dark_page)
    assert '<span class="unplayed-count">0 unplayed episodes</span>' in dark
    assert buttons(dark) == ["Mark unplayed", "Favourite"]
    assert mark(tile_of(await page(api, f"/libraries/{catalogue.tv}"), "Dark")) is None
    assert (await send(api, catalogue.dark, "played", False, dark_page)).status_code == 303
    assert '<span class="unplayed-count">6 unplayed episodes</span>' in await page(api, dark_page)

    # A season and an episode have their buttons too.
    season_page = f"/seasons/{catalogue.seasons[2]}"
    assert (await send(api, catalogue.seasons[2], "played", True, season_page)).status_code == 303
    season = await page(api, season_page)
    assert '<span class="unplayed-count">0 unplayed episodes</span>' in season
    assert buttons(season) == ["Mark unplayed", "Favourite"]
    episode_id = catalogue.episodes[(1, 3)]
    episode_page = f"/episodes/{episode_id}"
    assert buttons(await page(api, episode_page)) == ["Mark played", "Favourite"]
    assert (await send(api, episode_id, "played", True, episode_page)).status_code == 303
    assert buttons(await page(api, episode_page)) == ["Mark unplayed", "Favourite"]
    assert "3 unplayed episodes" in await page(api, dark_page)  # S2 and S1E3 played of 6

    # A form without its value, and an item the user may not see, are refused.
    missing = await api.client.post(
        f"/items/{catalogue.heat}/played", data={"csrf": csrf(api.client)}
    )
    assert missing.status_code == 400
    async with logged_in(api, "bob", is_admin=False) as (bob_api, bob):
        await api.services.users.set_user_libraries(bob.user.id, [catalogue.tv])
        hidden = await send(bob_api, catalogue.heat, "played", True, "/")
        assert hidden.status_code == 404
        # Ann's marks are hers: Bob's pages of the same items offer to mark them.
        assert buttons(await page(bob_api, episode_page)) == ["Mark played", "Favourite"]
        assert "6 unplayed episodes" in await page(bob_api, dark_page)


async def test_the_hero_shows_the_resume_point_and_the_viewers_rating(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    await api.services.watch.report_progress(ann.user.id, None, catalogue.heat, 3723, stopped=True)
    await api.services.watch.set_rating(ann.user.id, None, catalogue.heat, 8.5)
    heat = await page(api, f"/movies/{catalogue.heat}")
    assert '<span class="resume-at">Resume at 1:02:03</span>' in heat
    assert "Your rating ★ 8.5" in heat
    assert "✓ Played" not in heat
    async with logged_in(api, "bob") as (bob_api, _):
        theirs = await page(bob_api, f"/movies/{catalogue.heat}")
    assert "Resume at" not in theirs
    assert "Your rating" not in theirs


@pytest.fixture
async def small_pages(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The app with two entries per page of history."""
    settings = settings_for(database_url, tmp_path)
    web = WebSettings(history_page_size=2)
    async with running_api(settings.model_copy(update={"web": web})) as started:
        yield started


async def favourite_and_finish(api: Api, catalogue: Catalogue, user_id: int) -> None:
    """Heat and Dark and its S1E2 favourites; Heat, then Dark S1E1 and S1E2 finished."""
    watch = api.services.watch
    for item in (catalogue.heat, catalogue.dark, catalogue.episodes[(1, 2)]):
        await watch.set_favourite(user_id, None, item, favourite=True)
    for item in (catalogue.heat, catalogue.episodes[(1, 1)], catalogue.episodes[(1, 2)]):
        await watch.set_played(user_id, None, item, played=True)


async def test_the_favourites_and_history_pages(small_pages: Api) -> None:
    api = small_pages
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    home = await page(api, "/")
    assert '<a href="/favourites">Favourites</a>' in home
    assert '<a href="/history">History</a>' in home
    assert "Nothing yet" in await page(api, "/favourites")
    assert "Nothing watched yet" in await page(api, "/history")

    await favourite_and_finish(api, catalogue, ann.user.id)
    favourites = await page(api, "/favourites")
    assert 'href="/favourites" aria-current="page"' in favourites
    titles = re.findall(r'<span class="tile-title">([^<]+)</span>', favourites)
    assert titles == ["Dark", "E2", "Heat"]  # by title
    episode = tile_of(favourites, "E2")
    assert "Dark · S01E02" in episode  # an episode says whose it is
    assert mark(episode) == "Played"
    assert mark(tile_of(favourites, "Dark")) == "4 unplayed episodes"

    first = await page(api, "/history")
    assert 'href="/history" aria-current="page"' in first
    entries = re.findall(r'<li>\s*<a href="(/[a-z]+/\d+)">', first)
    assert entries == [f"/episodes/{catalogue.episodes[(1, n)]}" for n in (2, 1)]
    assert '<span class="episode-code">S01E02</span> · E2' in first
    older = re.search(r'href="(/history\?before=\d+)" rel="next">Older</a>', first)
    assert older, "no Older link"
    assert ">Newest</a>" not in first
    second = await page(api, older[1])
    assert re.findall(r'<li>\s*<a href="(/[a-z]+/\d+)">', second) == [f"/movies/{catalogue.heat}"]
    assert "Older</a>" not in second
    assert '<a class="button secondary" href="/history">Newest</a>' in second
    assert (await api.client.get("/history?before=0")).status_code == 400

    # Bob has neither.
    async with logged_in(api, "bob") as (bob_api, _):
        assert "Nothing yet" in await page(bob_api, "/favourites")
        assert "Nothing watched yet" in await page(bob_api, "/history")


async def test_marks_cost_no_query_per_poster_and_none_once_cached(api: Api) -> None:
    catalogue = await seed(api.services)
    await log_in(api, "ann", is_admin=True)
    ann = await viewer_of(api)
    await api.services.watch.set_played(ann.user.id, None, catalogue.heat, played=True)
    await api.services.watch.set_played(ann.user.id, None, catalogue.episodes[(1, 1)], played=True)
    engine = api.services.users.database.engine.sync_engine
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "watch_" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        await page(api, f"/libraries/{catalogue.tv}")
        # The counts of every series on the page at once (episodes by season, by series).
        assert len(reads) <= 2
        for path in ("/", f"/libraries/{catalogue.tv}", f"/libraries/{catalogue.movies}"):
            await page(api, path)
        reads.clear()
        for path in ("/", f"/libraries/{catalogue.tv}", f"/libraries/{catalogue.movies}"):
            await page(api, path)
        assert reads == []  # all of it from the watch service's cache
    finally:
        event.remove(engine, "before_cursor_execute", count)
