"""Kodi's viewing history in NFO files becomes the state of the user `watch.nfo_import_user`
names when the pipeline stores or refreshes items (the real server and workers, the fake
providers, both databases); what that user did since is kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from structlog.testing import capture_logs

from reelhouse.config import Settings, WatchSettings
from reelhouse.content.metadata.models import LocalWatch
from reelhouse.content.movies.models import Movie
from reelhouse.content.tv.models import Episode
from reelhouse.infra.jobs.models import JobState
from reelhouse.ingest.pipeline import REFRESH_KIND
from reelhouse.testing.fake_providers.app import FakeProviders
from reelhouse.watch.imports import imported
from reelhouse.watch.models import WatchState
from reelhouse.watch.repository import StoredState
from reelhouse.watch.views import UserState
from tests.pipeline_support import add_library, pipeline_settings, running_server, settled, touch
from tests.support import Api
from tests.test_pipeline import scan_all

UNKNOWN_USER_WARNING = "NFO viewing history not imported: watch.nfo_import_user is no user"


def kodi(tag: str, *fields: str) -> str:
    return f"<{tag}>{''.join(fields)}</{tag}>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Library:
    movies: Path
    tv: Path
    series: str


def write_library(root: Path, fake: FakeProviders) -> Library:
    """Four films and a series whose NFO files hold Kodi's viewing history, good and bad."""
    titles = fake.catalogue.library_titles()
    films = [t for t in titles if not t.series][:4]
    show = next(t for t in titles if t.series)
    movies, tv = root / "Movies", root / "TV"

    def film(index: int, name: str, nfo: str) -> None:
        title = films[index]
        folder = movies / f"{title.title} ({title.year})"
        touch(folder / f"{title.title} ({title.year}).mkv")
        stem = "movie" if name == "movie" else f"{title.title} ({title.year})"
        touch(folder / f"{stem}.nfo", nfo.encode())

    # Kodi's own export: count, last play, resume point
    film(
        0,
        "movie",
        kodi(
            "movie",
            "<title>Watched Often</title><playcount>3</playcount>",
            "<lastplayed>2019-05-04 21:13:00</lastplayed>",
            "<resume><position>1234.500000</position><total>5400.000000</total></resume>",
        ),
    )
    # tinyMediaManager's mark, in `<video name>.nfo`
    film(1, "video", kodi("movie", "<title>Marked Watched</title><watched>true</watched>"))
    # malformed values are skipped, the rest of the file is used
    film(
        2,
        "movie",
        kodi(
            "movie",
            "<title>Half Broken</title><playcount>lots</playcount>",
            "<watched>true</watched><lastplayed>2999-01-01 00:00:00</lastplayed>",
            "<resume><position>9000</position><total>5400</total></resume>",
        ),
    )
    # Kodi's "never watched"
    film(3, "movie", kodi(
        "movie", "<title>Never Watched</title><playcount>0</playcount>",
        "<lastplayed>1969-12-31</lastplayed>",
        "<resume><position>0.000000</position><total>0.000000</total></resume>",
    ))  # fmt: skip

    season = tv / f"{show.title} ({show.year})" / "Season 01"

    def episode(name: str, *details: str) -> None:
        touch(season / f"{show.title} - {name}.mkv")
        touch(season / f"{show.title} - {name}.nfo", "".join(details).encode())

    episode(
        "S01E01",
        kodi(
            "episodedetails",
            "<season>1</season><episode>1</episode><playcount>1</playcount>",
            "<lastplayed>2020-02-02 20:00:00</lastplayed>",
        ),
    )
    episode(
        "S01E02",
        kodi(
            "episodedetails",
            "<playcount>0</playcount><lastplayed>2020-02-03 21:30:00</lastplayed>",
            "<resume><position>600</position><total>3000</total></resume>",
        ),
    )
    # a file of two episodes, each with its own history
    episode(
        "S01E03E04",
        kodi("episodedetails", "<season>1</season><episode>3</episode>",
             "<playcount>2</playcount><lastplayed>2020-02-04 20:00:00</lastplayed>"),
        kodi("episodedetails", "<season>1</season><episode>4</episode>",
             "<playcount>0</playcount>"),
    )  # fmt: skip
    return Library(movies, tv, show.title)


async def user_id(api: Api, username: str) -> int:
    return next(u.id for u in await api.services.users.list_users() if u.username == username)


async def catalogue(api: Api) -> dict[str, int]:
    """Movie titles and episode codes (`S01E02`), to their item ids."""
    async with api.services.users.database.read() as session:
        movies = (await session.scalars(select(Movie))).all()
        episodes = (await session.scalars(select(Episode))).all()
    found = {m.title: m.id for m in movies}
    found |= {f"S{e.parent_index_number:02}E{e.index_number:02}": e.id for e in episodes}
    return found


async def states(api: Api, user: int, ids: dict[str, int]) -> dict[str, UserState]:
    return {name: await api.services.watch.state(user, None, i) for name, i in ids.items()}


async def refresh(api: Api, item_id: int) -> None:
    await api.services.jobs.enqueue(
        REFRESH_KIND, {"item_id": item_id, "bypass_cache": False}, key=f"item:{item_id}"
    )
    for job in await settled(api):
        assert job.state == JobState.SUCCEEDED, (job.kind, job.error)


def importing(
    provider_settings: Callable[..., Settings], database_url: str, data: Path, user: str
) -> Settings:
    return pipeline_settings(
        provider_settings, database_url, data, watch=WatchSettings(nfo_import_user=user)
    )


async def test_nfo_history_becomes_the_chosen_users_state(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    library = write_library(tmp_path / "library", fake)
    settings = importing(provider_settings, database_url, tmp_path / "data", " ALICE ")
    async with running_server(settings) as (api, token):
        await api.token_for("alice")
        await api.token_for("bob")
        alice, bob = await user_id(api, "alice"), await user_id(api, "bob")
        # cached before the import: the import drops it
        assert await api.services.watch.continue_watching(alice, None, 10) == ()
        movies = await add_library(api, token, "Movies", "movies", library.movies)
        shows = await add_library(api, token, "TV", "tv", library.tv)
        for job in await scan_all(api, token, movies, shows):
            assert job.state == JobState.SUCCEEDED, (job.kind, job.error)

        ids = await catalogue(api)
        found = await states(api, alice, ids)
        often = found["Watched Often"]
        assert (often.played, often.play_count) == (True, 3)
        assert often.last_played_at == at("2019-05-04 21:13:00")
        assert (often.position_s, often.position_at) == (1234.5, at("2019-05-04 21:13:00"))
        marked = found["Marked Watched"]
        assert (marked.played, marked.play_count, marked.last_played_at) == (True, 1, None)
        assert marked.position_s is None
        # the malformed count, date and resume point were left out; the watched mark was not
        broken = found["Half Broken"]
        assert (broken.played, broken.play_count, broken.last_played_at) == (True, 1, None)
        assert broken.position_s is None
        assert found["Never Watched"] == UserState()

        first, second = found["S01E01"], found["S01E02"]
        assert (first.played, first.play_count) == (True, 1)
        assert first.last_played_at == at("2020-02-02 20:00:00")
        assert (second.played, second.position_s) == (False, 600.0)
        assert second.position_at == at("2020-02-03 21:30:00")
        assert (found["S01E03"].played, found["S01E03"].play_count) == (True, 2)
        assert found["S01E04"] == UserState()

        # the others have nothing
        for name, state in (await states(api, bob, ids)).items():
            assert state == UserState(), name
        assert await api.services.watch.continue_watching(bob, None, 10) == ()
        resuming = await api.services.watch.continue_watching(alice, None, 10)
        assert {w.item.id for w in resuming} == {ids["Watched Often"], ids["S01E02"]}


async def test_what_the_user_did_since_is_kept_and_a_newer_nfo_wins(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    library = write_library(tmp_path / "library", fake)
    settings = importing(provider_settings, database_url, tmp_path / "data", "alice")
    async with running_server(settings) as (api, token):
        await api.token_for("alice")
        alice = await user_id(api, "alice")
        movies = await add_library(api, token, "Movies", "movies", library.movies)
        shows = await add_library(api, token, "TV", "tv", library.tv)
        await scan_all(api, token, movies, shows)
        ids = await catalogue(api)
        watch = api.services.watch

        # After the import, the user unmarks a film, finishes an episode and stars one never
        # watched: rescans and refreshes read the same NFO files again.
        await watch.set_played(alice, None, ids["Watched Often"], played=False)
        await watch.set_played(alice, None, ids["S01E02"], played=True)
        await watch.set_favourite(alice, None, ids["Never Watched"], favourite=True)
        before = await states(api, alice, ids)
        series_id = await series_of(api, ids["S01E01"])
        for item_id in (ids["Watched Often"], ids["Marked Watched"], series_id):
            await refresh(api, item_id)
        await scan_all(api, token, movies, shows)
        assert await states(api, alice, ids) == before
        assert before["Watched Often"].played is False
        assert (before["S01E02"].played, before["S01E02"].position_s) == (True, None)
        assert before["Never Watched"].favourite

        # A history that does not say when is never newer than what is stored.
        assert before["Marked Watched"].play_count == 1

        # An NFO Kodi rewrote after a later viewing brings it in (the stored state aged, as
        # if the import had been long ago).
        async with api.services.users.database.transaction() as session:
            await session.execute(
                update(WatchState)
                .where(WatchState.user_id == alice, WatchState.item_id == ids["S01E01"])
                .values(updated_at=at("2021-01-01 00:00:00"))
            )
        nfo = next(library.tv.rglob("* - S01E01.nfo"))
        nfo.write_text(kodi(
            "episodedetails", "<playcount>4</playcount>",
            "<lastplayed>2023-03-03 20:00:00</lastplayed>",
            "<resume><position>120</position><total>3000</total></resume>",
        ))  # fmt: skip
        await refresh(api, series_id)
        newer = await watch.state(alice, None, ids["S01E01"])
        assert (newer.played, newer.play_count) == (True, 4)
        assert newer.last_played_at == at("2023-03-03 20:00:00")
        assert newer.position_s == 120.0
        assert await watch.state(alice, None, ids["S01E02"]) == before["S01E02"]


async def series_of(api: Api, episode_id: int) -> int:
    async with api.services.users.database.read() as session:
        episode = await session.get(Episode, episode_id)
        assert episode is not None
        assert episode.series_id is not None
        return episode.series_id


async def test_an_unknown_user_is_reported_once_a_job_and_nothing_is_imported(
    provider_settings: Callable[..., Settings],
    database_url: str,
    tmp_path: Path,
    fake: FakeProviders,
) -> None:
    library = write_library(tmp_path / "library", fake)
    settings = importing(provider_settings, database_url, tmp_path / "data", "nobody")
    async with running_server(settings) as (api, token):
        await api.token_for("alice")
        alice = await user_id(api, "alice")
        movies = await add_library(api, token, "Movies", "movies", library.movies)
        with capture_logs() as logs:
            jobs = await scan_all(api, token, movies)
        assert all(job.state == JobState.SUCCEEDED for job in jobs)
        warnings = [e for e in logs if e["event"] == UNKNOWN_USER_WARNING]
        assert [w["username"] for w in warnings] == ["nobody"]
        ids = await catalogue(api)
        assert len(ids) == 4
        for name, state in (await states(api, alice, ids)).items():
            assert state == UserState(), name


def test_the_rules_of_what_is_kept() -> None:
    now = at("2024-06-01 12:00:00")
    nfo = LocalWatch(play_count=2, last_played=at("2024-01-01 00:00:00"))

    def stored(**values: Any) -> StoredState:
        fields: dict[str, Any] = {
            "position_ms": None, "position_at": None, "played": False, "play_count": 0,
            "last_played_at": None, "favourite": False, "rating": None, "updated_at": now,
        }  # fmt: skip
        return StoredState(**(fields | values))

    written = imported(1, 2, nfo, None, now)
    assert written is not None
    assert (written.played, written.play_count, written.last_played_at) == (
        True,
        2,
        nfo.last_played,
    )
    # only a favourite: the history is brought in, the favourite kept by the write
    assert imported(1, 2, nfo, stored(favourite=True), now) is not None
    # anything of watching written after the NFO's date: kept
    assert imported(1, 2, nfo, stored(played=True, play_count=1), now) is None
    # ... before it (by more than any zone's offset): replaced
    old = stored(played=True, play_count=1, updated_at=at("2023-12-01 00:00:00"))
    assert imported(1, 2, nfo, old, now) is not None
    # within a zone's offset of it: the NFO might be older, so kept
    close = stored(played=True, play_count=1, updated_at=at("2023-12-31 14:00:00"))
    assert imported(1, 2, nfo, close, now) is None
    # no date in the NFO: never newer than a stored history
    undated = LocalWatch(play_count=5)
    assert imported(1, 2, undated, old, now) is None
    # "not played", of an item the user has no history of: nothing written
    assert imported(1, 2, LocalWatch(play_count=0), stored(favourite=True), now) is None
    # a last play ahead of now (a zone ahead of UTC) is stored as now
    ahead = LocalWatch(play_count=1, last_played=at("2024-06-01 20:00:00"))
    written = imported(1, 2, ahead, None, now)
    assert written is not None
    assert written.last_played_at == now
