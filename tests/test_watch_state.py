"""Each user's watch state through the API, on both databases: the rules applied to progress,
Continue Watching, Next Up (specials, missing files, multi-episode files, rewatches), marks over
seasons and series in one statement, favourites, ratings, history and stats; isolation between
users and libraries; invalidation by catalogue changes and across processes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from reelhouse.content.catalogue.invalidation import CatalogueInvalidation, ItemRef
from reelhouse.content.movies.models import Movie
from reelhouse.content.movies.repository import MovieRepository
from reelhouse.content.tv.models import Series
from reelhouse.content.tv.repository import EpisodeRepository, SeriesRepository
from reelhouse.ingest.links import MediaLinkRepository
from reelhouse.kinds import LibraryKind
from reelhouse.libraries.repository import LibraryRepository, MediaFileRepository
from tests.support import Api, bearer
from tests.test_api_browse import media
from tests.test_catalogue_cache import WAIT_S, server


@dataclass
class Catalogue:
    movies: int
    tv: int
    heat: int
    dark: int
    seasons: dict[int, int]
    #: (season, episode) -> item id
    episodes: dict[tuple[int, int], int]
    lost: int
    lost_episodes: dict[int, int]


async def seed(services: Any) -> Catalogue:
    """Heat (a two-hour film); Dark with a special, S1E1-E4 (E4 without a file) and S2E1-E2;
    Lost S1E1-E2; every episode 50 minutes."""
    async with services.users.database.transaction() as session:
        libraries = LibraryRepository(session)
        movies_lib = await libraries.add("Movies", LibraryKind.MOVIES, ["/m"])
        tv_lib = await libraries.add("TV", LibraryKind.TV, ["/tv"])
        files = MediaFileRepository(session)
        links = MediaLinkRepository(session)
        heat = await MovieRepository(session).add(
            Movie(library_id=movies_lib.id, title="Heat", year=1995, runtime_minutes=120)
        )
        (heat_file,) = await files.upsert_many(movies_lib.id, [media("/m/Heat.mkv")])
        await links.link_file(heat.id, heat_file)
        series = SeriesRepository(session)
        episodes_repo = EpisodeRepository(session)

        async def show(title: str, numbers: dict[int, list[int]], unfiled: set[Any]) -> Any:
            made = await series.add(Series(library_id=tv_lib.id, title=title))
            seasons, episodes = {}, {}
            for season_number, episode_numbers in numbers.items():
                season = await series.season(made, season_number)
                seasons[season_number] = season.id
                for number in episode_numbers:
                    episode = await episodes_repo.add_to_season(season, number, f"E{number}")
                    episode.runtime_minutes = 50
                    episodes[(season_number, number)] = episode.id
                    if (season_number, number) in unfiled:
                        continue
                    path = f"/tv/{title}/S{season_number:02}E{number:02}.mkv"
                    (file_id,) = await files.upsert_many(tv_lib.id, [media(path)])
                    await links.link_file(episode.id, file_id)
            return made, seasons, episodes

        dark, seasons, episodes = await show("Dark", {0: [1], 1: [1, 2, 3, 4], 2: [1, 2]}, {(1, 4)})
        lost, _, lost_episodes = await show("Lost", {1: [1, 2]}, set())
    return Catalogue(
        movies_lib.id, tv_lib.id, heat.id, dark.id, seasons, episodes, lost.id,
        {n: i for (_, n), i in lost_episodes.items()},
    )  # fmt: skip


class Viewer:
    """One user's calls to `/api/me`."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = bearer(token)

    async def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        return await self.client.request(method, f"/api/me{path}", headers=self.headers, **options)

    async def progress(self, item: int, seconds: float, **flags: bool) -> httpx.Response:
        body = {"position_s": seconds, **flags}
        return await self.call("POST", f"/items/{item}/progress", json=body)

    async def played(self, item: int, played: bool = True) -> None:
        response = await self.call("POST" if played else "DELETE", f"/items/{item}/played")
        assert response.status_code == 204, response.text

    async def state(self, item: int) -> dict[str, Any]:
        response = await self.call("GET", f"/items/{item}/state")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def ids(self, path: str) -> list[int]:
        response = await self.call("GET", path)
        assert response.status_code == 200, response.text
        return [entry["item"]["id"] for entry in response.json()]


async def viewer(api: Api, name: str, *, is_admin: bool = True) -> Viewer:
    return Viewer(api.client, await api.token_for(name, is_admin=is_admin))


async def test_progress_follows_the_resume_rules_into_continue_watching_and_history(
    api: Api,
) -> None:
    catalogue = await seed(api.services)
    ann = await viewer(api, "ann")
    heat = catalogue.heat
    assert (await ann.progress(heat, 60)).status_code == 204  # 1 %: no resume point
    assert (await ann.state(heat))["position_s"] is None
    assert await ann.ids("/continue-watching") == []
    await ann.progress(heat, 3600)
    state = await ann.state(heat)
    assert (state["position_s"], state["played"]) == (3600, False)
    (entry,) = (await ann.call("GET", "/continue-watching")).json()
    assert (entry["item"]["title"], entry["runtime_s"]) == ("Heat", 7200)
    # While playing, a report too early to resume from keeps the point (a player starting at
    # 0 before it seeks); stopped there, it clears it.
    await ann.progress(heat, 0)
    assert (await ann.state(heat))["position_s"] == 3600
    await ann.progress(heat, 10, stopped=True)
    assert (await ann.state(heat))["position_s"] is None
    await ann.progress(heat, 3000)
    await ann.progress(heat, 7000, stopped=True)  # 97 %: played
    state = await ann.state(heat)
    assert (state["played"], state["play_count"], state["position_s"]) == (True, 1, None)
    assert await ann.ids("/continue-watching") == []
    assert await ann.ids("/recently-watched") == [heat]
    # Reports past the end again count no second viewing; a new viewing does.
    await ann.progress(heat, 7100)
    assert (await ann.state(heat))["play_count"] == 1
    await ann.progress(heat, 2000)
    await ann.progress(heat, 7150)
    assert (await ann.state(heat))["play_count"] == 2
    history = (await ann.call("GET", "/history?limit=1")).json()
    assert [e["item"]["id"] for e in history["items"]] == [heat]
    older = (await ann.call("GET", f"/history?limit=1&before={history['next_before']}")).json()
    assert [e["item"]["id"] for e in older["items"]] == [heat]
    assert older["next_before"] is None
    stats = (await ann.call("GET", "/stats")).json()
    assert (stats["items"], stats["hours"], len(stats["by_month"])) == (2, 4.0, 1)


async def test_next_up_goes_through_seasons_skipping_specials_and_missing_files(
    api: Api,
) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    assert await ann.ids("/next-up") == []
    await ann.played(c.episodes[(1, 1)])
    assert await ann.ids("/next-up") == [c.episodes[(1, 2)]]
    await ann.played(c.episodes[(1, 2)])
    await ann.played(c.episodes[(1, 3)])
    # S1E4 has no file: S2E1 is next, not the special either.
    assert await ann.ids("/next-up") == [c.episodes[(2, 1)]]
    await ann.played(c.lost_episodes[1])
    # The series watched last comes first.
    assert await ann.ids("/next-up") == [c.lost_episodes[2], c.episodes[(2, 1)]]
    # A rewatch of an earlier episode: next up is the first unplayed one after it.
    await ann.played(c.episodes[(1, 1)])
    assert await ann.ids("/next-up") == [c.episodes[(2, 1)], c.lost_episodes[2]]
    # In progress, the next episode is both next up and in Continue Watching.
    await ann.progress(c.episodes[(2, 1)], 1500)
    assert await ann.ids("/next-up") == [c.episodes[(2, 1)], c.lost_episodes[2]]
    assert await ann.ids("/continue-watching") == [c.episodes[(2, 1)]]


async def test_seasons_and_series_are_marked_in_one_statement_and_counted_from_episodes(
    api: Api,
) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    engine = api.services.users.database.engine.sync_engine
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")) and "watch_" in statement:
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        await ann.played(c.seasons[1])  # four episodes
        season_writes = len(writes)
        writes.clear()
        await ann.played(c.seasons[2])  # two episodes
        assert len(writes) == season_writes <= 2
    finally:
        event.remove(engine, "before_cursor_execute", count)
    series = await ann.state(c.dark)
    # Specials count in their own season, not against the series.
    assert (series["played"], series["unplayed_count"]) == (True, 0)
    assert (await ann.state(c.seasons[0]))["unplayed_count"] == 1
    counts = await ann.call("GET", f"/unplayed-counts?item_id={c.dark}&item_id={c.seasons[1]}")
    assert counts.json() == {str(c.dark): 0, str(c.seasons[1]): 0}
    await ann.played(c.dark)
    assert (await ann.state(c.dark))["played"] is True
    assert (await ann.state(c.episodes[(1, 2)]))["play_count"] == 1  # marked once, not twice
    await ann.played(c.seasons[2], played=False)
    assert (await ann.state(c.seasons[2]))["unplayed_count"] == 2
    assert (await ann.state(c.episodes[(2, 1)]))["played"] is False
    assert await ann.ids("/next-up") == [c.episodes[(2, 1)]]


async def test_favourites_and_ratings(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    assert (await ann.call("POST", f"/items/{c.dark}/favourite")).status_code == 204
    assert (await ann.call("POST", f"/items/{c.heat}/favourite")).status_code == 204
    assert await ann.ids("/favourites") == [c.dark, c.heat]  # by title
    await ann.call("DELETE", f"/items/{c.dark}/favourite")
    assert await ann.ids("/favourites") == [c.heat]
    assert (await ann.call("PUT", f"/items/{c.heat}/rating", json={"rating": 8.5})).is_success
    assert (await ann.state(c.heat))["rating"] == 8.5
    await ann.call("DELETE", f"/items/{c.heat}/rating")
    assert (await ann.state(c.heat))["rating"] is None
    assert (await ann.state(c.heat))["favourite"] is True
    for bad in ({"rating": 11}, {"rating": "8"}, {"rating": -1}, {}):
        response = await ann.call("PUT", f"/items/{c.heat}/rating", json=bad)
        assert response.status_code == 422, bad


async def test_nobody_sees_or_changes_anothers_state_or_a_hidden_library(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    bob = await viewer(api, "bob", is_admin=False)
    (bob_info,) = [u for u in await api.services.users.list_users() if u.username == "bob"]
    await api.services.users.set_user_libraries(bob_info.id, [c.tv])  # TV only
    await ann.progress(c.heat, 3600)
    await ann.played(c.episodes[(1, 1)])
    await ann.call("POST", f"/items/{c.heat}/favourite")
    assert await bob.ids("/continue-watching") == []
    assert await bob.ids("/next-up") == []
    assert await bob.ids("/favourites") == []
    assert (await bob.state(c.episodes[(1, 1)]))["played"] is False
    # Heat is in a library bob may not see: every route answers as if it did not exist.
    for method, path, body in (
        ("GET", f"/items/{c.heat}/state", None),
        ("POST", f"/items/{c.heat}/progress", {"position_s": 100}),
        ("POST", f"/items/{c.heat}/played", None),
        ("POST", f"/items/{c.heat}/favourite", None),
        ("PUT", f"/items/{c.heat}/rating", {"rating": 3}),
    ):
        response = await bob.call(method, path, json=body)
        assert response.status_code == 404, (method, path)
    await bob.played(c.episodes[(1, 2)])
    assert (await ann.state(c.episodes[(1, 2)]))["played"] is False
    assert await ann.ids("/next-up") == [c.episodes[(1, 2)]]


async def test_bad_progress_is_clamped_or_refused(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    assert (await ann.progress(c.heat, -30, stopped=True)).status_code == 204
    assert (await ann.state(c.heat))["position_s"] is None
    assert (await ann.progress(c.heat, 99_999)).status_code == 204  # past the end: played
    assert (await ann.state(c.heat))["played"] is True
    for body in ({"position_s": "ten"}, {"position_s": None}, {"position_s": 1e12}, {}):
        response = await ann.call("POST", f"/items/{c.heat}/progress", json=body)
        assert response.status_code == 422, body
    series = await ann.progress(c.dark, 100)
    assert series.status_code == 422
    assert (await ann.progress(987_654, 100)).status_code == 404


async def test_hundreds_of_concurrent_reports_are_all_stored(api: Api) -> None:
    c = await seed(api.services)
    viewers = [await viewer(api, f"user{n}") for n in range(40)]
    episodes = sorted(c.episodes.values())
    reports = [
        (v, episode, 600 + 10 * n + e)
        for n, v in enumerate(viewers)
        for e, episode in enumerate(episodes)
    ]
    responses = await asyncio.gather(*(v.progress(item, s) for v, item, s in reports))
    assert {r.status_code for r in responses} == {204}
    for v, item, seconds in reports[::17]:
        assert (await v.state(item))["position_s"] == seconds


async def test_catalogue_changes_reach_next_up_and_continue_watching_at_once(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    await ann.played(c.lost_episodes[1])
    await ann.played(c.lost_episodes[2])
    await ann.progress(c.heat, 3600)
    assert await ann.ids("/next-up") == []  # Lost is finished
    assert await ann.ids("/continue-watching") == [c.heat]
    invalidation = CatalogueInvalidation(api.app.state.cache)
    async with api.services.users.database.transaction() as session:
        series = SeriesRepository(session)
        lost = await series.get(c.lost)
        season = await series.season(lost, 1)
        episode = await EpisodeRepository(session).add_to_season(season, 3, "E3")
        (file_id,) = await MediaFileRepository(session).upsert_many(
            c.tv, [media("/tv/Lost/S01E03.mkv")]
        )
        await MediaLinkRepository(session).link_file(episode.id, file_id)
        (heat_file,) = await MediaFileRepository(session).upsert_many(
            c.movies, [media("/m/Heat.mkv")]
        )
        await MediaFileRepository(session).mark_missing([heat_file])
        new_episode = ItemRef(episode.id, c.tv, season.id, c.lost)
    await invalidation.items_changed([new_episode, ItemRef(c.heat, c.movies)])
    assert await ann.ids("/next-up") == [new_episode.id]
    assert await ann.ids("/continue-watching") == []


async def test_two_users_on_two_processes_see_their_own_state_after_every_write(
    database_url: str, tmp_path: Path, redis_url: str, cache_prefix: str
) -> None:
    async with (
        server(database_url, tmp_path / "a", redis_url, cache_prefix) as (one, services, _),
        server(database_url, tmp_path / "b", redis_url, cache_prefix) as (two, _, _),
    ):
        c = await seed(services)
        tokens = {}
        for name in ("ann", "bob"):
            await services.users.create_user(name, "correct horse battery", is_admin=True)
            tokens[name] = (await services.users.login(name, "correct horse battery")).secret
        ann_one, ann_two = Viewer(one, tokens["ann"]), Viewer(two, tokens["ann"])
        bob_one, bob_two = Viewer(one, tokens["bob"]), Viewer(two, tokens["bob"])

        async def soon(who: Viewer, path: str, expected: list[int]) -> None:
            """Another process hears of a write within the cache's invalidation delay."""
            for _ in range(int(WAIT_S * 20)):
                if await who.ids(path) == expected:
                    return
                await asyncio.sleep(0.05)
            assert await who.ids(path) == expected

        await ann_one.played(c.episodes[(1, 1)])
        await bob_two.played(c.episodes[(1, 1)])
        await bob_two.played(c.episodes[(1, 2)])
        # Both lists now cached on both processes, each user's own.
        assert await ann_two.ids("/next-up") == [c.episodes[(1, 2)]]
        assert await bob_one.ids("/next-up") == [c.episodes[(1, 3)]]
        await ann_one.played(c.episodes[(1, 2)])
        await soon(ann_two, "/next-up", [c.episodes[(1, 3)]])
        await ann_two.progress(c.episodes[(1, 3)], 1200)
        await soon(ann_one, "/continue-watching", [c.episodes[(1, 3)]])
        assert await bob_one.ids("/continue-watching") == []
        await bob_one.progress(c.heat, 3600)
        await soon(bob_two, "/continue-watching", [c.heat])
        assert await ann_two.ids("/continue-watching") == [c.episodes[(1, 3)]]


async def test_listings_filter_and_sort_by_the_callers_own_state(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    bob = await viewer(api, "bob")
    async with api.services.users.database.transaction() as session:
        alien = await MovieRepository(session).add(
            Movie(library_id=c.movies, title="Alien", year=1979, runtime_minutes=117)
        )

    async def titles(who: Viewer, path: str) -> list[str]:
        response = await who.client.get(path, headers=who.headers)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert await titles(ann, "/api/movies?played=true") == []
    await ann.played(c.heat)
    await ann.played(alien.id)
    await ann.played(c.heat)
    await ann.call("POST", f"/items/{alien.id}/favourite")
    assert await titles(ann, "/api/movies?played=true") == ["Alien", "Heat"]
    assert await titles(ann, "/api/movies?played=false") == []
    assert await titles(ann, "/api/movies?favourite=true") == ["Alien"]
    assert await titles(ann, "/api/movies?sort=play_count&order=desc") == ["Heat", "Alien"]
    first = await ann.client.get(
        "/api/movies?sort=last_played&order=desc&limit=1", headers=ann.headers
    )
    assert [m["title"] for m in first.json()["items"]] == ["Heat"]
    cursor = first.json()["next_cursor"]
    rest = f"/api/movies?sort=last_played&order=desc&limit=1&cursor={cursor}"
    assert await titles(ann, rest) == ["Alien"]
    # Bob's listings are his own, though the same query was just cached for Ann.
    assert await titles(bob, "/api/movies?played=true") == []
    assert await titles(bob, "/api/movies?favourite=true") == []
    # A series is played when all of its regular episodes are; in progress, when resumable.
    assert await titles(ann, "/api/series?played=true") == []
    await ann.played(c.dark)
    assert await titles(ann, "/api/series?played=true") == ["Dark"]
    assert await titles(ann, "/api/series?played=false") == ["Lost"]
    await ann.progress(c.heat, 3600)
    assert await titles(ann, "/api/movies?in_progress=true") == ["Heat"]


async def test_finishing_a_two_episode_file_finishes_both_episodes(api: Api) -> None:
    c = await seed(api.services)
    ann = await viewer(api, "ann")
    async with api.services.users.database.transaction() as session:
        series = SeriesRepository(session)
        twin = await series.add(Series(library_id=c.tv, title="Twin"))
        season = await series.season(twin, 1)
        episodes = [
            await EpisodeRepository(session).add_to_season(season, n, f"E{n}") for n in (1, 2, 3)
        ]
        for episode in episodes:
            episode.runtime_minutes = 45
        files = MediaFileRepository(session)
        double, single = await files.upsert_many(
            c.tv, [media("/tv/Twin/S01E01-E02.mkv"), media("/tv/Twin/S01E03.mkv")]
        )
        links = MediaLinkRepository(session)
        await links.link_file(episodes[0].id, double)
        await links.link_file(episodes[1].id, double)
        await links.link_file(episodes[2].id, single)
    first, second, third = (e.id for e in episodes)
    await ann.progress(first, 2000)
    await ann.progress(first, 2690, stopped=True)
    assert (await ann.state(second))["played"] is True
    assert await ann.ids("/next-up") == [third]
    history = (await ann.call("GET", "/history")).json()["items"]
    assert sorted(e["item"]["id"] for e in history) == [first, second]
    await ann.played(first, played=False)
    assert (await ann.state(second))["played"] is False
